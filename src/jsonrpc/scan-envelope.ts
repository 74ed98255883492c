// Reads a JSON-RPC line's envelope without parsing it (DESIGN §8: latency). JSON.parse
// builds every object and string of a message; most messages need only jsonrpc, id,
// method, params.name and whether there is a result or an error. This scan checks the
// whole line against the JSON grammar and collects just those, so the parse happens only
// when a stage needs the content.
//
// It gives up (undefined) on anything it does not settle itself, and the caller inspects
// the line in full (inspect-line.ts): non-ASCII bytes, escapes, control characters, nesting
// deeper than MAX_DEPTH, a top level that is not an object (batches), every line that is
// not valid JSON, and whatever parsers might read differently: keys of one object that are
// equal once case is folded, at any depth; a key that folds to a member mcprec reads without
// being spelled like it (`Params`), `__proto__`; an id that is not a plain integer or a
// string; a number too large for a double; a carriage return. When it does answer, every
// parser reads the line as JSON.parse does, and these are the members it reads.

import { PROTOCOL_NAMES, Member } from './protocol-keys.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 64;
// Keys remembered at once (all open objects), and per object: a line with more leaves the
// comparison to the full inspection, which uses sets.
const MAX_KEYS = 1024;
const MAX_KEYS_PER_OBJECT = 64;

/** The top-level members classification reads, as JSON.parse would have given them (params: only its `name`). */
export interface Envelope {
	fields: Record<string, unknown>;
	/** The line as text: ASCII without escapes, so every key and string appears in it as is. */
	text: string;
}

// Keys of interest, by code: at the top level, and `name` inside a top-level params object.
const { none: OTHER, jsonrpc: JSONRPC, id: ID, method: METHOD, params: PARAMS, result: RESULT, error: ERROR, toolName: NAME } = Member;
// Stand-ins for values the classification only type-checks: an object or array where an
// id, a method, jsonrpc or params.name belongs is the wrong type whatever it holds.
const WRONG_TYPE_OBJECT = Object.freeze({});
const WRONG_TYPE_ARRAY = Object.freeze([]);
// params is an object (then only its `name` matters).
const PARAMS_OBJECT = Symbol('params object');

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
// The keys of the open objects (hash of the folded key, start, length), and where each
// object's keys begin.
const keyHashes = new Int32Array(MAX_KEYS);
const keyStarts = new Int32Array(MAX_KEYS);
const keyLengths = new Int32Array(MAX_KEYS);
const objectKeysFrom = new Int32Array(MAX_DEPTH + 1);
// Protocol names (and `__proto__`, which never passes) in an open-addressing table by the
// hash of their folded spelling: a key with one of these hashes is compared with them.
const NAMES = [...PROTOCOL_NAMES, '__proto__'];
const PROTO = NAMES.length - 1;
const NAME_SLOTS = 256;
const nameHashes = new Int32Array(NAME_SLOTS);
const nameIndexes = new Int16Array(NAME_SLOTS).fill(-1);
NAMES.forEach((name, index) => {
	const hash = foldedHash(name, 0, name.length);
	let slot = hash & (NAME_SLOTS - 1);
	while (nameIndexes[slot] !== -1) slot = (slot + 1) & (NAME_SLOTS - 1);
	nameHashes[slot] = hash;
	nameIndexes[slot] = index;
});

