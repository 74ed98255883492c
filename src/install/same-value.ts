// Equality of parsed config values, whatever made them: smol-toml's tables have no
// prototype, jsonc-parser's and JSON.parse's do, so node's isDeepStrictEqual would tell
// equal values apart. Dates compare by their text.

export function sameValue(a: unknown, b: unknown): boolean {
	return canonicalText(a) === canonicalText(b);
}

function canonicalText(value: unknown): string {
	return JSON.stringify(value, (_key, item: unknown) => {
		if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
		const sorted: Record<string, unknown> = {};
		for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
		return sorted;
	}) ?? 'undefined';
}
