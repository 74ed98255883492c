// Finds duplicate or case-variant keys in the envelope and params of a request, the way
// a lenient JSON decoder could be tricked: `{"name":"read","Name":"delete"}` or a second
// `"name"`. JSON.parse silently keeps the last one, so this reads the raw text.

import { findStringEnd } from './scan-top-level.js';

const QUOTE = 0x22;

// Keys whose second copy could change what a lenient server executes. A request where none
// of them occurs twice (in any letter case, anywhere, even as a value) cannot hide a
// duplicate that matters, so the byte walk below runs only when a quick search finds one
// twice. Native searches in a lower-cased copy: no match object per key.
const WATCHED_KEYS = ['jsonrpc', 'id', 'method', 'params', 'name', 'arguments', '_meta', 'requeststate', 'inputresponses'].map((key) => `"${key}"`);

function mayHideDuplicate(body: Buffer): boolean {
	const text = body.toString('latin1').toLowerCase();
	for (const key of WATCHED_KEYS) {
		const first = text.indexOf(key);
		if (first !== -1 && text.indexOf(key, first + key.length) !== -1) return true;
	}
	return false;
}

/** The first offending pair of keys (at depth 1 or inside `params`), or undefined. */
export function findDuplicateKeys(body: Buffer): [string, string] | undefined {
	if (!mayHideDuplicate(body) && !body.includes('\\u')) return undefined;
	const seen: Map<string, string>[] = [];
	const keyOfDepth: (string | undefined)[] = [];
	let depth = 0;
	let expectKey = false;
	const isObject: boolean[] = [];
	for (let position = 0; position < body.length; position++) {
		const byte = body[position];
		if (byte === QUOTE) {
			const end = findStringEnd(body, position);
			if (end === -1) return undefined;
			if (expectKey && isObject[depth] && tracked(depth, keyOfDepth)) {
				const key = JSON.parse(body.toString('utf8', position, end + 1)) as string;
				const folded = key.toLowerCase();
				const previous = seen[depth].get(folded);
				if (previous !== undefined) return [previous, key];
				seen[depth].set(folded, key);
				keyOfDepth[depth] = key;
			} else if (expectKey && isObject[depth]) {
				keyOfDepth[depth] = JSON.parse(body.toString('utf8', position, end + 1)) as string;
			}
			expectKey = false;
			position = end;
			continue;
		}
		if (byte === 0x7b || byte === 0x5b) {
			depth++;
			isObject[depth] = byte === 0x7b;
			seen[depth] = new Map();
			keyOfDepth[depth] = undefined;
			expectKey = byte === 0x7b;
		} else if (byte === 0x7d || byte === 0x5d) {
			depth--;
			expectKey = false;
		} else if (byte === 0x2c) {
			expectKey = isObject[depth];
		}
	}
	return undefined;
}

// Depth 1 is the envelope; depth 2 is checked only inside `params`.
function tracked(depth: number, keyOfDepth: (string | undefined)[]): boolean {
	return depth === 1 || (depth === 2 && keyOfDepth[1] === 'params');
}
