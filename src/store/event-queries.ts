import { inflateRawSync } from 'node:zlib';
import type { StoreDatabase } from './open-store.js';

/** An event row as stored (DESIGN §5), payload already decompressed. */
export interface EventRow {
	session_id: string;
	seq: number;
	ts: number;
	origin: string;
	target: string | null;
	kind: string;
	method: string | null;
	rpc_id: string | null;
	tool: string | null;
	payload: Buffer;
	encoding: string;
	size: number;
	latency_us: number | null;
	prev_hash: string;
	hash: string;
}

/** Streams a session's events in seq order without loading them all at once. */
export function* iterateEvents(database: StoreDatabase, sessionId: string): Generator<EventRow> {
	const statement = database.prepare('SELECT * FROM events WHERE session_id = ? ORDER BY seq');
	for (const row of statement.iterate(sessionId) as Iterable<EventRow>) {
		yield decodePayload(row);
	}
}

export function decodePayload(row: EventRow): EventRow {
	if (row.encoding === 'deflate-raw') return { ...row, payload: inflateRawSync(row.payload), encoding: 'identity' };
	return row;
}
