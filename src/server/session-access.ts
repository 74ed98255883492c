// Who may do what with a session (DESIGN §7): its owner uploads and reads it; members of
// the auditor group read every session.

import { forbidden, notFound } from './api-error.js';
import type { StoredSession } from './store/collector-store.js';
import type { Principal } from './verify-access-token.js';

export function requireSession(session: StoredSession | undefined, id: string): StoredSession {
	if (!session) throw notFound(`unknown session '${id}'; upload it first with PUT /api/v1/sessions/${id}`);
	return session;
}

export function assertCanRead(principal: Principal, session: StoredSession): void {
	if (session.ownerSub === principal.sub || principal.auditor) return;
	throw forbidden(`session '${session.id}' belongs to another user; only its owner and the auditor group may read it`);
}

export function assertOwner(principal: Principal, session: StoredSession): void {
	if (session.ownerSub === principal.sub) return;
	throw forbidden(`session '${session.id}' is not yours; a user may upload only their own sessions`);
}
