// Who may do what with a session (DESIGN §7): its owner uploads and reads it; members of
// the auditor group read every session; members of the approver group read a session that
// holds a call put to them (issue 20: approvers decide with the context).

import { forbidden, notFound } from './api-error.js';
import type { CollectorStore, StoredSession } from './store/collector-store.js';
import type { Principal } from './verify-access-token.js';

export function requireSession(session: StoredSession | undefined, id: string): StoredSession {
	if (!session) throw notFound(`unknown session '${id}'; upload it first with PUT /api/v1/sessions/${id}`);
	return session;
}

/** Owners and auditors read a session; approvers read one with approvals (the approval pages link to it). */
export async function assertMayRead(store: CollectorStore, principal: Principal, session: StoredSession): Promise<void> {
	if (session.ownerSub === principal.sub || principal.auditor) return;
	if (principal.approver && (await store.listApprovals({ sessionId: session.id, now: 0, limit: 1 })).length > 0) return;
	throw forbidden(`session '${session.id}' belongs to another user; only its owner, the auditor group, and the approver group for sessions with held calls may read it`);
}

export function assertOwner(principal: Principal, session: StoredSession): void {
	if (session.ownerSub === principal.sub) return;
	throw forbidden(`session '${session.id}' is not yours; a user may upload only their own sessions`);
}
