// JSON's backslash escapes decoded, with a way back to the escaped text. A server may write
// a secret escaped (Python's json.dumps writes `\u00e9` for é, so `caf\u00e9ghp_…` glues the
// token to hex digits), and text masking sees such JSON as text: a line too large to parse,
// JSON inside a string, a log line on stderr. Detectors read the decoded copy too, and what
// they find there is masked in the original through `toRaw`, escape sequences and all.

export interface DecodedText {
	/** The text with every valid escape replaced by the character it stands for. */
	text: string;
	/** Where the decoded character at `index` (or the end, at text.length) starts in the original. */
	toRaw(index: number): number;
}

const SIMPLE: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The decoded copy of `raw`; undefined when it holds no valid escape (then it reads as it is). */
export function decodeEscapes(raw: string): DecodedText | undefined {
	let at = raw.indexOf('\\');
	if (at === -1) return undefined;
	const pieces: string[] = [];
	// Pairs (decoded index, original index) at each side of each escape; between them both advance together.
	const decodedAt: number[] = [];
	const rawAt: number[] = [];
	let copied = 0;
	let length = 0;
	while (at !== -1) {
		const next = raw[at + 1];
		let char: string | undefined;
		let size = 2;
		if (next === 'u') {
			const code = hexAt(raw, at + 2);
			if (code !== -1) {
				char = String.fromCharCode(code);
				size = 6;
			}
		} else if (next !== undefined) char = SIMPLE[next];
		if (char === undefined) {
			// Not an escape JSON knows (`C:\Users`): kept as it is, the backslash and what follows.
			at = raw.indexOf('\\', at + 2);
			continue;
		}
		pieces.push(raw.slice(copied, at), char);
		length += at - copied;
		decodedAt.push(length, length + 1);
		rawAt.push(at, at + size);
		length += 1;
		copied = at + size;
		at = raw.indexOf('\\', copied);
	}
	if (pieces.length === 0) return undefined;
	pieces.push(raw.slice(copied));
	return {
		text: pieces.join(''),
		toRaw(index) {
			// The last pair at or before `index`.
			let low = 0;
			let high = decodedAt.length - 1;
			let found = -1;
			while (low <= high) {
				const middle = (low + high) >>> 1;
				if (decodedAt[middle] <= index) {
					found = middle;
					low = middle + 1;
				} else high = middle - 1;
			}
			return found === -1 ? index : rawAt[found] + (index - decodedAt[found]);
		},
	};
}

function hexAt(text: string, start: number): number {
	if (start + 4 > text.length) return -1;
	let code = 0;
	for (let index = start; index < start + 4; index++) {
		const digit = hexDigit(text.charCodeAt(index));
		if (digit === -1) return -1;
		code = code * 16 + digit;
	}
	return code;
}

function hexDigit(code: number): number {
	if (code >= 48 && code <= 57) return code - 48;
	if (code >= 65 && code <= 70) return code - 55;
	if (code >= 97 && code <= 102) return code - 87;
	return -1;
}
