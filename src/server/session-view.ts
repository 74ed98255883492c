// The JSON a reader gets for a session: the uploaded document (the shape of
// `mcprec sessions --json`) plus what the collector knows about it.

import { isoMicros } from '../event/event-forms.js';
import type { StoredSession } from './store/collector-store.js';

export function sessionView(session: StoredSession): Record<string, unknown> {
	return {
		...session.metadata,
		id: session.id,
		server: session.server,
		startedAt: isoMicros(session.startedAt),
		endedAt: session.endedAt === null ? null : isoMicros(session.endedAt),
		owner: { sub: session.ownerSub, email: session.ownerEmail },
		claimedUser: claimedUser(session),
		stored: { events: session.nextSeq, ackSeq: session.nextSeq - 1, headHash: session.headHash },
		seal: session.seal && { deviceId: session.seal.deviceId, eventCount: session.seal.eventCount, headHash: session.seal.headHash, signatureValid: session.seal.valid },
		integrity: session.integrity,
		outcomes: session.outcomes,
		tools: session.tools,
		calls: session.calls,
		receivedAt: new Date(session.receivedAt).toISOString(),
		updatedAt: new Date(session.updatedAt).toISOString(),
	};
}

/**
 * The identity the uploading device wrote into the session (its `user`), when it says
 * something the token did not: shown as a claim, never used as the owner.
 */
export function claimedUser(session: StoredSession): { sub: string | null; email: string | null } | null {
	const user = (session.metadata.user ?? {}) as Record<string, unknown>;
	const sub = typeof user.sub === 'string' ? user.sub : null;
	const email = typeof user.email === 'string' ? user.email : null;
	const differs = (sub !== null && sub !== session.ownerSub) || (email !== null && email.toLowerCase() !== session.ownerEmail?.toLowerCase());
	return differs ? { sub, email } : null;
}