export function scanEnvelope(body: Buffer): Envelope | undefined {
	// Read as Latin-1, every byte is one character: strings are checked for what the scan
	// does not handle (see stringEnd), and anything else outside them is a syntax error.
	const text = body.toString('latin1');
	const length = text.length;
	let position = skipSpaces(text, 0);
	if (text.charCodeAt(position) !== 0x7b) return undefined;
	position++;
	let depth = 1;
	containers[1] = IN_OBJECT;
	let keyCount = 0;
	objectKeysFrom[1] = 0;
	let state = KEY_OR_CLOSE;
	// The key whose value comes next, as a code; `inParams` while inside a top-level params object.
	let key = OTHER;
	let inParams = false;
	// The members found (bits by code) and their values; the last of duplicates wins.
	let seen = 0;
	let jsonrpc: unknown;
	let id: unknown;
	let method: unknown;
	let params: unknown;
	let name: unknown;
	for (;;) {
		position = skipSpaces(text, position);
		if (position >= length) return undefined;
		const char = text.charCodeAt(position);
		switch (state) {
			case KEY_OR_CLOSE:
			case KEY: {
				if (char === 0x7d && state === KEY_OR_CLOSE) {
					position++;
					keyCount = objectKeysFrom[depth];
					depth--;
					if (depth === 1) inParams = false;
					if (depth === 0) return skipSpaces(text, position) === length ? envelope(text, seen, jsonrpc, id, method, params, name) : undefined;
					state = AFTER_VALUE;
					break;
				}
				if (char !== QUOTE) return undefined;
				const close = keyEnd(text, position + 1);
				if (close < 0) return undefined;
				key = depth === 1 ? topKey(text, position + 1, close) : depth === 2 && inParams && close - position - 1 === 4 && text.startsWith('name', position + 1) ? NAME : OTHER;
				keyCount = rememberKey(text, position + 1, close, objectKeysFrom[depth], keyCount, key !== OTHER);
				if (keyCount < 0) return undefined;
				position = close + 1;
				state = COLON;
				break;
			}
			case COLON:
				if (char !== 0x3a) return undefined;
				position++;
				state = VALUE;
				break;
			case VALUE_OR_CLOSE:
			case VALUE: {
				if (char === 0x5d && state === VALUE_OR_CLOSE) {
					position++;
					depth--;
					state = AFTER_VALUE;
					break;
				}
				const member = containers[depth] === IN_OBJECT ? key : OTHER;
				if (char === 0x7b || char === 0x5b) {
					if (depth === MAX_DEPTH) return undefined;
					if (depth === 1 && member !== OTHER) {
						// An object or array: as an id or method the wrong type, for result/error only
						// present; params is reset, its `name` filled in as the scan meets it.
						seen |= 1 << member;
						const marker = char === 0x7b ? WRONG_TYPE_OBJECT : WRONG_TYPE_ARRAY;
						if (member === JSONRPC) jsonrpc = marker;
						else if (member === ID) id = marker;
						else if (member === METHOD) method = marker;
						else if (member === PARAMS) {
							params = char === 0x7b ? PARAMS_OBJECT : marker;
							name = undefined;
							inParams = char === 0x7b;
						}
					} else if (depth === 2 && member === NAME) {
						// params.name that is not a string names no tool.
						name = WRONG_TYPE_OBJECT;
					}
					depth++;
					containers[depth] = char === 0x7b ? IN_OBJECT : IN_ARRAY;
					objectKeysFrom[depth] = keyCount;
					position++;
					state = char === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
					break;
				}
				const start = position;
				if (char === QUOTE) {
					const close = stringEnd(text, position + 1);
					if (close < 0) return undefined;
					position = close + 1;
				} else if (char === 0x2d || (char >= 0x30 && char <= 0x39)) {
					position = numberEnd(text, position);
					if (position < 0 || (depth === 1 && member === ID && !isPlainId(text, start, position))) return undefined;
				} else {
					position = literalEnd(text, position);
				}
				if (position < 0) return undefined;
				if (member !== OTHER && (depth === 1 || member === NAME)) {
					const value = scalar(text, start, position);
					if (member === NAME) name = value;
					else {
						seen |= 1 << member;
						if (member === JSONRPC) jsonrpc = value;
						else if (member === ID) id = value;
						else if (member === METHOD) method = value;
						else if (member === PARAMS) params = value;
					}
				}
				state = AFTER_VALUE;
				break;
			}
			case AFTER_VALUE: {
				const container = containers[depth];
				if (char === 0x2c) {
					position++;
					state = container === IN_OBJECT ? KEY : VALUE;
					break;
				}
				if ((char === 0x7d && container === IN_OBJECT) || (char === 0x5d && container === IN_ARRAY)) {
					position++;
					keyCount = objectKeysFrom[depth];
					depth--;
					if (depth === 1) inParams = false;
					if (depth === 0) return skipSpaces(text, position) === length ? envelope(text, seen, jsonrpc, id, method, params, name) : undefined;
					break;
				}
				return undefined;
			}
		}
	}
}

