// Secrets in a remote entry's headers (`Authorization: Bearer sk-…`, `X-API-Key: …`): which
// part of a header value is one, the name it gets in the credential store, and how the
// install ledger keeps it out of its files (a placeholder that uninstall fills from the store).

/** The part of a header value that is a secret, and the text around it that stays. */
export interface HeaderSecret {
	before: string;
	secret: string;
	after: string;
}

/** A header value moved into the credential store under `name`. */
export interface MovedSecret {
	name: string;
	value: string;
}

// Masking finds an injected secret by its exact value and leaves values under 4 characters alone (masking/detectors/literal.ts).
const MIN_SECRET_LENGTH = 4;
const SCHEME = /^(Bearer|Token|Basic|Bot|ApiKey|Api-Key|Key)(\s+)(\S+)$/i;
const SENSITIVE_NAME = /auth|token|key|secret|passw|cookie|session|credential|signature/i;
const TOKEN_LIKE = /^[A-Za-z0-9._~+/=:-]{20,}$/;

/**
 * The secret in a header, or undefined. A value that already refers to something
 * (`${NAME}`, VS Code's `${input:…}`, `${env:…}`) holds none in clear.
 */
export function headerSecret(name: string, value: string): HeaderSecret | undefined {
	const trimmed = value.trim();
	if (trimmed.includes('${') || trimmed.length < MIN_SECRET_LENGTH) return undefined;
	const scheme = SCHEME.exec(trimmed);
	if (scheme && scheme[3]!.length >= MIN_SECRET_LENGTH) return { before: `${scheme[1]}${scheme[2]}`, secret: scheme[3]!, after: '' };
	if (SENSITIVE_NAME.test(name) || (TOKEN_LIKE.test(trimmed) && /[0-9]/.test(trimmed) && /[A-Za-z]/.test(trimmed))) return { before: '', secret: trimmed, after: '' };
	return undefined;
}

/** The secret's name in the store: the entry key and the header, as an environment variable name. */
export function secretBaseName(key: string, header: string): string {
	const words = (text: string) =>
		text
			.normalize('NFKD')
			.replace(/[\u0300-\u036f]/g, '')
			.toUpperCase()
			.replace(/[^A-Z0-9]+/g, '_')
			.replace(/^_+|_+$/g, '');
	const part = /^authorization$/i.test(header) ? 'TOKEN' : words(header);
	const name = [words(key), part].filter(Boolean).join('_') || 'SECRET';
	return /^[0-9]/.test(name) ? `MCP_${name}` : name;
}

/** What stands for a moved secret in the ledger and the backup. */
export function secretPlaceholder(name: string): string {
	return `{{mcprec-secret:${name}}}`;
}

export const PLACEHOLDER_START = '{{mcprec-secret:';
const PLACEHOLDER = /\{\{mcprec-secret:([A-Z_][A-Z0-9_]*)\}\}/g;

/** Every string in `value` with each secret's value replaced by its placeholder. */
export function hideSecrets<T>(value: T, secrets: readonly MovedSecret[]): T {
	return mapStrings(value, (text) => hideInText(text, secrets)) as T;
}

export function hideInText(text: string, secrets: readonly MovedSecret[]): string {
	// Longest first: a secret that contains another is replaced whole.
	let result = text;
	for (const secret of [...secrets].sort((a, b) => b.value.length - a.value.length)) result = result.replaceAll(secret.value, secretPlaceholder(secret.name));
	return result;
}

/** The placeholders in `value` filled from `lookup`; the names it could not fill are listed. */
export function revealSecrets<T>(value: T, lookup: (name: string) => string | undefined): { value: T; missing: string[] } {
	const missing = new Set<string>();
	const revealed = mapStrings(value, (text) =>
		text.replace(PLACEHOLDER, (whole, name: string) => {
			const found = lookup(name);
			if (found === undefined) missing.add(name);
			return found ?? whole;
		}),
	) as T;
	return { value: revealed, missing: [...missing] };
}

/** The secret names whose placeholders appear in `value`. */
export function placeholderNames(value: unknown): string[] {
	const names = new Set<string>();
	mapStrings(value, (text) => {
		for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1]!);
		return text;
	});
	return [...names];
}

function mapStrings(value: unknown, change: (text: string) => string): unknown {
	if (typeof value === 'string') return change(value);
	if (Array.isArray(value)) return value.map((item) => mapStrings(item, change));
	if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
		const result: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value)) result[key] = mapStrings(item, change);
		return result;
	}
	return value;
}
