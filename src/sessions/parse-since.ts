import { UserError } from '../cli/user-error.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: a duration back from now (90s, 30m, 2h, 7d, 1w) or an ISO 8601 date; returns µs. */
export function parseSince(value: string, now: number = Date.now()): number {
	const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(value.trim());
	if (duration) return Math.round((now - Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()]) * 1000);
	const date = Date.parse(value);
	if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(date)) return date * 1000;
	throw new UserError(`--since expects a duration like 30m, 2h or 7d, or an ISO date like 2026-11-01T09:00Z; got '${value}'`);
}
