// A session of the local store as export sees it (session-spans.ts, jsonl-lines.ts).

import { toReplayView, type ReplayEvent } from '../event/event-forms.js';
import { displayUser } from '../sessions/session-summary.js';
import { iterateEvents } from '../store/event-queries.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { SessionRow } from '../store/session-queries.js';
import type { ExportSession } from './session-spans.js';

export function exportSessionOf(row: SessionRow): ExportSession {
	return {
		id: row.id,
		server: row.server,
		protocolVersion: row.protocol_version,
		url: row.url,
		startedMicros: row.started_at,
		endedMicros: row.ended_at,
		endReason: row.end_reason,
		user: displayUser(row),
		host: row.host,
		clientName: row.client_name,
		clientVersion: row.client_version,
		headHash: row.head_hash,
		eventCount: row.event_count,
	};
}

export function localReplayEvents(database: StoreDatabase, sessionId: string): ReplayEvent[] {
	const events: ReplayEvent[] = [];
	for (const event of iterateEvents(database, sessionId)) events.push(toReplayView(event));
	return events;
}
