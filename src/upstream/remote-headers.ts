// `run --url`'s `--header "Name: value"` options. A value may name secrets as `${NAME}`;
// they are put in from the credential store at the last moment, so the client config, the
// recording and every message mcprec writes hold only the name.

/** A header as given on the command line, secrets still as `${NAME}`. */
export interface HeaderTemplate {
	name: string;
	value: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
// Set by mcprec itself: a header of the same name would break the protocol.
const RESERVED = new Set(['mcp-session-id', 'mcp-protocol-version', 'content-type', 'accept', 'last-event-id', 'content-length', 'host']);

/** Reads `Name: value`; throws an Error quoting the text when it is not a header. */
export function parseHeaderOption(text: string): HeaderTemplate {
	const colon = text.indexOf(':');
	const name = colon === -1 ? '' : text.slice(0, colon).trim();
	if (colon === -1 || !TOKEN.test(name)) throw new Error(`expected "Name: value", e.g. "Authorization: Bearer \${TOKEN}"`);
	if (RESERVED.has(name.toLowerCase())) throw new Error(`mcprec sets the '${name}' header itself`);
	const value = text.slice(colon + 1).trim();
	if (/[\r\n\0]/.test(value)) throw new Error('a header value cannot hold a line break');
	return { name, value };
}

/** The secret names a header value refers to, in order of appearance. */
export function secretReferences(template: HeaderTemplate): string[] {
	return [...template.value.matchAll(REFERENCE)].map((match) => match[1]!);
}

/** Why these headers cannot be filled from the secrets given with --secret, or undefined. */
export function checkHeaderReferences(templates: readonly HeaderTemplate[], secretNames: readonly string[]): string | undefined {
	for (const template of templates) {
		for (const name of secretReferences(template)) {
			if (!secretNames.includes(name)) return `header '${template.name}' uses \${${name}}, but --secret ${name} was not given`;
		}
	}
	return undefined;
}

/** The headers to send, each `${NAME}` replaced by its secret's value. */
export function resolveHeaders(templates: readonly HeaderTemplate[], secrets: readonly { name: string; value: string }[]): Record<string, string> {
	const values = new Map(secrets.map((secret) => [secret.name, secret.value]));
	const headers: Record<string, string> = {};
	for (const template of templates) {
		const value = template.value.replace(REFERENCE, (whole, name: string) => values.get(name) ?? whole);
		const key = template.name.toLowerCase();
		headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
	}
	return headers;
}
