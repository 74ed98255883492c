import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal arguments always serialise alike. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.keys(value as object)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

/** What an approval is bound to: the server, the tool (or method) and the exact arguments. */
export function callDigest(server: string, target: string, args: unknown): string {
	return createHash('sha256').update(canonicalJson([server, target, args ?? null])).digest('hex');
}
