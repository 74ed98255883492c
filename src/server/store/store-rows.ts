// Row shapes shared by both backends (same column names) and their mapping to the
// store's types.

import type { DevicePublicKey } from '../../event/device-signature.js';
import type { Integrity, Seal } from '../session-integrity.js';
import type { EventRow } from '../../event/event-forms.js';
import type { CollectorApproval, Device, LegalHold, PrunedSession, SessionCursor, StoredSession } from './collector-store.js';

export interface SessionRowValues {
	id: string;
	owner_sub: string;
	owner_email: string | null;
	server: string;
	started_at: number;
	ended_at: number | null;
	metadata: string | Record<string, unknown>;
	next_seq: number;
	head_hash: string | null;
	seal_head_hash: string | null;
	seal_event_count: number | null;
	seal_device_id: string | null;
	seal_signature: string | null;
	seal_valid: number | boolean | null;
	integrity: string;
	received_at: number;
	updated_at: number;
	blocked: number;
	denied: number;
	held: number;
	masked: number;
	approved: number;
	errors: number;
	tool_errors: number;
	calls: number;
	tools: string | string[];
}

export function toStoredSession(row: SessionRowValues): StoredSession {
	return {
		id: row.id,
		ownerSub: row.owner_sub,
		ownerEmail: row.owner_email,
		server: row.server,
		startedAt: row.started_at,
		endedAt: row.ended_at,
		metadata: typeof row.metadata === 'string' ? (JSON.parse(row.metadata) as Record<string, unknown>) : row.metadata,
		nextSeq: row.next_seq,
		headHash: row.head_hash,
		seal: sealOf(row),
		integrity: row.integrity as Integrity,
		outcomes: { blocked: row.blocked, denied: row.denied, held: row.held, masked: row.masked, approved: row.approved, errors: row.errors, toolErrors: row.tool_errors },
		tools: typeof row.tools === 'string' ? (JSON.parse(row.tools) as string[]) : row.tools,
		calls: row.calls,
		receivedAt: row.received_at,
		updatedAt: row.updated_at,
	};
}

/** The session's tool list after adding `tools`, sorted, without duplicates. */
export function mergeTools(current: string[], tools: Iterable<string>): { merged: string[]; added: string[] } {
	const known = new Set(current);
	const added: string[] = [];
	for (const tool of tools) {
		if (!known.has(tool)) {
			known.add(tool);
			added.push(tool);
		}
	}
	return { merged: added.length === 0 ? current : [...known].sort(), added };
}

/** The columns of the locked session row that an append needs. */
export interface HeadRow {
	next_seq: number;
	head_hash: string | null;
	started_at: number;
	seal_head_hash: string | null;
	seal_event_count: number | null;
	seal_device_id: string | null;
	seal_signature: string | null;
	seal_valid: number | boolean | null;
}

export function sealOf(row: HeadRow): Seal | null {
	if (row.seal_head_hash === null) return null;
	return { headHash: row.seal_head_hash, eventCount: row.seal_event_count!, deviceId: row.seal_device_id!, signature: row.seal_signature!, valid: Boolean(row.seal_valid) };
}

/** The collector's events table has the local store's columns, without session_id in reads. */
export type EventRowValues = Omit<EventRow, 'session_id'>;


export interface DeviceRow {
	id: string;
	owner_sub: string;
	public_key: string;
	name: string | null;
	registered_at: number;
}

export function toDevice(row: DeviceRow): Device {
	return { id: row.id, ownerSub: row.owner_sub, publicKey: JSON.parse(row.public_key) as DevicePublicKey, name: row.name, registeredAt: row.registered_at };
}

export interface ApprovalRowValues {
	id: string;
	owner_sub: string;
	owner_email: string | null;
	session_id: string;
	server: string;
	method: string;
	tool: string | null;
	rule: string | null;
	summary: string;
	arguments: string | null;
	self_approve: number | boolean;
	digest: string;
	status: string;
	requested_at: number;
	expires_at: number;
	decided_at: number | null;
	decided_by: string | null;
	owner_groups: string | null;
	reason: string | null;
}