// The members as JSON.parse gives them, built in one order with fixed names, so every
// envelope has a shape the engine knows.
function envelope(text: string, seen: number, jsonrpc: unknown, id: unknown, method: unknown, params: unknown, name: unknown): Envelope {
	const fields: Record<string, unknown> = {};
	if (seen & (1 << JSONRPC)) fields.jsonrpc = jsonrpc;
	if (seen & (1 << ID)) fields.id = id;
	if (seen & (1 << METHOD)) fields.method = method;
	if (seen & (1 << PARAMS)) fields.params = params === PARAMS_OBJECT ? { name } : params;
	if (seen & (1 << RESULT)) fields.result = true;
	if (seen & (1 << ERROR)) fields.error = true;
	return { fields, text };
}

function scalar(text: string, start: number, end: number): unknown {
	const first = text.charCodeAt(start);
	if (first === QUOTE) return text.slice(start + 1, end - 1);
	if (first === 0x74) return true;
	if (first === 0x66) return false;
	if (first === 0x6e) return null;
	return Number(text.slice(start, end));
}

// By length first: most keys are none of these, and each comparison is a call.
function topKey(text: string, start: number, end: number): number {
	switch (end - start) {
		case 2:
			return text.charCodeAt(start) === 0x69 && text.charCodeAt(start + 1) === 0x64 ? ID : OTHER;
		case 5:
			return text.startsWith('error', start) ? ERROR : OTHER;
		case 6:
			return text.startsWith('method', start) ? METHOD : text.startsWith('params', start) ? PARAMS : text.startsWith('result', start) ? RESULT : OTHER;
		case 7:
			return text.startsWith('jsonrpc', start) ? JSONRPC : OTHER;
		default:
			return OTHER;
	}
}

// The closing quote of a string whose content starts at `position`, or -1 when the string
// has no end or holds what the scan leaves to JSON.parse: an escape, a control character
// (invalid there) or a non-ASCII byte.
function stringEnd(text: string, position: number): number {
	for (const length = text.length; position < length; position++) {
		const char = text.charCodeAt(position);
		if (char === QUOTE) return position;
		if (char < 0x20 || char === BACKSLASH || char > 0x7e) return -1;
	}
	return -1;
}

// JSON numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; -1 (left to the full
// inspection) also for one that may be too large for a double (`1e400`), which parsers read
// differently.
function numberEnd(text: string, position: number): number {
	const start = position;
	if (text.charCodeAt(position) === 0x2d) position++;
	if (text.charCodeAt(position) === 0x30) position++;
	else if (isDigit(text.charCodeAt(position))) while (isDigit(text.charCodeAt(position))) position++;
	else return -1;
	if (text.charCodeAt(position) === 0x2e) {
		position++;
		if (!isDigit(text.charCodeAt(position))) return -1;
		while (isDigit(text.charCodeAt(position))) position++;
	}
	const exponent = text.charCodeAt(position);
	if (exponent === 0x65 || exponent === 0x45) {
		position++;
		const sign = text.charCodeAt(position);
		if (sign === 0x2b || sign === 0x2d) position++;
		if (!isDigit(text.charCodeAt(position))) return -1;
		while (isDigit(text.charCodeAt(position))) position++;
		return Number.isFinite(Number(text.slice(start, position))) ? position : -1;
	}
	return position - start > 300 ? -1 : position;
}

