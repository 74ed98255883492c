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

// The character each one-letter escape stands for, by the letter's code.
const SIMPLE: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };

/** The decoded copy of `raw`; undefined when it holds no valid escape (then it reads as it is). */
export function decodeEscapes(raw: string): DecodedText | undefined {
	let at = raw.indexOf('\\');
	if (at === -1) return undefined;
	// Built as character codes: far cheaper than a piece per escape when a large text holds
	// hundreds of thousands of them (every line break of a file, every é Python escaped).
	const codes = new Uint16Array(raw.length);
	let length = 0;
	let wide = false;
	// Pairs (decoded index, original index) at each side of each escape; between them both advance together.
	let decodedAt: Int32Array = new Int32Array(64);
	let rawAt: Int32Array = new Int32Array(64);
	let points = 0;
	let copied = 0;
	while (at !== -1) {
		const next = raw.charCodeAt(at + 1);
		let code = -1;
		let size = 2;
		if (next === 0x75 /* u */) {
			code = hexAt(raw, at + 2);
			size = 6;
		} else code = SIMPLE[next] ?? -1;
		if (code === -1) {
			// Not an escape JSON knows (`C:\Users`): kept as it is, the backslash and what follows.
			at = raw.indexOf('\\', at + 2);
			continue;
		}
		for (let index = copied; index < at; index++) codes[length++] = raw.charCodeAt(index);
		if (points + 2 > decodedAt.length) {
			decodedAt = grow(decodedAt);
			rawAt = grow(rawAt);
		}
		decodedAt[points] = length;
		rawAt[points] = at;
		decodedAt[points + 1] = length + 1;
		rawAt[points + 1] = at + size;
		points += 2;
		if (code > 0xff) wide = true;
		codes[length++] = code;
		copied = at + size;
		at = raw.indexOf('\\', copied);
	}
	if (points === 0) return undefined;
	for (let index = copied; index < raw.length; index++) codes[length++] = raw.charCodeAt(index);
	return {
		text: toText(codes.subarray(0, length), wide || /[^\x00-\xff]/.test(raw)),
		toRaw(index) {
			// The last pair at or before `index`.
			let low = 0;
			let high = points - 1;
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

// One byte per character when every character fits (detectors run several times faster on such strings).
function toText(codes: Uint16Array, wide: boolean): string {
	if (wide) return Buffer.from(codes.buffer, codes.byteOffset, codes.length * 2).toString('utf16le');
	return Buffer.from(codes).toString('latin1');
}

function grow(array: Int32Array): Int32Array {
	const bigger = new Int32Array(array.length * 2);
	bigger.set(array);
	return bigger;
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
