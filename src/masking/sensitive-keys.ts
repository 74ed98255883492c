// Which key names hold secrets: a built-in list matched on the key's ending, after
// lower-casing and dropping separators (`DB_PASSWORD`, `x-api-key`, `clientSecret`), plus
// the policy's `fields` globs, matched case-insensitively on the key as written.

import { escapeRegExp } from './detectors/detector.js';

// Normalised key endings that name a secret.
const SECRET_ENDINGS = [
	'pass',
	'password',
	'passwd',
	'passphrase',
	'secret',
	'secretkey',
	'token',
	'apikey',
	'accesskey',
	'privatekey',
	'accountkey',
	'auth',
	'authorization',
	'cookie',
	// Kubernetes image pull secrets: base64 of a Docker config.json with its auths.
	'dockerconfigjson',
	'dockercfg',
];

// Keys that end like a secret but hold protocol data (MCP progress tokens, page cursors).
const NOT_SECRET = new Set(['progresstoken', 'pagetoken', 'nextpagetoken', 'continuationtoken', 'synctoken', 'nexttoken', 'bypass', 'cachebypass']);

/** Pattern sources (case-insensitive) of which every built-in secret key contains one. */
// Factored by first letter, which the regex engine scans noticeably faster.
const SECRET_KEY_FRAGMENTS = ['p(?:ass|rivate[-_.]?key)', 'secret', 'token', 'a(?:pi[-_.]?key|ccess[-_.]?key|ccount[-_.]?key|uth)', 'cookie', 'dockerc(?:onfigjson|fg)'];

export interface SensitiveKeys {
	/** True when values under this key are secrets. */
	matches(key: string): boolean;
	/** Pattern sources (case-insensitive) of which every sensitive key contains one; null when a glob can match any key. */
	readonly fragments: readonly string[] | null;
}

export function createSensitiveKeys(fieldGlobs: readonly string[]): SensitiveKeys {
	const globs = fieldGlobs.map(globToRegExp);
	const globFragments = fieldGlobs.map(longestLiteral);
	const fragments = globFragments.some((fragment) => fragment.length < 3)
		? null
		: [...new Set([...SECRET_KEY_FRAGMENTS, ...globFragments.map(escapeRegExp)])];
	const cache = new Map<string, boolean>();
	return {
		fragments,
		matches(key) {
			let result = cache.get(key);
			if (result === undefined) {
				result = isBuiltInSecretKey(key) || globs.some((glob) => glob.test(key));
				if (cache.size < 10_000) cache.set(key, result);
			}
			return result;
		},
	};
}

export function isBuiltInSecretKey(key: string): boolean {
	const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
	// A bare `pass` is as often a test status (`--- PASS:`) as a password; `db_pass` is not.
	if (NOT_SECRET.has(normalized) || normalized === 'pass') return false;
	for (const ending of SECRET_ENDINGS) if (normalized.endsWith(ending)) return true;
	return false;
}

function globToRegExp(glob: string): RegExp {
	const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
	return new RegExp(`^${source}$`, 'i');
}


function longestLiteral(glob: string): string {
	return glob
		.toLowerCase()
		.split(/[*?]/)
		.reduce((longest, part) => (part.length > longest.length ? part : longest), '');
}
