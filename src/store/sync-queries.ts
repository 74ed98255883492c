// The local side of `mcprec sync`: which sessions still have something to upload, their
// events a batch at a time, and the cursor the collector acknowledged (DESIGN §5, §7).

import type { StoreDatabase } from './open-store.js';
import type { SessionRow } from './session-queries.js';
import type { ChainEvent } from '../event/event.js';
import { fromRow, type EventRow } from '../event/event-forms.js';
import type { DevicePublicKey } from '../event/device-signature.js';

/** A session with work left: events after the acknowledged seq, or a seal not yet sent. */
export interface PendingSession {
	row: SessionRow;
	/** The highest seq stored locally (-1 when none). */
	lastSeq: number;
}

export interface LocalSeal {
	deviceId: string;
	eventCount: number;
	headHash: string;
	signature: string;
}

export function listPendingSessions(database: StoreDatabase): PendingSession[] {
	const rows = database
		.prepare(
			`SELECT s.*, coalesce((SELECT max(seq) FROM events e WHERE e.session_id = s.id), -1) AS last_seq
			 FROM sessions s WHERE s.sync_state != 'synced' ORDER BY s.started_at, s.id`,
		)
		.all() as (SessionRow & { last_seq: number })[];
	return rows
		.filter((row) => row.last_seq > row.synced_seq || row.ended_at !== null)
		.map(({ last_seq: lastSeq, ...row }) => ({ row: row as SessionRow, lastSeq }));
}

/** One session with what `listPendingSessions` says of it, or undefined when it is not stored. */
export function readPendingSession(database: StoreDatabase, sessionId: string): PendingSession | undefined {
	const row = database
		.prepare(`SELECT s.*, coalesce((SELECT max(seq) FROM events e WHERE e.session_id = s.id), -1) AS last_seq FROM sessions s WHERE s.id = ?`)
		.get(sessionId) as (SessionRow & { last_seq: number }) | undefined;
	if (!row) return undefined;
	const { last_seq: lastSeq, ...session } = row;
	return { row: session as SessionRow, lastSeq };
}

/** Up to `limit` events after `afterSeq`, stopping early once `maxBytes` of payload are in. */
export function readEventBatch(database: StoreDatabase, options: { sessionId: string; afterSeq: number; limit: number; maxBytes: number }): ChainEvent[] {
	const statement = database.prepare('SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?');
	const batch: ChainEvent[] = [];
	let bytes = 0;
	for (const stored of statement.iterate(options.sessionId, options.afterSeq, options.limit) as Iterable<EventRow>) {
		const row = fromRow(stored);
		if (batch.length > 0 && bytes + row.payload.length > options.maxBytes) break;
		bytes += row.payload.length;
		batch.push(row);
	}
	return batch;
}

/** Records the collector's acknowledged seq: its word, not ours, is where the next run resumes. */
export function recordAck(database: StoreDatabase, sessionId: string, ackSeq: number): void {
	database
		.prepare("UPDATE sessions SET synced_seq = ?, sync_state = CASE WHEN sync_state = 'synced' THEN sync_state ELSE 'partial' END WHERE id = ?")
		.run(ackSeq, sessionId);
}

export function saveSeal(database: StoreDatabase, sessionId: string, seal: LocalSeal): void {
	database
		.prepare('UPDATE sessions SET seal_device_id = ?, seal_event_count = ?, seal_head_hash = ?, seal_signature = ? WHERE id = ?')
		.run(seal.deviceId, seal.eventCount, seal.headHash, seal.signature, sessionId);
}

export function sealOf(row: SessionRow): LocalSeal | undefined {
	if (!row.seal_signature || !row.seal_device_id || row.seal_event_count == null || !row.seal_head_hash) return undefined;
	return { deviceId: row.seal_device_id, eventCount: row.seal_event_count, headHash: row.seal_head_hash, signature: row.seal_signature };
}

/** Closed, every event acknowledged, seal accepted: nothing left to do for this session. */
export function markSynced(database: StoreDatabase, sessionId: string, ackSeq: number): void {
	database.prepare("UPDATE sessions SET synced_seq = ?, seal_sent = 1, sync_state = 'synced' WHERE id = ?").run(ackSeq, sessionId);
}

export function rememberDeviceKey(database: StoreDatabase, id: string, publicKey: DevicePublicKey): void {
	database.prepare('INSERT OR IGNORE INTO device_keys (id, public_key, created_at) VALUES (?, ?, ?)').run(id, JSON.stringify(publicKey), Date.now());
}

export function deviceKeyOf(database: StoreDatabase, id: string): DevicePublicKey | undefined {
	const text = database.prepare('SELECT public_key FROM device_keys WHERE id = ?').pluck().get(id) as string | undefined;
	return text === undefined ? undefined : (JSON.parse(text) as DevicePublicKey);
}
