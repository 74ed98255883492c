// How a held call's arguments are shown to the person deciding (issue 12: a field after a
// long one must never be cut off). Every rendering here is complete; only `summary` is
// short, and it is never what a decision is made on.

/** Up to this many characters, compact JSON reads fine on one line. */
const ONE_LINE = 80;

/** Compact JSON of the complete arguments. */
export function compactArguments(args: unknown): string {
	return JSON.stringify(args ?? {});
}

/** Pretty-printed JSON of the complete arguments (two-space indent). */
export function prettyArguments(args: unknown): string {
	return JSON.stringify(args ?? {}, null, 2);
}

/** Complete and readable: compact when short, pretty-printed (every key on its own line) otherwise. */
export function readableArguments(args: unknown): string {
	const compact = compactArguments(args);
	return compact.length <= ONE_LINE ? compact : prettyArguments(args);
}

/**
 * The top-level argument names, long ones with their size: `path (2,011 characters), path2,
 * recursive`. Put before a long rendering, so a client that shows only the start of the
 * question still shows every argument there is. Empty for arguments that are not an object.
 */
export function argumentNames(args: unknown): string {
	if (typeof args !== 'object' || args === null || Array.isArray(args)) return '';
	return Object.entries(args as Record<string, unknown>)
		.map(([name, value]) => {
			const size = JSON.stringify(value ?? null).length;
			return size > ONE_LINE ? `${name} (${size.toLocaleString('en')} characters)` : name;
		})
		.join(', ');
}

/** One line of at most `max` characters, for lists and for collectors that only show a summary. */
export function argumentsSummary(args: unknown, max = 300): string {
	const compact = compactArguments(args);
	return compact.length > max ? `${compact.slice(0, max - 1)}…` : compact;
}
