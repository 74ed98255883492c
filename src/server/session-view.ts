// The JSON a reader gets for a session: the uploaded document (the shape of
// `mcprec sessions --json`) plus what the collector knows about it.

import { isoMicros } from '../replay/replay-event.js';
import type { StoredSession } from './store/collector-store.js';

export function sessionView(session: StoredSession): Record<string, unknown> {
	return {
		...session.metadata,
		id: session.id,
		server: session.server,
		startedAt: isoMicros(session.startedAt),
		endedAt: session.endedAt === null ? null : isoMicros(session.endedAt),
		owner: { sub: session.ownerSub, email: session.ownerEmail },
		stored: { events: session.nextSeq, ackSeq: session.nextSeq - 1, headHash: session.headHash },
		seal: session.seal && { deviceId: session.seal.deviceId, eventCount: session.seal.eventCount, headHash: session.seal.headHash, signatureValid: session.seal.valid },
		integrity: session.integrity,
		outcomes: session.outcomes,
		tools: session.tools,
		receivedAt: new Date(session.receivedAt).toISOString(),
		updatedAt: new Date(session.updatedAt).toISOString(),
	};
}
