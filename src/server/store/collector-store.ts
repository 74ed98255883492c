// The collector's storage seam (Teleport lib/events style): one interface, a SQLite and a
// PostgreSQL backend, and one conformance suite (test/server/store-conformance.test.ts)
// that both must pass. Every write is one transaction; the chain rules live in
// plan-append.ts so both backends apply the same ones.

import type { DevicePublicKey } from '../../event/device-signature.js';
import type { Outcomes, OutcomeName } from '../event-outcomes.js';
import type { Integrity, Seal } from '../session-integrity.js';
import type { SessionDocument } from '../session-document.js';
import type { VerifiedBatch } from '../verify-batch.js';
import type { ChainEvent } from '../../event/event.js';

/** A session as the collector holds it. */
export interface StoredSession {
	id: string;
	ownerSub: string;
	ownerEmail: string | null;
	server: string;
	startedAt: number;
	endedAt: number | null;
	/** The uploaded document (session-document.ts). */
	metadata: Record<string, unknown>;
	/** Events stored: the next seq the collector expects. */
	nextSeq: number;
	/** Hash of the last stored event; null when none. */
	headHash: string | null;
	seal: Seal | null;
	integrity: Integrity;
	outcomes: Outcomes;
	tools: string[];
	/** tools/call requests the client sent. */
	calls: number;
	/** ms since the epoch. */
	receivedAt: number;
	updatedAt: number;
}

/** What `PUT /sessions/:id` stores. */
export interface SessionPut {
	document: SessionDocument;
	/** The token's `sub`: the session's owner. */
	ownerSub: string;
	ownerEmail: string | null;
	/** The seal with its signature already checked, or null. */
	seal: Seal | null;
}

export type PutSessionResult =
	| { kind: 'stored'; created: boolean; session: StoredSession }
	/** The id is taken by another user's session; nothing was changed. */
	| { kind: 'owned-by-other'; ownerSub: string };

export type AppendResult =
	| { kind: 'appended'; ackSeq: number; stored: number; duplicates: number; integrity: Integrity }
	| { kind: 'unknown-session' }
	| { kind: 'gap'; expectedSeq: number }
	| { kind: 'conflict'; seq: number }
	| { kind: 'unlinked'; seq: number; expectedPrevHash: string };

/** Position in the session list: the last row's start, id and, when sorted by another column, its value there. */
export interface SessionCursor {
	startedAt: number;
	id: string;
	value?: number | string;
}

/** Columns the session list sorts by (start: newest first by default). */
export const SESSION_SORT_KEYS = ['start', 'duration', 'user', 'server', 'calls', 'errors'] as const;
export type SessionSortKey = (typeof SESSION_SORT_KEYS)[number];

export interface SessionSort {
	key: SessionSortKey;
	direction: 'asc' | 'desc';
}

export interface SessionQuery {
	/** Only this owner's sessions (callers outside the auditor group). */
	ownerSub?: string;
	/** Owner subject or email (case-insensitive for emails). */
	user?: string;
	/** Server label; `*` and `?` glob. */
	server?: string;
	tool?: string;
	/** µs since the epoch: sessions started at or after it. */
	since?: number;
	/** µs since the epoch: sessions started before it. */
	until?: number;
	/** Sessions with any of these outcomes. */
	outcomes?: OutcomeName[];
	/** Words (search-words.ts searchTerms) every one of which the session's arguments or results hold as a word prefix. */
	search?: string[];
	/** Default: start, newest first. */
	sort?: SessionSort;
	limit: number;
	after?: SessionCursor;
}

export interface SessionPage {
	sessions: StoredSession[];
	/** Where the next page starts; null on the last page. */
	next: SessionCursor | null;
}

/** A registered device key (device-signature.ts). Device ids are per user: two users may use the same id. */
export interface Device {
	id: string;
	ownerSub: string;
	publicKey: DevicePublicKey;
	name: string | null;
	registeredAt: number;
}

export type PutDeviceResult =
	| { kind: 'stored'; created: boolean; device: Device }
	/** The id is registered with another key; keys are never replaced silently. */
	| { kind: 'key-mismatch'; device: Device };

/** A held call a run process published for the viewer (DESIGN §3): times in ms since the epoch. */
export interface CollectorApproval {
	/** The id `mcprec approvals` shows on the laptop. */
	id: string;
	/** The token's `sub` of the run process that published it. */
	ownerSub: string;
	ownerEmail: string | null;
	/** The publisher's groups, from the token it published with (what approvers are told of the requester). */
	ownerGroups: string[];
	sessionId: string;
	server: string;
	method: string;
	tool: string | null;
	rule: string | null;
	/** The arguments, shortened and already masked on the laptop. */
	summary: string;
	/** The complete arguments as JSON text, masked on the laptop; null from run processes that sent only the summary. */
	arguments: string | null;
	/** The policy rule lets the person who made the call approve it too (`selfApprove: true`). */
	selfApprove: boolean;
	/** Digest of server, tool and arguments: the decision is bound to it. */
	digest: string;
	/** `expired` and `cancelled` are set by the run process that published it (withdrawApproval). */
	status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
	requestedAt: number;
	expiresAt: number;
	decidedAt: number | null;
	decidedBy: string | null;
	/** Why the approver decided so, in their words (null when they gave none). */
	reason: string | null;
}

export type ApprovalInput = Omit<CollectorApproval, 'status' | 'requestedAt' | 'decidedAt' | 'decidedBy' | 'reason'>;

