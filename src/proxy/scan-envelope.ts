// Reads a JSON-RPC line's envelope without parsing it (DESIGN §8: latency). JSON.parse
// builds every object and string of a message; most messages need only jsonrpc, id,
// method, params.name and whether there is a result or an error. This scan checks the
// whole line against the JSON grammar and collects just those, so the parse happens only
// when a stage needs the content.
//
// It gives up (undefined) on anything it does not settle itself, and the caller parses as
// before: a backslash anywhere (escapes), nesting deeper than MAX_DEPTH, a top level that
// is not an object (batches), and every line that is not valid JSON, so JSON.parse still
// names the problem. When it does answer, JSON.parse would have accepted the line and
// read the same members (the last of duplicate keys wins, as there).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 64;

/** The top-level members classification reads, as JSON.parse would have given them (params: only its `name`). */
export interface Envelope {
	fields: Record<string, unknown>;
	/** True when some string holds non-ASCII bytes (the line is UTF-8, not ASCII). */
	nonAscii: boolean;
}

// Keys of interest, by code: at the top level, and `name` inside a top-level params object.
const OTHER = 0;
const PARAMS = 4;
const NAME = 7;
const TOP_KEYS: [string, number][] = [
	['jsonrpc', 1],
	['id', 2],
	['method', 3],
	['params', PARAMS],
	['result', 5],
	['error', 6],
];
const TOP_KEY_BYTES = TOP_KEYS.map(([key, code]) => ({ bytes: Buffer.from(key), code }));
const NAME_BYTES = Buffer.from('name');

// What the scan expects next.
const KEY_OR_CLOSE = 0; // after `{`
const KEY = 1; // after `,` in an object
const COLON = 2;
const VALUE = 3;
const VALUE_OR_CLOSE = 4; // after `[`
const AFTER_VALUE = 5;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

// Reused between calls: the scan itself allocates only the fields it returns.
const containers = new Uint8Array(MAX_DEPTH + 1);

// stringEnd's answer: the closing quote's index, plus ASCII_LIMIT when the string held a
// non-ASCII byte; negative when the string has an escape, a control character or no end.
const ASCII_LIMIT = 1 << 30;

export function scanEnvelope(body: Buffer): Envelope | undefined {
	const length = body.length;
	let position = skipWhitespace(body, 0);
	if (body[position] !== 0x7b) return undefined;
	position++;
	let depth = 1;
	containers[1] = IN_OBJECT;
	let state = KEY_OR_CLOSE;
	let nonAscii = false;
	// The key whose value comes next, as a code; `inParams` while inside a top-level params object.
	let key = OTHER;
	let inParams = false;
	const fields: Record<string, unknown> = {};
	for (;;) {
		position = skipWhitespace(body, position);
		if (position >= length) return undefined;
		const byte = body[position];
		switch (state) {
			case KEY_OR_CLOSE:
			case KEY: {
				if (byte === 0x7d && state === KEY_OR_CLOSE) {
					position++;
					depth--;
					if (depth === 1) inParams = false;
					if (depth === 0) return skipWhitespace(body, position) === length ? { fields, nonAscii } : undefined;
					state = AFTER_VALUE;
					break;
				}
				if (byte !== QUOTE) return undefined;
				const end = stringEnd(body, position + 1);
				if (end < 0) return undefined;
				if (end >= ASCII_LIMIT) nonAscii = true;
				const close = end & ~ASCII_LIMIT;
				key = depth === 1 ? topKey(body, position + 1, close) : depth === 2 && inParams && sameBytes(body, position + 1, close, NAME_BYTES) ? NAME : OTHER;
				position = close + 1;
				state = COLON;
				break;
			}
			case COLON:
				if (byte !== 0x3a) return undefined;
				position++;
				state = VALUE;
				break;
			case VALUE_OR_CLOSE:
			case VALUE: {
				if (byte === 0x5d && state === VALUE_OR_CLOSE) {
					position++;
					depth--;
					state = AFTER_VALUE;
					break;
				}
				const member = containers[depth] === IN_OBJECT ? key : OTHER;
				if (byte === 0x7b || byte === 0x5b) {
					if (depth === MAX_DEPTH) return undefined;
					if (depth === 1 && member !== OTHER) {
						// An object or array: as an id or method the wrong type, for result/error only
						// present; params is reset, its `name` filled in as the scan meets it.
						fields[keyName(member)] = byte === 0x7b ? {} : [];
						if (member === PARAMS && byte === 0x7b) inParams = true;
					} else if (depth === 2 && member === NAME) {
						// params.name that is not a string names no tool.
						(fields.params as Record<string, unknown>).name = {};
					}
					depth++;
					containers[depth] = byte === 0x7b ? IN_OBJECT : IN_ARRAY;
					position++;
					state = byte === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
					break;
				}
				const start = position;
				if (byte === QUOTE) {
					const end = stringEnd(body, position + 1);
					if (end < 0) return undefined;
					if (end >= ASCII_LIMIT) nonAscii = true;
					position = (end & ~ASCII_LIMIT) + 1;
				} else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
					position = numberEnd(body, position);
				} else {
					position = literalEnd(body, position);
				}
				if (position < 0) return undefined;
				if (member !== OTHER && (depth === 1 || member === NAME)) takeScalar(fields, member, body, start, position);
				state = AFTER_VALUE;
				break;
			}
			case AFTER_VALUE: {
				const container = containers[depth];
				if (byte === 0x2c) {
					position++;
					state = container === IN_OBJECT ? KEY : VALUE;
					break;
				}
				if ((byte === 0x7d && container === IN_OBJECT) || (byte === 0x5d && container === IN_ARRAY)) {
					position++;
					depth--;
					if (depth === 1) inParams = false;
					if (depth === 0) return skipWhitespace(body, position) === length ? { fields, nonAscii } : undefined;
					break;
				}
				return undefined;
			}
		}
	}
}

