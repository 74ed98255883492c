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

/** One line of at most `max` characters, for lists and for collectors that only show a summary. */
export function argumentsSummary(args: unknown, max = 300): string {
	const compact = compactArguments(args);
	return compact.length > max ? `${compact.slice(0, max - 1)}…` : compact;
}
