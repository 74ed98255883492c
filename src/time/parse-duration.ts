const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `500ms`, `90s`, `15m`, `2h`, `7d`, `1w` → milliseconds; undefined when it isn't one. */
export function parseDuration(value: string): number | undefined {
	const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i.exec(value.trim());
	if (!match) return undefined;
	return Number(match[1]) * UNIT_MS[match[2].toLowerCase()];
}
