// Who may do what with a session (DESIGN §7): its owner uploads and reads it; members of
// the auditor group read every session; members of the approver group read a session that
// holds a call put to them (issue 20: approvers decide with the context).

import { ApiError, forbidden, notFound } from './api-error.js';
import type { CollectorStore, PrunedSession, StoredSession } from './store/collector-store.js';
import type { Principal } from './verify-access-token.js';

export function requireSession(session: StoredSession | undefined, id: string): StoredSession {
	if (!session) throw notFound(`unknown session '${id}'; upload it first with PUT /api/v1/sessions/${id}`);
	return session;
}

export function assertCanRead(principal: Principal, session: StoredSession): void {
	if (session.ownerSub === principal.sub || principal.auditor) return;
	throw forbidden(`session '${session.id}' belongs to another user; only its owner and the auditor group may read it`);
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

/**
 * The session for reading, checked; one that retention removed is answered 410 with when
 * and by which policy (its owner and auditors only; others learn nothing more than 404).
 */
export async function readableSession(store: CollectorStore, principal: Principal, id: string): Promise<StoredSession> {
	const session = await store.getSession(id);
	if (session) {
		await assertMayRead(store, principal, session);
		return session;
	}
	const pruned = await store.getPrunedSession(id);
	if (pruned && (pruned.ownerSub === principal.sub || principal.auditor)) throw prunedError(pruned);
	throw notFound(`unknown session '${id}'; upload it first with PUT /api/v1/sessions/${id}`);
}

export function prunedError(pruned: PrunedSession): ApiError {
	const date = new Date(pruned.prunedAt).toISOString().slice(0, 10);
	return new ApiError(410, 'pruned', `session '${pruned.sessionId}' was pruned by policy (${pruned.policy}) on ${date}; ${pruned.eventCount} events, head ${pruned.headHash ?? 'none'}`, {
		pruned: { ...pruned, prunedAt: new Date(pruned.prunedAt).toISOString() },
	});
}
