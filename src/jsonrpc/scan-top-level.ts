// A byte-level scan of a huge JSON line: validates its structure and reads only the small
// top-level members (jsonrpc, id, method) so a 64 MiB message never becomes a JS string.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// `result` and `error` only need to be present (a huge result reads as undefined): without
// them a large response would look like neither a request nor a response.
const WANTED = new Set(['jsonrpc', 'id', 'method', 'result', 'error']);

export type ScanResult =
	| { ok: true; isArray: boolean; fields: Record<string, unknown> }
	| { ok: false; problem: string };

export function scanTopLevel(body: Buffer): ScanResult {
	let position = skipWhitespace(body, 0);
	const opener = body[position];
	if (opener !== 0x7b && opener !== 0x5b) return { ok: false, problem: 'not a JSON object or array' };
	const fields: Record<string, unknown> = {};
	let depth = 0;
	let expectKey = false;
	let currentKey: string | undefined;
	let valueStart = -1;
	while (position < body.length) {
		const byte = body[position];
		if (byte === QUOTE) {
			const end = findStringEnd(body, position);
			if (end === -1) return { ok: false, problem: 'unterminated string' };
			if (depth === 1 && opener === 0x7b) {
				if (expectKey) {
					currentKey = body.toString('utf8', position + 1, end);
					expectKey = false;
				} else if (valueStart === position && currentKey && WANTED.has(currentKey)) {
					fields[currentKey] = parseSmall(body, position, end + 1);
				}
			}
			position = end + 1;
			continue;
		}
		switch (byte) {
			case 0x7b:
			case 0x5b:
				depth++;
				if (depth === 1 && byte === 0x7b) expectKey = true;
				break;
			case 0x7d:
			case 0x5d:
				if (depth === 1 && currentKey && valueStart !== -1 && WANTED.has(currentKey) && !(currentKey in fields)) {
					fields[currentKey] = parseSmall(body, valueStart, position);
				}
				depth--;
				if (depth < 0) return { ok: false, problem: 'unbalanced brackets' };
				if (depth === 0) {
					const rest = skipWhitespace(body, position + 1);
					if (rest !== body.length) return { ok: false, problem: 'trailing bytes after JSON value' };
					return { ok: true, isArray: opener === 0x5b, fields };
				}
				break;
			case 0x3a: // ':'
				if (depth === 1) valueStart = skipWhitespace(body, position + 1);
				break;
			case 0x2c: // ','
				if (depth === 1) {
					if (currentKey && valueStart !== -1 && WANTED.has(currentKey) && !(currentKey in fields)) {
						fields[currentKey] = parseSmall(body, valueStart, position);
					}
					expectKey = opener === 0x7b;
					valueStart = -1;
					currentKey = undefined;
				}
				break;
			default:
				break;
		}
		position++;
	}
	return { ok: false, problem: 'unexpected end of JSON' };
}

/** Index of the quote closing the JSON string that opens at `open`, or -1. */
export function findStringEnd(body: Buffer, open: number): number {
	let search = open + 1;
	for (;;) {
		const quote = body.indexOf(QUOTE, search);
		if (quote === -1) return -1;
		let backslashes = 0;
		for (let index = quote - 1; index > open && body[index] === BACKSLASH; index--) backslashes++;
		if (backslashes % 2 === 0) return quote;
		search = quote + 1;
	}
}

function skipWhitespace(body: Buffer, position: number): number {
	while (position < body.length) {
		const byte = body[position];
		if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
		position++;
	}
	return position;
}

function parseSmall(body: Buffer, start: number, end: number): unknown {
	if (end - start > 4096) return undefined;
	try {
		return JSON.parse(body.toString('utf8', start, end));
	} catch {
		return undefined;
	}
}
