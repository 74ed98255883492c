// The replay view of a stored event: the NDJSON shape of `mcprec replay --json`
// (DESIGN §5) and the input of the transcript and the terminal timeline.

import type { EventRow } from './event-row.js';
import { responseOutcome, type ResponseOutcome } from './response-outcome.js';

export interface ReplayEvent {
	seq: number;
	/** ISO 8601 with microseconds. */
	ts: string;
	/** µs since the epoch, for timing and playback. */
	tsMicros: number;
	origin: 'client' | 'server' | 'proxy';
	target: 'client' | 'server' | null;
	kind: 'message' | 'stderr' | 'lifecycle' | 'decision' | 'mask';
	method: string | null;
	id: string | number | null;
	tool: string | null;
	/** The parsed JSON-RPC message, when the payload is JSON. */
	message?: unknown;
	/** The payload as text, when it is not JSON (stderr lines, garbage). */
	text?: string;
	/** Lifecycle, decision and mask details. */
	details?: unknown;
	decision: unknown;
	masked: unknown;
	/**
	 * On responses: `ok`, `error` (JSON-RPC error), `tool-error` (the server's result with
	 * `isError: true`) or `blocked` (mcprec's own refusal of a tools/call).
	 */
	outcome?: ResponseOutcome | 'blocked';
	latencyMs: number | null;
	size: number;
	hash: string;
	prevHash: string;
}

export function toReplayEvent(row: EventRow): ReplayEvent {
	const event: ReplayEvent = {
		seq: row.seq,
		ts: isoMicros(row.ts),
		tsMicros: row.ts,
		origin: row.origin as ReplayEvent['origin'],
		target: row.target as ReplayEvent['target'],
		kind: row.kind as ReplayEvent['kind'],
		method: row.method,
		id: row.rpc_id === null ? null : (JSON.parse(row.rpc_id) as string | number | null),
		tool: row.tool,
		decision: null,
		masked: null,
		latencyMs: row.latency_us === null ? null : row.latency_us / 1000,
		size: row.size,
		hash: row.hash,
		prevHash: row.prev_hash,
	};
	const text = row.payload.toString('utf8');
	if (row.kind === 'stderr') {
		event.text = text;
		return event;
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		event.text = text;
		return event;
	}
	if (row.kind === 'message') {
		event.message = parsed;
		if (isResponse(parsed)) {
			const outcome = responseOutcome(parsed, event.method);
			event.outcome = outcome === 'tool-error' && event.origin === 'proxy' ? 'blocked' : outcome;
		}
	}
	else event.details = parsed;
	if (row.kind === 'decision') event.decision = parsed;
	if (row.kind === 'mask') event.masked = parsed;
	return event;
}

/** `2026-11-22T13:40:41.123456Z` from µs since the epoch. */
export function isoMicros(micros: number): string {
	const millis = Math.floor(micros / 1000);
	const iso = new Date(millis).toISOString();
	const extra = String(Math.floor(micros) % 1000).padStart(3, '0');
	return `${iso.slice(0, 23)}${extra}Z`;
}

function isResponse(message: unknown): boolean {
	return typeof message === 'object' && message !== null && !Array.isArray(message) && !('method' in message) && ('result' in message || 'error' in message);
}