export function toApproval(row: ApprovalRowValues): CollectorApproval {
	return {
		id: row.id,
		ownerSub: row.owner_sub,
		ownerEmail: row.owner_email,
		ownerGroups: row.owner_groups ? (JSON.parse(row.owner_groups) as string[]) : [],
		sessionId: row.session_id,
		server: row.server,
		method: row.method,
		tool: row.tool,
		rule: row.rule,
		summary: row.summary,
		arguments: row.arguments ?? null,
		selfApprove: row.self_approve === true || row.self_approve === 1,
		digest: row.digest,
		status: row.status as CollectorApproval['status'],
		requestedAt: row.requested_at,
		expiresAt: row.expires_at,
		decidedAt: row.decided_at,
		decidedBy: row.decided_by,
		reason: row.reason ?? null,
	};
}

/** The withdrawal rules both backends apply to the row they read under their lock. */
export function judgeWithdrawal(approval: CollectorApproval | undefined, ownerSub: string): 'unknown' | 'not-owner' | 'settled' | 'open' {
	if (!approval) return 'unknown';
	if (approval.ownerSub !== ownerSub) return 'not-owner';
	return approval.status === 'pending' ? 'open' : 'settled';
}

/** The decision rules both backends apply to the row they read under their lock. */
export function judgeDecision(approval: CollectorApproval | undefined, now: number): 'unknown' | 'settled' | 'expired' | 'open' {
	if (!approval) return 'unknown';
	if (approval.status !== 'pending') return 'settled';
	return approval.expiresAt <= now ? 'expired' : 'open';
}

export interface LegalHoldRow {
	session_id: string;
	placed_by: string;
	reason: string | null;
	placed_at: number;
}

export function toLegalHold(row: LegalHoldRow): LegalHold {
	return { sessionId: row.session_id, placedBy: row.placed_by, reason: row.reason, placedAt: Number(row.placed_at) };
}

export interface PrunedSessionRow {
	session_id: string;
	owner_sub: string;
	server: string;
	started_at: number;
	ended_at: number | null;
	event_count: number;
	head_hash: string | null;
	integrity: string;
	policy: string;
	pruned_at: number;
}

export function toPrunedSession(row: PrunedSessionRow): PrunedSession {
	return {
		sessionId: row.session_id,
		ownerSub: row.owner_sub,
		server: row.server,
		startedAt: Number(row.started_at),
		endedAt: row.ended_at === null ? null : Number(row.ended_at),
		eventCount: Number(row.event_count),
		headHash: row.head_hash,
		integrity: row.integrity,
		policy: row.policy,
		prunedAt: Number(row.pruned_at),
	};
}

/** Sessions retention may prune: ended before the cutoff, under no legal hold, oldest first (placeholders: cutoff, limit). */
export function prunableSessionsSql(cutoff: string, limit: string): string {
	return `SELECT s.id, s.owner_sub, s.server, s.started_at, s.ended_at, s.next_seq, s.head_hash, s.integrity FROM sessions s
  WHERE s.ended_at IS NOT NULL AND s.ended_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.session_id = s.id)
  ORDER BY s.ended_at, s.id LIMIT ${limit}`;
}

/** A session's rows, in the order they can go; each statement takes the session id as its one parameter. */
export function deleteSessionSql(placeholder: string): string[] {
	// SQLite's full-text rows (contentless FTS5) cannot be deleted without their text; with
	// their chunk gone they match no session, and AUTOINCREMENT never gives that id to another.
	return ['events', 'session_tools', 'session_summaries', 'otlp_forwarded', 'search_chunks'].map((table) => `DELETE FROM ${table} WHERE session_id = ${placeholder}`).concat(`DELETE FROM sessions WHERE id = ${placeholder}`);
}

export interface PrunableRow {
	id: string;
	owner_sub: string;
	server: string;
	started_at: number;
	ended_at: number;
	next_seq: number;
	head_hash: string | null;
	integrity: string;
}

/** Where the next page starts after `session`, given its value of the column sorted by. */
export function cursorOf(session: StoredSession, sortValue: number | string): SessionCursor {
	return { startedAt: session.startedAt, id: session.id, value: sortValue };
}

/** A tools/call the client sent: what the session's `calls` counts. */
export function isToolCall(event: { kind: string; origin: string; method: string | null }): boolean {
	return event.kind === 'message' && event.origin === 'client' && event.method === 'tools/call';
}
