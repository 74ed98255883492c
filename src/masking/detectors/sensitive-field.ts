// Values of secret-named keys inside text: JSON written as text (`"api_key": "…"`), YAML
// and HTTP headers (`password: …` at the start of a line), .env / INI / query strings /
// shell (`DB_PASSWORD=…`, `?access_token=…`, `--password=…`), and Kubernetes-style
// `name: DB_PASSWORD` + `value: …` pairs. Code that merely mentions such a key
// (`token = getToken()`, `password: string;`) and placeholders are left alone.

import { isPlaceholder } from '../placeholders.js';
import type { SensitiveKeys } from '../sensitive-keys.js';
import type { Detector, ReportRange } from './detector.js';

const KEY_CHAR = /[A-Za-z0-9_.-]/;
const MAX_KEY = 80;
// Closing quote of the key, spaces, separator (`:=`, `=`, `:`), spaces.
const SEPARATOR = /(?:\\?["'])?[ \t]*(:=|=(?![=>~])|:(?![:/]))[ \t]*/y;
const FLAG_SEPARATOR = /[ \t]+/y;
const DOUBLE_QUOTED = /"((?:[^"\\\r\n]|\\.){1,4096})"/y;
const ESCAPED_QUOTED = /\\"((?:[^"\\]|\\[^"]){1,4096})\\"/y;
const SINGLE_QUOTED = /'([^'\r\n]{1,4096})'/y;
const BACKTICK_QUOTED = /`([^`$\r\n]{1,4096})`/y;
const BARE = /[^\s"'`,;&#<>()[\]{}|\\]{1,4096}/y;
const LINE_REST = /[^\r\n\\"]{1,2048}/y;
// `name: DB_PASSWORD` then `value: …` on the next line, or `"name":"X","value":"…"`.
const NAME_BEFORE = /(?:\bname\\?["']?\s*[:=]\s*\\?["']?)$/;
const VALUE_AFTER = /(?:\\?["'])?\s*(?:,|\r?\n|\\n)\s*(?:\\?["'])?value(?:\\?["'])?\s*:\s*/y;

const AUTH_SCHEME = /^(?:bearer|basic|token|digest|bot)\s+(?=\S)/i;
const LINE_PREFIX_CHARS = ' \t-*><';
const CODE_WORDS = new Set(['await', 'new', 'function', 'lambda', 'async', 'typeof', 'this', 'self', 'require', 'import', 'return', 'yield']);

export function createSensitiveFieldDetector(keys: SensitiveKeys): Detector {
	const fragments = keys.fragments;
	const upperFragments = fragments?.map((fragment) => fragment.toUpperCase()) ?? null;
	const capitalFragments = fragments?.map((fragment) => fragment[0].toUpperCase() + fragment.slice(1)) ?? null;
	const keyword = fragments
		? new RegExp(fragments.map((fragment) => fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi')
		: /[A-Za-z0-9_.-](?=(?:\\?["'])?[ \t]*[:=])/g;
	return {
		name: 'sensitive-field',
		mayMatch(text) {
			if (!fragments) return text.includes('=') || text.includes(':');
			for (let index = 0; index < fragments.length; index++) {
				if (text.includes(fragments[index]) || text.includes(upperFragments![index]) || text.includes(capitalFragments![index])) return true;
			}
			return false;
		},
		collect(text, report) {
			keyword.lastIndex = 0;
			let hit: RegExpExecArray | null;
			while ((hit = keyword.exec(text)) !== null) {
				let keyStart = hit.index;
				while (keyStart > 0 && hit.index - keyStart < MAX_KEY && KEY_CHAR.test(text[keyStart - 1])) keyStart--;
				let keyEnd = hit.index + hit[0].length;
				while (keyEnd < text.length && keyEnd - keyStart < MAX_KEY && KEY_CHAR.test(text[keyEnd])) keyEnd++;
				keyword.lastIndex = keyEnd;
				const key = text.slice(keyStart, keyEnd);
				if (!keys.matches(key.replace(/^[-.]+/, ''))) continue;
				maskValueAfterKey({ text, key, keyStart, keyEnd, report });
			}
		},
	};
}

interface KeyAt {
	text: string;
	key: string;
	keyStart: number;
	keyEnd: number;
	report: ReportRange;
}

function maskValueAfterKey(at: KeyAt): void {
	const { text, keyEnd } = at;
	SEPARATOR.lastIndex = keyEnd;
	let separator = SEPARATOR.exec(text)?.[1];
	let valueStart = SEPARATOR.lastIndex;
	if (separator === undefined && at.key.startsWith('--')) {
		FLAG_SEPARATOR.lastIndex = keyEnd;
		if (FLAG_SEPARATOR.test(text)) {
			separator = ' ';
			valueStart = FLAG_SEPARATOR.lastIndex;
		}
	}
	if (separator === undefined) {
		maskNamedValue(at);
		return;
	}
	if (maskQuoted(text, valueStart, at.report)) return;
	if (separator === ':') {
		if (isLineStart(text, at.keyStart)) maskLineRest(text, valueStart, at.report);
		return;
	}
	BARE.lastIndex = valueStart;
	const bare = BARE.exec(text);
	if (bare === null) return;
	const value = bare[0];
	const next = text[BARE.lastIndex];
	if (next === '(' || next === '[' || next === '{') return;
	// `$VAR`, `%VAR%`, SQL parameters (`:token`, `?`, `@token`).
	if (/^[$%:?@]/.test(value) || isPlaceholder(value) || looksLikeCode(value, at.key)) return;
	at.report(valueStart, valueStart + value.length);
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
	if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return;
	reportValue(value, valueStart, report);
}

// Keeps an HTTP auth scheme (`Bearer`, `Basic`, `token`) visible in front of the secret.
function reportValue(value: string, start: number, report: ReportRange): void {
	const scheme = AUTH_SCHEME.exec(value);
	const secret = scheme ? value.slice(scheme[0].length) : value;
	if (isPlaceholder(secret) || secret.includes('${') || secret.includes('{{')) return;
	const secretStart = start + (scheme ? scheme[0].length : 0);
	report(secretStart, secretStart + secret.length);
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

// Only indentation, a quote, list or quote markers (`- `, `* `, `> ` as in curl -v) before the key.
function isLineStart(text: string, keyStart: number): boolean {
	let at = keyStart;
	if (text[at - 1] === '"' || text[at - 1] === "'") at--;
	while (at > 0 && keyStart - at < 40 && LINE_PREFIX_CHARS.includes(text[at - 1])) at--;
	if (at === 0) return true;
	const previous = text[at - 1];
	return previous === '\n' || previous === '\r' || ((text[at - 1] === 'n' || text[at - 1] === 'r') && text[at - 2] === '\\');
}

// Bare values in source code: dotted paths, keywords, and plain identifiers next to a
// lower-case key (`token = accessToken`), which an .env file would write upper-case.
function looksLikeCode(value: string, key: string): boolean {
	if (CODE_WORDS.has(value)) return true;
	if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return true;
	const envStyleKey = key === key.toUpperCase();
	return !envStyleKey && /^[A-Za-z_]+$/.test(value);
}
