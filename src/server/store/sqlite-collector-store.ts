// CollectorStore on a SQLite file (the embedded default). better-sqlite3 is synchronous,
// so each write is one IMMEDIATE transaction: writers queue on SQLite's lock (busy
// timeout), whether they are requests of this process or of another collector.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sqliteAddon } from '../../store/sqlite-addon.js';
import { genesisHash } from '../../event/hash-chain.js';
import { addOutcome, noOutcomes } from '../event-outcomes.js';
import { overlapRange, planAppend } from '../plan-append.js';
import { deriveIntegrity } from '../session-integrity.js';
import type { VerifiedBatch } from '../verify-batch.js';
import type { ChainEvent } from '../../event/event.js';
import { EVENT_COLUMNS, EVENT_VALUES, fromRow, pushRowValues } from '../../event/event-forms.js';
import { systemClock, type AppendResult, type ApprovalDecisionInput, type ApprovalInput, type CollectorStore, type DecideApprovalResult, type Device, type PutApprovalResult, type PutDeviceResult, type PutSessionResult, type SessionPage, type SessionPut, type SessionQuery, type StoreClock, type StoredSession, type WithdrawApprovalResult, type PrunedSession } from './collector-store.js';
import { buildSessionListSql, SESSION_COLUMNS, type SqlDialect, buildSessionCountSql } from './session-list-sql.js';
import { judgeDecision, judgeWithdrawal, mergeTools, sealOf, toApproval, toDevice, toStoredSession, type ApprovalRowValues, type DeviceRow, type EventRowValues, type HeadRow, type SessionRowValues, deleteSessionSql, prunableSessionsSql, toLegalHold, toPrunedSession, type LegalHoldRow, type PrunableRow, type PrunedSessionRow, cursorOf, isToolCall } from './store-rows.js';
import { SQLITE_MIGRATIONS, SEARCH_INDEX_VERSION } from './sqlite-migrations.js';
import { searchChunks } from '../search-words.js';

export interface SqliteStoreOptions {
	file: string;
	clock?: StoreClock;
	busyTimeoutMs?: number;
}

const dialect: SqlDialect = {
	placeholder: () => '?',
	// Metadata is JSON the collector wrote itself (JSON.stringify), so it always parses.
	userName: (metadata) => `json_extract(${metadata}, '$.user.name')`,
	// An FTS5 prefix query of one bare word: `"word"*`. Testing `id || ''` (which no index serves)
	// keeps the planner walking the list's own order and stopping after a page, instead of
	// fetching and sorting every session a common word is in: without statistics SQLite cannot
	// tell a common word from a rare one. A rare word costs a walk of the list with one probe
	// of the (once-built) set per session.
	hasWordPrefix: (sessionId, word) => `(${sessionId} || '') IN (SELECT c.session_id FROM search_words w JOIN search_chunks c ON c.id = w.rowid WHERE search_words MATCH '"' || ${word} || '"*')`,
};

const SELECT_SESSION = `SELECT ${SESSION_COLUMNS} FROM sessions s JOIN session_summaries m ON m.session_id = s.id WHERE s.id = ?`;

