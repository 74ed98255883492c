// Values of secret-named keys inside text: JSON written as text (`"api_key": "…"`), YAML
// and HTTP headers (`password: …` at the start of a line), .env / INI / query strings /
// shell (`DB_PASSWORD=…`, `?access_token=…`, `--password=…`, `--password …`,
// `-u user -p …`), curl headers (`-H 'X-Api-Key: …'`), and `name`/`value` pairs
// (Kubernetes `name: DB_PASSWORD` + `value: …`, HTML `name="csrf_token" value="…"`). Code that merely mentions such
// a key (`token = getToken()`, `password: string;`) and placeholders are left alone.
// The keys themselves are found by the shared scan in key-value-detector.ts.

import { isPlaceholder } from '../placeholders.js';
import type { ReportRange } from './detector.js';

export const SENSITIVE_FIELD = 'sensitive-field';

// Command-line flags take their value after a space: `--password hunter2`, `--api-key x`.
const FLAG = /--[A-Za-z0-9-]{0,30}?(?:password|passwd|token|secret|api-key|apikey)[ \t]+/iy;
// `curl -u user:password`, `--user user:password` (tried where `-u`/`--user` ends): the part after the colon.
const USER_VALUE = /(?:[ \t]+|=)["']?[^\s:"'@\\]{1,64}:([^\s"'@\\]{1,256})(?=["']?(?:\s|$|\\[nrt]))/dy;
// .netrc (tried where `login` starts): `machine host login user password secret`.
const NETRC = /login\s+\S{1,128}\s+password\s+([^\s"'\\]{1,512})/dy;
// XML elements: `<password>secret</password>`.
const XML_TEXT = /(?:[^<>\r\n"\\]|\\.){1,4096}(?=<\/)/y;
// Closing quote of the key, spaces, separator (`:=`, `=`, `:`), spaces.
const SEPARATOR = /(?:\\?["'])?[ \t]*(:=|=(?![=>~])|:(?![:/]))[ \t]*/y;
const DOUBLE_QUOTED = /"((?:[^"\\\r\n]|\\.){1,4096})"/y;
const ESCAPED_QUOTED = /\\"((?:[^"\\]|\\[^"]){1,4096})\\"/y;
const SINGLE_QUOTED = /'([^'\r\n]{1,4096})'/y;
const BACKTICK_QUOTED = /`([^`$\r\n]{1,4096})`/y;
// `#` starts a comment only after a space (`.env`, shell); inside a value it is a character.
const BARE = /[^\s"'`,;&#<>()[\]{}|\\][^\s"'`,;&<>()[\]{}|\\]{0,4095}/y;
const LINE_REST = /[^\r\n\\"]{1,2048}/y;
// `name: DB_PASSWORD` then `value: …` on the next line, `"name":"X","value":"…"`, or HTML's `name="csrf_token" value="…"`.
const NAME_BEFORE = /(?:\bname\\?["']?\s*[:=]\s*\\?["']?)$/;
const VALUE_AFTER = /(?:\\?["'])?\s*(?:(?:,|\r?\n|\\n)\s*(?:\\?["'])?value(?:\\?["'])?\s*:|[ \t]+value[ \t]*=)\s*/y;
// `config.password`, `process.env.TOKEN`: code, not a value (a digit-free dotted path; a
// Vault token such as `s.Xy7pQ2zLm9` has digits).
const DOTTED_PATH = /^[A-Za-z_$][A-Za-z_$]*(?:\.[A-Za-z_$][A-Za-z_$]*)+$/;
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|bot)\s+(?=\S)/i;
const LINE_PREFIX_CHARS = ' \t-*><';
const USER_OPTION = /(?:^|\s)(?:-u|-U|--user(?:name)?)[ \t=]+\S/;
const HEADER_OPTION = /(?:^|\s)(?:-H|--header)[ \t]+$/;
const CODE_WORDS = new Set(['await', 'new', 'function', 'lambda', 'async', 'typeof', 'this', 'self', 'require', 'import', 'return', 'yield']);

/** A secret-named key found in the text. */
export interface KeyAt {
	text: string;
	key: string;
	keyStart: number;
	keyEnd: number;
	report: ReportRange;
}

/** Masks the value that follows a secret-named key, in whichever syntax it is written. */
export function maskValueAfterKey(at: KeyAt): void {
	const { text, keyEnd } = at;
	if (text.charCodeAt(keyEnd) === 62) {
		XML_TEXT.lastIndex = keyEnd + 1;
		const match = XML_TEXT.exec(text);
		if (match) reportValue(match[0], keyEnd + 1, at.report);
		return;
	}
	SEPARATOR.lastIndex = keyEnd;
	const separator = SEPARATOR.exec(text)?.[1];
	const valueStart = SEPARATOR.lastIndex;
	if (separator === undefined) {
		maskNamedValue(at);
		return;
	}
	if (maskQuoted(text, valueStart, at.report)) return;
	if (separator === ':') {
		if (isLineStart(text, at.keyStart)) maskLineRest(text, valueStart, at.report);
		return;
	}
	maskBare(text, valueStart, at.key, at.report);
}

/** Command lines and .netrc files, where a value follows its name after a space. */
export function maskCommandLineValues(text: string, report: ReportRange): void {
	for (let at = text.indexOf('--'); at !== -1; at = text.indexOf('--', at + 2)) {
		while (text.charCodeAt(at + 2) === 45) at++;
		if (text.startsWith('--user', at)) maskGroupAt(text, USER_VALUE, at + 6, report);
		else maskFlagValueAt(text, at, report);
	}
	for (let at = text.indexOf('-u'); at !== -1; at = text.indexOf('-u', at + 2)) {
		if (!isFlagCode(text.charCodeAt(at - 1))) maskGroupAt(text, USER_VALUE, at + 2, report);
	}
	for (let at = text.indexOf('-p'); at !== -1; at = text.indexOf('-p', at + 2)) maskShortPasswordAt(text, at, report);
	if (!text.includes('password')) return;
	for (let at = text.indexOf('login'); at !== -1; at = text.indexOf('login', at + 5)) maskGroupAt(text, NETRC, at, report);
}

function maskGroupAt(text: string, pattern: RegExp, at: number, report: ReportRange): void {
	pattern.lastIndex = at;
	const match = pattern.exec(text);
	if (match === null || isPlaceholder(match[1])) return;
	const [start, end] = match.indices![1];
	report(start, end, SENSITIVE_FIELD);
}

// `docker login -u ci -p hunter2`, `mysql -u root -p hunter2`: a `-p` option after a user
// option on the same command line. A number there is a port (`psql -U app -p 5432`).
function maskShortPasswordAt(text: string, at: number, report: ReportRange): void {
	if (isFlagCode(text.charCodeAt(at - 1)) || !(text.charCodeAt(at + 2) === 32 || text.charCodeAt(at + 2) === 9)) return;
	const lineStart = text.lastIndexOf('\n', at) + 1;
	if (!USER_OPTION.test(text.slice(Math.max(lineStart, at - 200), at))) return;
	let valueStart = at + 2;
	while (text.charCodeAt(valueStart) === 32 || text.charCodeAt(valueStart) === 9) valueStart++;
	if (maskQuoted(text, valueStart, report)) return;
	BARE.lastIndex = valueStart;
	const value = BARE.exec(text)?.[0];
	if (value === undefined || /^\d+$/.test(value) || /^[$%-]/.test(value) || isPlaceholder(value)) return;
	report(valueStart, valueStart + value.length, SENSITIVE_FIELD);
}

// `--password hunter2`; the `--password=…` form is an ordinary key and separator.
function maskFlagValueAt(text: string, at: number, report: ReportRange): void {
	FLAG.lastIndex = at;
	if (!FLAG.test(text)) return;
	if (!maskQuoted(text, FLAG.lastIndex, report)) maskBare(text, FLAG.lastIndex, 'FLAG', report);
}

// Word characters and `-`: a `-u` right after them is part of a longer word (`run-u`).
function isFlagCode(code: number): boolean {
	return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
}

// A quoted value in any of the four quote styles; true when one was found (masked or not).
function maskQuoted(text: string, valueStart: number, report: ReportRange): boolean {
	const first = text[valueStart];
	const quoted =
		first === '"' ? DOUBLE_QUOTED : first === "'" ? SINGLE_QUOTED : first === '`' ? BACKTICK_QUOTED : first === '\\' && text[valueStart + 1] === '"' ? ESCAPED_QUOTED : null;
	if (quoted === null) return false;
	quoted.lastIndex = valueStart;
	const match = quoted.exec(text);
	if (match === null) return true;
	const start = valueStart + (quoted === ESCAPED_QUOTED ? 2 : 1);
	reportValue(match[1], start, report);
	return true;
}

// An unquoted value after `=` (or a flag): up to whitespace or punctuation.
function maskBare(text: string, valueStart: number, key: string, report: ReportRange): void {
	BARE.lastIndex = valueStart;
	const bare = BARE.exec(text);
	if (bare === null) return;
	const value = bare[0];
	const next = text[BARE.lastIndex];
	if (next === '(' || next === '[' || next === '{') return;
	// `$VAR`, `%VAR%`, SQL parameters (`:token`, `?`, `@token`).
	if (/^[$%:?@]/.test(value) || isPlaceholder(value) || looksLikeCode(value, key)) return;
	report(valueStart, valueStart + value.length, SENSITIVE_FIELD);
}

// YAML / header style: the rest of the line, without a trailing comment.
function maskLineRest(text: string, valueStart: number, report: ReportRange): void {
	LINE_REST.lastIndex = valueStart;
	const match = LINE_REST.exec(text);
	if (match === null) return;
	let value = match[0];
	const comment = value.indexOf(' #');
	if (comment !== -1) value = value.slice(0, comment);
	value = value.trimEnd();
	if (value.length === 0 || /^[|>&*!{[]/.test(value) || /[;,{(]$/.test(value) || value.includes(' = ')) return;
	if (DOTTED_PATH.test(value)) return;
	reportValue(value, valueStart, report);
}

// Keeps an HTTP auth scheme (`Bearer`, `Basic`, `token`) visible in front of the secret.
function reportValue(value: string, start: number, report: ReportRange): void {
	const scheme = AUTH_SCHEME.exec(value);
	const secret = scheme ? value.slice(scheme[0].length) : value;
	if (isPlaceholder(secret) || secret.includes('${') || secret.includes('{{')) return;
	const secretStart = start + (scheme ? scheme[0].length : 0);
	report(secretStart, secretStart + secret.length, SENSITIVE_FIELD);
}

// Kubernetes / ECS env entries: the key is the value of `name`, the secret is `value`.
function maskNamedValue(at: KeyAt): void {
	const { text, keyStart, keyEnd } = at;
	if (!NAME_BEFORE.test(text.slice(Math.max(0, keyStart - 12), keyStart))) return;
	VALUE_AFTER.lastIndex = keyEnd;
	if (!VALUE_AFTER.test(text)) return;
	const valueStart = VALUE_AFTER.lastIndex;
	if (!maskQuoted(text, valueStart, at.report)) maskLineRest(text, valueStart, at.report);
}

// Only indentation, a quote, list or quote markers (`- `, `* `, `> ` as in curl -v) before
// the key, or a header option (`curl -H 'X-Api-Key: …'`, `--header "…"`).
function isLineStart(text: string, keyStart: number): boolean {
	let at = keyStart;
	if (text[at - 1] === '"' || text[at - 1] === "'") at--;
	if (HEADER_OPTION.test(text.slice(Math.max(0, at - 12), at))) return true;
	while (at > 0 && keyStart - at < 40 && LINE_PREFIX_CHARS.includes(text[at - 1])) at--;
	if (at === 0) return true;
	const previous = text[at - 1];
	return previous === '\n' || previous === '\r' || ((previous === 'n' || previous === 'r') && text[at - 2] === '\\');
}

// Bare values in source code: dotted paths, keywords, and plain identifiers next to a
// lower-case key (`token = accessToken`), which an .env file would write upper-case.
function looksLikeCode(value: string, key: string): boolean {
	if (CODE_WORDS.has(value) || DOTTED_PATH.test(value)) return true;
	const envStyleKey = key === key.toUpperCase();
	return !envStyleKey && /^[A-Za-z_]+$/.test(value);
}