// charCodeAt past the end is NaN, which is no digit.
function isDigit(char: number): boolean {
	return char >= 0x30 && char <= 0x39;
}

const LITERALS = ['true', 'false', 'null'];

function literalEnd(text: string, position: number): number {
	for (const literal of LITERALS) if (text.startsWith(literal, position)) return position + literal.length;
	return -1;
}

// JSON's whitespace but the carriage return, which some servers read as a line break (the
// full inspection refuses it); a line has no newline.
function skipSpaces(text: string, position: number): number {
	const length = text.length;
	while (position < length) {
		const char = text.charCodeAt(position);
		if (char !== 0x20 && char !== 0x09 && char !== 0x0a) break;
		position++;
	}
	return position;
}

// Adds the key text[start, end) to the open object's keys (from `from` to `count`); -1 when
// the scan should leave the line to the full inspection: a key folding like an earlier one
// of the object, a protocol name in other letter case, `__proto__`, too many keys. A key
// already known to be a protocol name spelled exactly (`exact`) skips the name table.
function rememberKey(text: string, start: number, end: number, from: number, count: number, exact: boolean): number {
	const length = end - start;
	const hash = lastKeyHash;
	for (let slot = hash & (NAME_SLOTS - 1); !exact && nameIndexes[slot] !== -1; slot = (slot + 1) & (NAME_SLOTS - 1)) {
		if (nameHashes[slot] !== hash) continue;
		const index = nameIndexes[slot];
		const name = NAMES[index];
		// Spelled otherwise (or a hash that only looks alike: the inspection will tell).
		if (index === PROTO || name.length !== length || !text.startsWith(name, start)) return -1;
	}
	if (count - from >= MAX_KEYS_PER_OBJECT || count >= MAX_KEYS) return -1;
	for (let index = from; index < count; index++) {
		if (keyHashes[index] === hash && keyLengths[index] === length && foldedEqual(text, keyStarts[index], start, length)) return -1;
	}
	keyHashes[count] = hash;
	keyStarts[count] = start;
	keyLengths[count] = length;
	return count + 1;
}

// The hash of a key with its ASCII letters folded to lower case (the scan only sees ASCII keys).
function foldedHash(text: string, start: number, end: number): number {
	let hash = 0;
	for (let position = start; position < end; position++) hash = (Math.imul(hash, 31) + lowerAscii(text.charCodeAt(position))) | 0;
	return hash;
}

// The hash keyEnd computed of the key it just found the end of.
let lastKeyHash = 0;

// stringEnd for a key, hashing it on the way (foldedHash, in the same pass).
function keyEnd(text: string, position: number): number {
	let hash = 0;
	for (const length = text.length; position < length; position++) {
		const char = text.charCodeAt(position);
		if (char === QUOTE) {
			lastKeyHash = hash;
			return position;
		}
		if (char < 0x20 || char === BACKSLASH || char > 0x7e) return -1;
		hash = (Math.imul(hash, 31) + lowerAscii(char)) | 0;
	}
	return -1;
}

function foldedEqual(text: string, first: number, second: number, length: number): boolean {
	for (let index = 0; index < length; index++) if (lowerAscii(text.charCodeAt(first + index)) !== lowerAscii(text.charCodeAt(second + index))) return false;
	return true;
}

function lowerAscii(char: number): number {
	return char >= 0x41 && char <= 0x5a ? char | 0x20 : char;
}

// An id every parser reads alike: a plain integer that a double holds exactly (MCP ids are
// strings or integers; not `1.0`, `-0` or 2^53 + 1).
function isPlainId(text: string, start: number, end: number): boolean {
	for (let position = start; position < end; position++) {
		const char = text.charCodeAt(position);
		if (char === 0x2e || char === 0x65 || char === 0x45) return false;
	}
	if (end - start === 2 && text.startsWith('-0', start)) return false;
	return end - start <= 15 || Number.isSafeInteger(Number(text.slice(start, end)));
}