export function openSqliteCollectorStore(options: SqliteStoreOptions): CollectorStore {
	fs.mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
	const database = new Database(options.file, { timeout: options.busyTimeoutMs ?? 10_000, nativeBinding: sqliteAddon() });
	database.pragma('journal_mode = WAL');
	database.pragma('synchronous = NORMAL');
	migrate(database);
	const clock = options.clock ?? systemClock;

	const statements = {
		session: database.prepare(SELECT_SESSION),
		toForward: database.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions s JOIN session_summaries m ON m.session_id = s.id
  WHERE s.ended_at IS NOT NULL AND (s.integrity IN ('verified', 'invalid') OR s.updated_at < @quietBefore)
    AND NOT EXISTS (SELECT 1 FROM otlp_forwarded f WHERE f.destination = @destination AND f.session_id = s.id)
  ORDER BY s.started_at, s.id LIMIT @limit`),
		markForwarded: database.prepare(`INSERT INTO otlp_forwarded (destination, session_id, head_hash, forwarded_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (destination, session_id) DO UPDATE SET head_hash = excluded.head_hash, forwarded_at = excluded.forwarded_at`),
		upsertSession: database.prepare(`INSERT INTO sessions
  (id, owner_sub, owner_email, server, started_at, ended_at, metadata, seal_head_hash, seal_event_count, seal_device_id, seal_signature, seal_valid, received_at, updated_at)
  VALUES (@id, @ownerSub, @ownerEmail, @server, @startedAt, @endedAt, @metadata, @sealHeadHash, @sealEventCount, @sealDeviceId, @sealSignature, @sealValid, @now, @now)
  ON CONFLICT (id) DO UPDATE SET
    owner_email = coalesce(excluded.owner_email, owner_email), server = excluded.server, started_at = excluded.started_at,
    ended_at = excluded.ended_at, metadata = excluded.metadata,
    seal_head_hash = coalesce(excluded.seal_head_hash, seal_head_hash), seal_event_count = coalesce(excluded.seal_event_count, seal_event_count),
    seal_device_id = coalesce(excluded.seal_device_id, seal_device_id), seal_signature = coalesce(excluded.seal_signature, seal_signature),
    seal_valid = coalesce(excluded.seal_valid, seal_valid), updated_at = excluded.updated_at
  WHERE sessions.owner_sub = excluded.owner_sub`),
		owner: database.prepare('SELECT owner_sub FROM sessions WHERE id = ?').pluck(),
		upsertSummary: database.prepare(`INSERT INTO session_summaries (session_id, started_at) VALUES (?, ?)
  ON CONFLICT (session_id) DO UPDATE SET started_at = excluded.started_at`),
		retimeTools: database.prepare('UPDATE session_tools SET started_at = @startedAt WHERE session_id = @id AND started_at <> @startedAt'),
		setIntegrity: database.prepare('UPDATE sessions SET integrity = ? WHERE id = ?'),
		head: database.prepare(`SELECT s.next_seq, s.head_hash, s.started_at, s.seal_head_hash, s.seal_event_count, s.seal_device_id, s.seal_signature, s.seal_valid, m.tools
  FROM sessions s JOIN session_summaries m ON m.session_id = s.id WHERE s.id = ?`),
		storedHashes: database.prepare('SELECT seq, hash FROM events WHERE session_id = ? AND seq BETWEEN ? AND ?').raw(),
		insertEvent: database.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ${Array(EVENT_VALUES).fill('?').join(', ')})`),
		advance: database.prepare('UPDATE sessions SET next_seq = ?, head_hash = ?, integrity = ?, updated_at = ? WHERE id = ?'),
		addOutcomes: database.prepare(`UPDATE session_summaries SET blocked = blocked + ?, denied = denied + ?, held = held + ?, masked = masked + ?, approved = approved + ?, errors = errors + ?, tool_errors = tool_errors + ?, calls = calls + ?, tools = ?
  WHERE session_id = ?`),
		...searchStatements(database),
		insertTool: database.prepare('INSERT OR IGNORE INTO session_tools (tool, session_id, started_at) VALUES (?, ?, ?)'),
		events: database.prepare('SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
		device: database.prepare('SELECT * FROM devices WHERE owner_sub = ? AND id = ?'),
		insertDevice: database.prepare('INSERT OR IGNORE INTO devices (id, owner_sub, public_key, name, registered_at) VALUES (?, ?, ?, ?, ?)'),
		approval: database.prepare('SELECT * FROM approvals WHERE id = ?'),
		insertApproval: database.prepare(`INSERT OR IGNORE INTO approvals
  (id, owner_sub, owner_email, owner_groups, session_id, server, method, tool, rule, summary, arguments, self_approve, digest, requested_at, expires_at)
  VALUES (@id, @ownerSub, @ownerEmail, @ownerGroups, @sessionId, @server, @method, @tool, @rule, @summary, @arguments, @selfApprove, @digest, @now, @expiresAt)`),
		decide: database.prepare("UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ? AND status = 'pending'"),
		sessionApprovals: database.prepare('SELECT * FROM approvals WHERE session_id = ? ORDER BY requested_at DESC, id DESC LIMIT ?'),
		withdraw: database.prepare("UPDATE approvals SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'"),
		pendingApprovals: database.prepare("SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY requested_at DESC, id DESC LIMIT ?"),
		ownPendingApprovals: database.prepare("SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ? AND owner_sub = ? ORDER BY requested_at DESC, id DESC LIMIT ?"),
		allApprovals: database.prepare('SELECT * FROM approvals ORDER BY requested_at DESC, id DESC LIMIT ?'),
		ownApprovals: database.prepare('SELECT * FROM approvals WHERE owner_sub = ? ORDER BY requested_at DESC, id DESC LIMIT ?'),
		secret: database.prepare('SELECT value FROM collector_secrets WHERE name = ?').pluck(),
		insertSecret: database.prepare('INSERT OR IGNORE INTO collector_secrets (name, value) VALUES (?, ?)'),
	};

	const getApproval = (id: string) => {
		const row = statements.approval.get(id) as ApprovalRowValues | undefined;
		return row && toApproval(row);
	};

	const putApproval = database.transaction((input: ApprovalInput): PutApprovalResult => {
		const created = statements.insertApproval.run({ ...input, ownerGroups: JSON.stringify(input.ownerGroups ?? []), ownerEmail: input.ownerEmail?.toLowerCase() ?? null, selfApprove: input.selfApprove ? 1 : 0, now: clock.now() }).changes > 0;
		const approval = getApproval(input.id)!;
		if (approval.ownerSub !== input.ownerSub) return { kind: 'owned-by-other' };
		return { kind: 'stored', created, approval };
	});

	const decideApproval = database.transaction((input: ApprovalDecisionInput): DecideApprovalResult => {
		const approval = getApproval(input.id);
		const verdict = judgeDecision(approval, input.now);
		if (verdict === 'unknown') return { kind: 'unknown' };
		if (verdict !== 'open') return { kind: verdict, approval: approval! };
		statements.decide.run(input.decision, input.now, input.decidedBy, input.reason, input.id);
		return { kind: 'decided', approval: getApproval(input.id)! };
	});

	const withdrawApproval = database.transaction((input: { id: string; ownerSub: string; status: 'expired' | 'cancelled'; now: number }): WithdrawApprovalResult => {
		const approval = getApproval(input.id);
		const verdict = judgeWithdrawal(approval, input.ownerSub);
		if (verdict === 'unknown' || verdict === 'not-owner') return { kind: verdict };
		if (verdict === 'settled') return { kind: 'settled', approval: approval! };
		statements.withdraw.run(input.status, input.now, input.id);
		return { kind: 'withdrawn', approval: getApproval(input.id)! };
	});

	const getSession = (id: string): StoredSession | undefined => {
		const row = statements.session.get(id) as SessionRowValues | undefined;
		return row && toStoredSession(row);
	};

	const putSession = database.transaction((input: SessionPut): PutSessionResult => {
		const { document, seal } = input;
		const existed = statements.owner.get(document.id) as string | undefined;
		const result = statements.upsertSession.run({
			id: document.id,
			ownerSub: input.ownerSub,
			ownerEmail: input.ownerEmail?.toLowerCase() ?? null,
			server: document.server,
			startedAt: document.startedAt,
			endedAt: document.endedAt,
			metadata: JSON.stringify(document.metadata),
			sealHeadHash: seal?.headHash ?? null,
			sealEventCount: seal?.eventCount ?? null,
			sealDeviceId: seal?.deviceId ?? null,
			sealSignature: seal?.signature ?? null,
			sealValid: seal ? (seal.valid ? 1 : 0) : null,
			now: clock.now(),
		});
		if (result.changes === 0) return { kind: 'owned-by-other', ownerSub: existed ?? '?' };
		statements.upsertSummary.run(document.id, document.startedAt);
		statements.retimeTools.run({ startedAt: document.startedAt, id: document.id });
		const session = getSession(document.id)!;
		const integrity = deriveIntegrity({ seal: session.seal, nextSeq: session.nextSeq, headHash: session.headHash, genesis: genesisHash(session.id) });
		if (integrity !== session.integrity) statements.setIntegrity.run(integrity, session.id);
		return { kind: 'stored', created: existed === undefined, session: { ...session, integrity } };
	});

	const appendEvents = database.transaction((batch: VerifiedBatch): AppendResult => {
		const head = statements.head.get(batch.sessionId) as (HeadRow & { tools: string }) | undefined;
		if (!head) return { kind: 'unknown-session' };
		const chainHead = { nextSeq: head.next_seq, headHash: head.head_hash };
		const overlap = overlapRange(chainHead, batch);
		const stored = new Map<number, string>();
		if (overlap) for (const [seq, hash] of statements.storedHashes.all(batch.sessionId, overlap.from, overlap.to) as [number, string][]) stored.set(seq, hash);
		const plan = planAppend(chainHead, batch, stored);
		if (plan.kind !== 'append') return plan;
		const last = plan.fresh[plan.fresh.length - 1];
		const nextSeq = last ? last.seq + 1 : head.next_seq;
		const headHash = last ? last.hash : head.head_hash;
		const integrity = deriveIntegrity({ seal: sealOf(head), nextSeq, headHash, genesis: genesisHash(batch.sessionId) });
		if (last) {
			const outcomes = noOutcomes();
			const tools = new Set<string>();
			let calls = 0;
			const values: unknown[] = [];
			for (const event of plan.fresh) {
				if (isToolCall(event)) calls++;
				values.length = 0;
				values.push(batch.sessionId);
				pushRowValues(values, event, event.payload, event.encoding);
				statements.insertEvent.run(...values);
				addOutcome(outcomes, { kind: event.kind, origin: event.origin, method: event.method, payload: event.rawPayload });
				if (event.tool !== null) tools.add(event.tool);
			}
			statements.advance.run(nextSeq, headHash, integrity, clock.now(), batch.sessionId);
			const { merged, added } = mergeTools(JSON.parse(head.tools) as string[], tools);
			statements.addOutcomes.run(outcomes.blocked, outcomes.denied, outcomes.held, outcomes.masked, outcomes.approved, outcomes.errors, outcomes.toolErrors, calls, JSON.stringify(merged), batch.sessionId);
			for (const tool of added) statements.insertTool.run(tool, batch.sessionId, head.started_at);
			indexWords(statements, batch.sessionId, searchChunks(plan.fresh.map((event) => ({ kind: event.kind, payload: event.rawPayload }))));
		}
		return { kind: 'appended', ackSeq: nextSeq - 1, stored: plan.fresh.length, duplicates: plan.duplicates, integrity };
	});

	const putDevice = database.transaction((device: Omit<Device, 'registeredAt'>): PutDeviceResult => {
		const now = clock.now();
		const inserted = statements.insertDevice.run(device.id, device.ownerSub, JSON.stringify(device.publicKey), device.name, now).changes > 0;
		const stored = toDevice(statements.device.get(device.ownerSub, device.id) as DeviceRow);
		if (stored.publicKey.x !== device.publicKey.x) return { kind: 'key-mismatch', device: stored };
		return { kind: 'stored', created: inserted, device: stored };
	});

	const prunable = database.prepare(prunableSessionsSql('@cutoff', '@limit'));
	const deleteSession = deleteSessionSql('?').map((sql) => database.prepare(sql));
	const insertPruned = database.prepare(`INSERT INTO pruned_sessions (session_id, owner_sub, server, started_at, ended_at, event_count, head_hash, integrity, policy, pruned_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO NOTHING`);
	const pruneSessions = database.transaction((input: { endedBefore: number; policy: string; at: number; limit: number }): PrunedSession[] => {
		const rows = prunable.all({ cutoff: input.endedBefore, limit: input.limit }) as PrunableRow[];
		for (const row of rows) {
			insertPruned.run(row.id, row.owner_sub, row.server, row.started_at, row.ended_at, row.next_seq, row.head_hash, row.integrity, input.policy, input.at);
			for (const statement of deleteSession) statement.run(row.id);
		}
		return rows.map((row) => toPrunedSession({ session_id: row.id, owner_sub: row.owner_sub, server: row.server, started_at: row.started_at, ended_at: row.ended_at, event_count: row.next_seq, head_hash: row.head_hash, integrity: row.integrity, policy: input.policy, pruned_at: input.at }));
	});
	const getLegalHold = (sessionId: string) => {
		const row = database.prepare('SELECT * FROM legal_holds WHERE session_id = ?').get(sessionId) as LegalHoldRow | undefined;
		return row && toLegalHold(row);
	};

	return {
		backend: 'sqlite',
		putSession: async (input) => putSession.immediate(input),
		getSession: async (id) => getSession(id),
		appendEvents: async (batch) => appendEvents.immediate(batch),
		async listSessions(query: SessionQuery): Promise<SessionPage> {
			const { sql, params } = buildSessionListSql(query, dialect);
			const rows = database.prepare(sql).all(...params) as (SessionRowValues & { sort_value: number | string })[];
			const sessions = rows.slice(0, query.limit).map(toStoredSession);
			const last = sessions[sessions.length - 1];
			return { sessions, next: rows.length > query.limit && last ? cursorOf(last, rows[query.limit - 1]!.sort_value) : null };
		},
		async countSessions(query) {
			const { sql, params } = buildSessionCountSql(query, dialect);
			return (database.prepare(sql).get(...params) as { count: number }).count;
		},
		async readEvents(sessionId, { afterSeq, limit }): Promise<ChainEvent[]> {
			return (statements.events.all(sessionId, afterSeq, limit) as EventRowValues[]).map(fromRow);
		},
		putDevice: async (device) => putDevice.immediate(device),
		async getDevice(ownerSub, id) {
			const row = statements.device.get(ownerSub, id) as DeviceRow | undefined;
			return row && toDevice(row);
		},
		putApproval: async (input) => putApproval.immediate(input),
		getApproval: async (id) => getApproval(id),
		async listApprovals({ ownerSub, status, now, limit, sessionId }) {
			// A session's approvals are few: filtered here rather than one statement per combination.
			if (sessionId !== undefined) {
				return (statements.sessionApprovals.all(sessionId, limit) as ApprovalRowValues[])
					.map(toApproval)
					.filter((approval) => (ownerSub === undefined || approval.ownerSub === ownerSub) && (status !== 'pending' || (approval.status === 'pending' && approval.expiresAt > now)));
			}
			const rows =
				status === 'pending'
					? ownerSub === undefined
						? statements.pendingApprovals.all(now, limit)
						: statements.ownPendingApprovals.all(now, ownerSub, limit)
					: ownerSub === undefined
						? statements.allApprovals.all(limit)
						: statements.ownApprovals.all(ownerSub, limit);
			return (rows as ApprovalRowValues[]).map(toApproval);
		},
		decideApproval: async (input) => decideApproval.immediate(input),
		withdrawApproval: async (input) => withdrawApproval.immediate(input),
		async sessionsToForward({ destination, quietBefore, limit }) {
			const rows = statements.toForward.all({ destination, quietBefore, limit }) as SessionRowValues[];
			return rows.map(toStoredSession);
		},
		async markForwarded({ destination, sessionId, headHash, at }) {
			statements.markForwarded.run(destination, sessionId, headHash, at);
		},
		async placeLegalHold({ sessionId, placedBy, reason, at }) {
			if (statements.owner.get(sessionId) === undefined) return undefined;
			database
				.prepare('INSERT INTO legal_holds (session_id, placed_by, reason, placed_at) VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET reason = excluded.reason')
				.run(sessionId, placedBy, reason, at);
			return getLegalHold(sessionId);
		},
		async removeLegalHold(sessionId) {
			return database.prepare('DELETE FROM legal_holds WHERE session_id = ?').run(sessionId).changes > 0;
		},
		getLegalHold: async (sessionId) => getLegalHold(sessionId),
		pruneSessions: async (input) => pruneSessions.immediate(input),
		async getPrunedSession(sessionId) {
			const row = database.prepare('SELECT * FROM pruned_sessions WHERE session_id = ?').get(sessionId) as PrunedSessionRow | undefined;
			return row && toPrunedSession(row);
		},
		async sharedSecret(name) {
			statements.insertSecret.run(name, randomBytes(32).toString('base64'));
			return Buffer.from(statements.secret.get(name) as string, 'base64');
		},
		async close() {
			database.close();
		},
	};
}

function migrate(database: Database.Database): void {
	database
		.transaction(() => {
			const version = database.pragma('user_version', { simple: true }) as number;
			for (const migration of SQLITE_MIGRATIONS) {
				if (migration.version <= version) continue;
				database.exec(migration.sql);
				if (migration.version === SEARCH_INDEX_VERSION) indexStoredEvents(database);
				database.pragma(`user_version = ${migration.version}`);
			}
		})
		.immediate();
}

function searchStatements(database: Database.Database) {
	return {
		insertChunk: database.prepare('INSERT INTO search_chunks (session_id) VALUES (?)'),
		insertWords: database.prepare('INSERT INTO search_words (rowid, words) VALUES (?, ?)'),
	};
}

function indexWords(statements: ReturnType<typeof searchStatements>, sessionId: string, chunks: string[]): void {
	for (const words of chunks) statements.insertWords.run(statements.insertChunk.run(sessionId).lastInsertRowid, words);
}

// Events stored before the search index existed, indexed once by the migration that adds it,
// a session and a thousand events at a time.
function indexStoredEvents(database: Database.Database): void {
	const statements = searchStatements(database);
	const sessions = database.prepare('SELECT id FROM sessions').pluck().all() as string[];
	const page = database.prepare("SELECT * FROM events WHERE session_id = ? AND seq > ? AND kind = 'message' ORDER BY seq LIMIT 1000");
	for (const sessionId of sessions) {
		for (let afterSeq = -1; ; ) {
			const events = (page.all(sessionId, afterSeq) as EventRowValues[]).map(fromRow);
			if (events.length === 0) break;
			indexWords(statements, sessionId, searchChunks(events.map((event) => ({ kind: 'message', payload: event.payload }))));
			afterSeq = events[events.length - 1]!.seq;
		}
	}
}