function takeScalar(fields: Record<string, unknown>, member: number, body: Buffer, start: number, end: number): void {
	const first = body[start];
	let value: unknown;
	if (first === QUOTE) value = body.toString('utf8', start + 1, end - 1);
	else if (first === 0x74) value = true;
	else if (first === 0x66) value = false;
	else if (first === 0x6e) value = null;
	else value = Number(body.toString('latin1', start, end));
	if (member === NAME) (fields.params as Record<string, unknown>).name = value;
	else fields[keyName(member)] = value;
}

function keyName(member: number): string {
	return member === NAME ? 'name' : TOP_KEYS[member - 1][0];
}

function topKey(body: Buffer, start: number, end: number): number {
	for (const { bytes, code } of TOP_KEY_BYTES) if (sameBytes(body, start, end, bytes)) return code;
	return OTHER;
}

function sameBytes(body: Buffer, start: number, end: number, bytes: Buffer): boolean {
	if (end - start !== bytes.length) return false;
	for (let index = 0; index < bytes.length; index++) if (body[start + index] !== bytes[index]) return false;
	return true;
}

function stringEnd(body: Buffer, position: number): number {
	let nonAscii = 0;
	for (const length = body.length; position < length; position++) {
		const byte = body[position];
		if (byte === QUOTE) return position | nonAscii;
		if (byte === BACKSLASH || byte < 0x20) return -1;
		if (byte >= 0x80) nonAscii = ASCII_LIMIT;
	}
	return -1;
}

// JSON numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
function numberEnd(body: Buffer, position: number): number {
	if (body[position] === 0x2d) position++;
	if (body[position] === 0x30) position++;
	else if (isDigit(body[position])) while (isDigit(body[position])) position++;
	else return -1;
	if (body[position] === 0x2e) {
		position++;
		if (!isDigit(body[position])) return -1;
		while (isDigit(body[position])) position++;
	}
	if (body[position] === 0x65 || body[position] === 0x45) {
		position++;
		if (body[position] === 0x2b || body[position] === 0x2d) position++;
		if (!isDigit(body[position])) return -1;
		while (isDigit(body[position])) position++;
	}
	return position;
}

function isDigit(byte: number | undefined): boolean {
	return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

const LITERALS = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')];

function literalEnd(body: Buffer, position: number): number {
	for (const literal of LITERALS) {
		if (body[position] === literal[0]) return sameBytes(body, position, position + literal.length, literal) ? position + literal.length : -1;
	}
	return -1;
}

function skipWhitespace(body: Buffer, position: number): number {
	const length = body.length;
	while (position < length) {
		const byte = body[position];
		if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
		position++;
	}
	return position;
}
