// One scan serves the four detectors that start from a word rather than a vendor prefix:
// sensitive-field and aws-secret-key (secret-named keys), connection-string (`Password=`)
// and bearer-token (`Bearer`/`Basic`). A case-insensitive search for key words costs
// about as much as four literal searches, so it is done once and each hit is handed to
// whichever of these detectors are enabled. Then two scans that need no key word:
// command-line values (`-u user:password`, `-p secret`) and AWS secret keys written after
// their key id.

import { startsToken } from '../boundaries.js';
import type { SensitiveKeys } from '../sensitive-keys.js';
import { AWS_SECRET_KEY, collectSecretsAfterKeyIds, findAwsSecretAfter, isAwsSecretKeyName } from './aws-secret-key.js';
import { BEARER_TOKEN, findAuthorizationCredential } from './bearer-token.js';
import { CONNECTION_STRING, findConnectionPasswordAfter, isConnectionPasswordName } from './connection-string.js';
import type { Detector } from './detector.js';
import { maskCommandLineValues, maskValueAfterKey, SENSITIVE_FIELD } from './sensitive-field.js';

export const KEY_VALUE_DETECTORS: readonly string[] = [AWS_SECRET_KEY, CONNECTION_STRING, BEARER_TOKEN, SENSITIVE_FIELD];

const MAX_KEY = 80;
// The rest of a key (bounded, so a long run of key characters is not rescanned from
// every key word in it), then what may follow one (see mayFollowKey), or a space and
// the 40 characters of an AWS secret key (`aws configure set aws_secret_access_key …`).
const KEY_FOLLOWER = String.raw`(?=[A-Za-z0-9_.-]{0,80}(?:\\?["']?[ \t]*[:=\r\n,\\>]|$|[ \t]+[\x60'"]?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])|["'][ \t]+value[ \t]*=))`;

// `name="csrf_token" value=…` in HTML: the value attribute after the key's closing quote.
const HTML_VALUE = /[ \t]+value[ \t]*=/y;

export function createKeyValueDetector(options: { enabled: ReadonlySet<string>; keys: SensitiveKeys }): Detector {
	const { enabled, keys } = options;
	const sensitiveField = enabled.has(SENSITIVE_FIELD);
	const awsSecretKey = enabled.has(AWS_SECRET_KEY);
	const connectionString = enabled.has(CONNECTION_STRING);
	const bearerToken = enabled.has(BEARER_TOKEN);
	const words: string[] = [];
	if (sensitiveField) words.push(...(keys.fragments ?? ['[A-Za-z0-9_]']));
	else if (awsSecretKey) words.push('secret');
	if (connectionString) words.push(sensitiveField ? 'pwd' : 'p(?:ass|wd)');
	// Key words only where a key can end (the regex engine filters far faster than a loop
	// here); scheme words only before a credential.
	const alternatives = words.length > 0 ? [`(?:${words.join('|')})${KEY_FOLLOWER}`] : [];
	if (bearerToken) alternatives.push('b(?:earer|asic) +[A-Za-z0-9]');
	const keyword = new RegExp(alternatives.join('|'), 'gi');
	const names = KEY_VALUE_DETECTORS.filter((name) => enabled.has(name));
	// The key words without what must follow them, and `-u` (also in `--user`) for the
	// command-line values that carry no key word (`curl -u user:password`).
	const triggerWords = [...words, ...(bearerToken ? ['b(?:earer|asic) +[A-Za-z0-9]'] : []), ...(sensitiveField ? ['-u'] : []), ...(awsSecretKey ? ['A[KS]IA'] : [])];
	return {
		name: names[0],
		alsoReports: names.slice(1),
		trigger: new RegExp(triggerWords.join('|'), 'i'),
		collect(text, report) {
			keyword.lastIndex = 0;
			// test() and lastIndex rather than exec(): no match object per hit.
			while (keyword.test(text)) {
				const end = keyword.lastIndex;
				if (bearerToken && text.charCodeAt(end - 2) === 32) {
					let schemeEnd = end - 2;
					while (text.charCodeAt(schemeEnd - 1) === 32) schemeEnd--;
					const scheme = authScheme(text, schemeEnd);
					if (scheme !== null) {
						const range = startsToken(text, schemeEnd - scheme.length) ? findAuthorizationCredential(text, scheme, schemeEnd) : null;
						if (range) report(range[0], range[1], BEARER_TOKEN);
						continue;
					}
				}
				// A key word ends at `end`; the key around it runs over key characters both ways.
				let keyEnd = end;
				while (keyEnd < text.length && keyEnd - end < MAX_KEY && isKeyCode(text.charCodeAt(keyEnd))) keyEnd++;
				keyword.lastIndex = keyEnd;
				let keyStart = end - 1;
				while (keyStart > 0 && keyEnd - keyStart < MAX_KEY && isKeyCode(text.charCodeAt(keyStart - 1))) keyStart--;
				const follows = mayFollowKey(text, keyStart, keyEnd);
				if (!follows && text.charCodeAt(keyEnd) !== 32) continue;
				const key = trimKey(text.slice(keyStart, keyEnd));
				if (awsSecretKey && isAwsSecretKeyName(key)) {
					const range = findAwsSecretAfter(text, keyEnd);
					if (range) {
						report(range[0], range[1], AWS_SECRET_KEY);
						continue;
					}
				}
				if (connectionString && isConnectionPasswordName(key)) {
					const range = findConnectionPasswordAfter(text, keyStart, keyEnd);
					if (range) {
						report(range[0], range[1], CONNECTION_STRING);
						continue;
					}
				}
				if (follows && sensitiveField && keys.matches(key)) maskValueAfterKey({ text, key, keyStart, keyEnd, report });
			}
			if (sensitiveField) maskCommandLineValues(text, report);
			if (awsSecretKey) collectSecretsAfterKeyIds(text, (start, end) => report(start, end, AWS_SECRET_KEY));
		},
	};
}

// What can follow a key: optional closing quote (maybe escaped), spaces, then `:` or `=`;
// the end of a `name: DB_PASSWORD` entry (line break, comma, end of text); `>` closing
// an XML start tag (`<password>`); or an HTML `value` attribute (`name="csrf_token" value=`).
function mayFollowKey(text: string, keyStart: number, keyEnd: number): boolean {
	let at = keyEnd;
	let code = text.charCodeAt(at);
	if (code === 62) return text.charCodeAt(keyStart - 1) === 60;
	if (code === 92) code = text.charCodeAt(++at);
	if (code === 34 || code === 39) {
		HTML_VALUE.lastIndex = at + 1;
		if (HTML_VALUE.test(text)) return true;
		code = text.charCodeAt(++at);
	}
	while (code === 32 || code === 9) code = text.charCodeAt(++at);
	return code === 58 || code === 61 || code === 10 || code === 13 || code === 44 || code === 92 || Number.isNaN(code);
}

// `bearer` or `basic` (any case) ending at `end`, as written; otherwise null.
function authScheme(text: string, end: number): string | null {
	for (const length of [6, 5]) {
		const word = text.slice(end - length, end);
		const lower = word.toLowerCase();
		if (lower === 'bearer' || lower === 'basic') return word;
	}
	return null;
}

// Letters, digits, `_`, `.` and `-`.
function isKeyCode(code: number): boolean {
	return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 46 || code === 45;
}

// `--password` and `.password` are still the key `password`.
function trimKey(key: string): string {
	let start = 0;
	while (key[start] === '-' || key[start] === '.') start++;
	return start === 0 ? key : key.slice(start);
}
