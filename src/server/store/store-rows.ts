// Row shapes shared by both backends (same column names) and their mapping to the
// store's types.

import type { DevicePublicKey } from '../../event/device-signature.js';
import type { Integrity, Seal } from '../session-integrity.js';
import type { EventRow } from '../../event/event-row.js';
import type { CollectorApproval, Device, SessionCursor, StoredSession } from './collector-store.js';

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

export { toChainEvent } from '../../event/wire-event.js';

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
}

export function toApproval(row: ApprovalRowValues): CollectorApproval {
	return {
		id: row.id,
		ownerSub: row.owner_sub,
		ownerEmail: row.owner_email,
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

/** Where the next page starts after `session`, given its value of the column sorted by. */
export function cursorOf(session: StoredSession, sortValue: number | string): SessionCursor {
	return { startedAt: session.startedAt, id: session.id, value: sortValue };
}

/** A tools/call the client sent: what the session's `calls` counts. */
export function isToolCall(event: { kind: string; origin: string; method: string | null }): boolean {
	return event.kind === 'message' && event.origin === 'client' && event.method === 'tools/call';
}
