// Object keys as a case-insensitive decoder compares them. Go's encoding/json matches a
// key to a struct field by folding case (since Go 1.21: ToUpper(ToLower(r)) per rune), so
// `Method`, `METHOD` and even `\u212Aind` (Kelvin sign) or `paramſ` (long s) reach the
// field their plain spelling names; .NET and Jackson have similar options. Two keys that
// fold alike are one key to such a server, and two to JSON.parse.

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const LONE_SURROGATE = /\p{Cs}/u;

/** The key folded so that keys a case-insensitive decoder takes for one another are equal. */
export function foldKey(key: string): string {
	if (ASCII_ONLY.test(key)) return key.toLowerCase();
	let folded = '';
	for (const char of key) folded += foldCharacter(char);
	return folded;
}

// Go folds with the simple (one rune to one rune) mappings; JavaScript only has the full
// ones, which may give several characters ('İ' → 'i̇', 'ß' → 'SS'). Taking the first
// character of a longer lower case, and keeping the character when its upper case is
// longer, gives the same classes: 'İ', 'ı', 'I' and 'i' fold together, as 'ſ', 'S' and 's',
// or 'K' (Kelvin), 'K' and 'k'. A lone surrogate folds to U+FFFD, which Go decodes it to.
function foldCharacter(char: string): string {
	if (LONE_SURROGATE.test(char)) return '\ufffd';
	const lower = firstCharacter(char.toLowerCase());
	const upper = lower.toUpperCase();
	if (!isOneCharacter(upper)) return lower;
	return firstCharacter(upper.toLowerCase());
}

function isOneCharacter(text: string): boolean {
	return text.length === 1 || (text.length === 2 && text.codePointAt(0)! > 0xffff);
}

function firstCharacter(text: string): string {
	return String.fromCodePoint(text.codePointAt(0)!);
}

/** True when the text holds a UTF-16 surrogate without its pair (written as a `\uD800` escape in JSON). */
export function hasLoneSurrogate(text: string): boolean {
	return LONE_SURROGATE.test(text);
}
