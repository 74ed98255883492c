import { UserError } from '../errors/user-error.js';
import { parseDuration } from './parse-duration.js';

/** `--since`: a duration back from now (90s, 30m, 2h, 7d, 1w) or an ISO 8601 date; returns µs. */
export function parseSince(value: string, now: number = Date.now()): number {
	const duration = parseDuration(value);
	if (duration !== undefined) return Math.round((now - duration) * 1000);
	const date = Date.parse(value);
	if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(date)) return date * 1000;
	throw new UserError(`--since expects a duration like 30m, 2h or 7d, or an ISO date like 2026-11-01T09:00Z; got '${value}'`);
}
