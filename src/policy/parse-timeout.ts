const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** An approval timeout: `500ms`, `120s`, `2m`, `1h`, or a plain number of seconds. Undefined when invalid. */
export function parseTimeout(value: unknown): number | undefined {
	let milliseconds: number | undefined;
	if (typeof value === 'number') milliseconds = value * 1000;
	else if (typeof value === 'string') {
		const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim());
		if (match) milliseconds = Number(match[1]) * UNIT_MS[match[2]];
	}
	if (milliseconds === undefined || !Number.isFinite(milliseconds)) return undefined;
	const rounded = Math.round(milliseconds);
	return rounded >= 1 ? rounded : undefined;
}
