// Token edges that also hold inside JSON written as text: in `"a\nghp_…"` the token
// follows the escape `\n`, which a plain `\b` would read as the word character `n`.

/** Letters, digits and underscore. */
export function isWordCode(code: number): boolean {
	return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** True when a token may start at `index`: start of text, a non-word character, or right after `\n`, `\r`, `\t` escapes. */
export function startsToken(text: string, index: number): boolean {
	if (index === 0) return true;
	if (!isWordCode(text.charCodeAt(index - 1))) return true;
	return isEscapeBefore(text, index);
}

/** True when text[index-2..index) is a backslash escape such as `\n` (not `\\n`). */
export function isEscapeBefore(text: string, index: number): boolean {
	if (index < 2 || text.charCodeAt(index - 2) !== 92) return false;
	const letter = text[index - 1];
	if (letter !== 'n' && letter !== 'r' && letter !== 't') return false;
	let slashes = 0;
	for (let at = index - 2; at >= 0 && text.charCodeAt(at) === 92; at--) slashes++;
	return slashes % 2 === 1;
}

