import type { ChainEvent } from '../event/event.js';
import { fromRow, type EventRow } from '../event/event-forms.js';
import type { StoreDatabase } from './open-store.js';

/** Streams a session's events in seq order (those after `afterSeq`) without loading them all at once. */
export function* iterateEvents(database: StoreDatabase, sessionId: string, afterSeq = -1): Generator<ChainEvent> {
	const statement = database.prepare('SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq');
	for (const row of statement.iterate(sessionId, afterSeq) as Iterable<EventRow>) yield fromRow(row);
}