/** A decision by a member of the approver group. */
export interface ApprovalDecisionInput {
	id: string;
	decision: 'approved' | 'denied';
	decidedBy: string;
	reason: string | null;
	now: number;
}

export type PutApprovalResult =
	| { kind: 'stored'; created: boolean; approval: CollectorApproval }
	/** The id is taken by another user's approval; nothing was changed. */
	| { kind: 'owned-by-other' };

export type DecideApprovalResult =
	| { kind: 'decided'; approval: CollectorApproval }
	| { kind: 'unknown' }
	/** Already approved or denied: the first decision stands. */
	| { kind: 'settled'; approval: CollectorApproval }
	| { kind: 'expired'; approval: CollectorApproval };

export type WithdrawApprovalResult =
	| { kind: 'withdrawn'; approval: CollectorApproval }
	| { kind: 'unknown' }
	/** Published by another user: only its owner may withdraw it. */
	| { kind: 'not-owner' }
	/** Already approved, denied or withdrawn: that outcome stands and is returned. */
	| { kind: 'settled'; approval: CollectorApproval };

export interface ApprovalQuery {
	/** Only this owner's approvals (callers outside the approver group). */
	ownerSub?: string;
	/** `pending`: undecided and not yet expired at `now`. */
	status?: 'pending';
	/** Only the approvals of this session. */
	sessionId?: string;
	now: number;
	limit: number;
}

export interface CollectorStore {
	readonly backend: 'sqlite' | 'postgres';
	/** Creates or updates a session's metadata; idempotent; never changes its owner. */
	putSession(input: SessionPut): Promise<PutSessionResult>;
	getSession(id: string): Promise<StoredSession | undefined>;
	/** Appends a verified batch atomically; re-sent identical events are ignored. */
	appendEvents(batch: VerifiedBatch): Promise<AppendResult>;
	listSessions(query: SessionQuery): Promise<SessionPage>;
	/** How many sessions match the query's filters (its limit, cursor and sort aside), counting at most MAX_COUNT + 1 (session-list-sql.ts). */
	countSessions(query: SessionQuery): Promise<number>;
	/** Events with seq > afterSeq, in seq order, payloads decompressed. */
	readEvents(sessionId: string, options: { afterSeq: number; limit: number }): Promise<ChainEvent[]>;
	putDevice(device: Omit<Device, 'registeredAt'>): Promise<PutDeviceResult>;
	getDevice(ownerSub: string, id: string): Promise<Device | undefined>;
	/** Publishes a pending approval; re-sending the same id by its owner is a no-op. */
	putApproval(input: ApprovalInput): Promise<PutApprovalResult>;
	getApproval(id: string): Promise<CollectorApproval | undefined>;
	/** Newest first. */
	listApprovals(query: ApprovalQuery): Promise<CollectorApproval[]>;
	/** Settles a pending, unexpired approval once; concurrent deciders: the first wins. */
	decideApproval(input: ApprovalDecisionInput): Promise<DecideApprovalResult>;
	/**
	 * The run process stopped holding the call (it timed out, the client cancelled it, the
	 * session ended): closes a pending approval, expired or not, so no decision can follow.
	 * Against a concurrent decision the first wins, and a decision made first is returned.
	 */
	withdrawApproval(input: { id: string; ownerSub: string; status: 'expired' | 'cancelled'; now: number }): Promise<WithdrawApprovalResult>;
	/**
	 * Ended sessions not yet forwarded to `destination`, oldest first: those whose seal checks
	 * out (or fails: that is worth forwarding too) at once, unsealed ones once nothing has
	 * changed them since `quietBefore` (ms since the epoch).
	 */
	sessionsToForward(query: { destination: string; quietBefore: number; limit: number }): Promise<StoredSession[]>;
	/** Remembers that `destination` took the session as it was at `headHash`. */
	markForwarded(input: { destination: string; sessionId: string; headHash: string | null; at: number }): Promise<void>;
	/** Places (or restates) a legal hold on a stored session; undefined when the session is unknown. */
	placeLegalHold(input: { sessionId: string; placedBy: string; reason: string | null; at: number }): Promise<LegalHold | undefined>;
	/** Lifts a legal hold; false when there was none. */
	removeLegalHold(sessionId: string): Promise<boolean>;
	getLegalHold(sessionId: string): Promise<LegalHold | undefined>;
	/**
	 * Deletes up to `limit` sessions that ended before `endedBefore` (µs) and are under no
	 * legal hold, with their events, keeping a pruned_sessions row for each; oldest first.
	 */
	pruneSessions(input: { endedBefore: number; policy: string; at: number; limit: number }): Promise<PrunedSession[]>;
	getPrunedSession(sessionId: string): Promise<PrunedSession | undefined>;
	/** A random secret kept in the database under `name` (created on first use), shared by every collector on it. */
	sharedSecret(name: string): Promise<Buffer>;
	close(): Promise<void>;
}

/** A legal hold an auditor placed on a session: retention never prunes it. Times in ms. */
export interface LegalHold {
	sessionId: string;
	placedBy: string;
	reason: string | null;
	placedAt: number;
}

/** What is left of a session retention pruned (µs for the session's times, ms for prunedAt). */
export interface PrunedSession {
	sessionId: string;
	ownerSub: string;
	server: string;
	startedAt: number;
	endedAt: number | null;
	eventCount: number;
	headHash: string | null;
	integrity: string;
	/** The rule that pruned it, e.g. `retention 365d`. */
	policy: string;
	prunedAt: number;
}

export interface StoreClock {
	/** ms since the epoch. */
	now(): number;
}

export const systemClock: StoreClock = { now: () => Date.now() };
