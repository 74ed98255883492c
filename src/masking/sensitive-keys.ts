// Which key names hold secrets: a built-in list matched on the key's ending, after
// lower-casing and dropping separators (`DB_PASSWORD`, `x-api-key`, `clientSecret`), plus
// the policy's `fields` globs, matched case-insensitively on the key as written.

// Normalised key endings that name a secret.
const SECRET_ENDINGS = [
	'password',
	'passwd',
	'passphrase',
	'secret',
	'secretkey',
	'token',
	'apikey',
	'accesskey',
	'privatekey',
	'signingkey',
	'encryptionkey',
	'masterkey',
	'auth',
	'authorization',
	'credential',
	'credentials',
	'cookie',
];

// Keys that end like a secret but hold protocol data (MCP progress tokens, page cursors).
const NOT_SECRET = new Set(['progresstoken', 'pagetoken', 'nextpagetoken', 'continuationtoken', 'synctoken', 'nexttoken', 'csrfcookie']);

/** The fragments a key must contain to end in one of the built-in endings (for prefilters). */
export const SECRET_KEY_FRAGMENTS = ['pass', 'secret', 'token', 'key', 'auth', 'credential', 'cookie'];

export interface SensitiveKeys {
	/** True when values under this key are secrets. */
	matches(key: string): boolean;
	/** Literals (lower case) of which every sensitive key contains at least one; null when a glob can match any key. */
	readonly fragments: readonly string[] | null;
}

export function createSensitiveKeys(fieldGlobs: readonly string[]): SensitiveKeys {
	const globs = fieldGlobs.map(globToRegExp);
	const globFragments = fieldGlobs.map(longestLiteral);
	const fragments = globFragments.some((fragment) => fragment.length < 3)
		? null
		: [...new Set([...SECRET_KEY_FRAGMENTS, ...globFragments])];
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
	if (NOT_SECRET.has(normalized)) return false;
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
