// CollectorStore on PostgreSQL, for teams and for several collectors behind a load
// balancer. An append locks its session row (SELECT … FOR UPDATE), so concurrent
// uploads of one session run one after the other and see each other's events; uploads
// of different sessions run in parallel. (session_id, seq) is the primary key besides.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { genesisHash } from '../../event/hash-chain.js';
import { EVENT_COLUMNS, EVENT_VALUES, fromRow, pushRowValues } from '../../event/event-forms.js';
import { addOutcome, noOutcomes } from '../event-outcomes.js';
import { overlapRange, planAppend } from '../plan-append.js';
import { deriveIntegrity } from '../session-integrity.js';
import type { VerifiedBatch } from '../verify-batch.js';
import { systemClock, type AppendResult, type ApprovalDecisionInput, type ApprovalInput, type CollectorApproval, type CollectorStore, type DecideApprovalResult, type Device, type PutApprovalResult, type PutDeviceResult, type PutSessionResult, type SessionPut, type StoreClock, type StoredSession, type WithdrawApprovalResult, type PrunedSession } from './collector-store.js';
import { POSTGRES_MIGRATIONS, SEARCH_INDEX_VERSION } from './postgres-migrations.js';
import { buildSessionListSql, SESSION_COLUMNS, type SqlDialect, buildSessionCountSql } from './session-list-sql.js';
import { judgeDecision, judgeWithdrawal, mergeTools, sealOf, toApproval, toDevice, toStoredSession, type ApprovalRowValues, type DeviceRow, type EventRowValues, type HeadRow, type SessionRowValues, deleteSessionSql, prunableSessionsSql, toLegalHold, toPrunedSession, type LegalHoldRow, type PrunableRow, type PrunedSessionRow, cursorOf, isToolCall } from './store-rows.js';
import { searchChunks } from '../search-words.js';

export interface PostgresStoreOptions {
	/** postgres://user:password@host:port/database */
	url: string;
	clock?: StoreClock;
	/** Connections in the pool (default 16). */
	poolSize?: number;
}

const dialect: SqlDialect = {
	placeholder: (index) => `$${index}`,
	// Metadata is JSON the collector wrote itself; json (not jsonb) takes any string it holds.
	userName: (metadata) => `((${metadata})::json -> 'user' ->> 'name')`,
	// A tsquery of one bare word as a prefix, `'word':*`, read as is (no parser, like the stored words).
	hasWordPrefix: (sessionId, word) => `${sessionId} IN (SELECT c.session_id FROM search_chunks c WHERE c.words @@ (quote_literal(${word}::text) || ':*')::tsquery)`,
};

// BIGINT columns (µs timestamps, seqs) fit a double exactly; pg returns them as strings otherwise.
const BIGINT_OID = 20;
const types = {
	getTypeParser: ((oid: number, format?: string) =>
		oid === BIGINT_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const MIGRATION_LOCK = 0x6d637072; // "mcpr"

export async function openPostgresCollectorStore(options: PostgresStoreOptions): Promise<CollectorStore> {
	const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 16, types });
	// An idle connection dropped by the server must not take the collector down; the next query reconnects.
	pool.on('error', () => {});
	const clock = options.clock ?? systemClock;
	try {
		await transaction(pool, (client) => migrate(client));
	} catch (error) {
		await pool.end();
		throw error;
	}

	const getSession = async (client: pg.PoolClient | pg.Pool, id: string): Promise<StoredSession | undefined> => {
		const { rows } = await client.query<SessionRowValues>(`SELECT ${SESSION_COLUMNS} FROM sessions s JOIN session_summaries m ON m.session_id = s.id WHERE s.id = $1`, [id]);
		return rows[0] && toStoredSession(rows[0]);
	};

	return {
		backend: 'postgres',
		putSession: (input) => transaction(pool, (client) => putSession(client, input, clock)),
		getSession: (id) => getSession(pool, id),
		appendEvents: (batch) => transaction(pool, (client) => appendEvents(client, batch, clock)),
		async listSessions(query) {
			const { sql, params } = buildSessionListSql(query, dialect);
			const { rows } = await pool.query<SessionRowValues & { sort_value: number | string }>(sql, params);
			const sessions = rows.slice(0, query.limit).map(toStoredSession);
			const last = sessions[sessions.length - 1];
			return { sessions, next: rows.length > query.limit && last ? cursorOf(last, rows[query.limit - 1]!.sort_value) : null };
		},
		async countSessions(query) {
			const { sql, params } = buildSessionCountSql(query, dialect);
			const { rows } = await pool.query<{ count: number }>(sql, params);
			return rows[0]!.count;
		},
		async readEvents(sessionId, { afterSeq, limit }) {
			const { rows } = await pool.query<EventRowValues>('SELECT * FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [sessionId, afterSeq, limit]);
			return rows.map(fromRow);
		},
		putDevice: (device) => transaction(pool, (client) => putDevice(client, device, clock)),
		async getDevice(ownerSub, id) {
			const { rows } = await pool.query<DeviceRow>('SELECT * FROM devices WHERE owner_sub = $1 AND id = $2', [ownerSub, id]);
			return rows[0] && toDevice(rows[0]);
		},
		putApproval: (input) => transaction(pool, (client) => putApproval(client, input, clock)),
		async getApproval(id) {
			const { rows } = await pool.query<ApprovalRowValues>('SELECT * FROM approvals WHERE id = $1', [id]);
			return rows[0] && toApproval(rows[0]);
		},
		async listApprovals({ ownerSub, status, now, limit, sessionId }) {
			const conditions: string[] = [];
			const params: unknown[] = [];
			if (sessionId !== undefined) {
				params.push(sessionId);
				conditions.push(`session_id = $${params.length}`);
			}
			if (status === 'pending') {
				params.push(now);
				conditions.push(`status = 'pending' AND expires_at > $${params.length}`);
			}
			if (ownerSub !== undefined) {
				params.push(ownerSub);
				conditions.push(`owner_sub = $${params.length}`);
			}
			params.push(limit);
			const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
			const { rows } = await pool.query<ApprovalRowValues>(`SELECT * FROM approvals ${where} ORDER BY requested_at DESC, id DESC LIMIT $${params.length}`, params);
			return rows.map(toApproval);
		},
		decideApproval: (input) => transaction(pool, (client) => decideApproval(client, input)),
		withdrawApproval: (input) => transaction(pool, (client) => withdrawApproval(client, input)),
		async sessionsToForward({ destination, quietBefore, limit }) {
			const { rows } = await pool.query<SessionRowValues>(
				`SELECT ${SESSION_COLUMNS} FROM sessions s JOIN session_summaries m ON m.session_id = s.id
  WHERE s.ended_at IS NOT NULL AND (s.integrity IN ('verified', 'invalid') OR s.updated_at < $2)
    AND NOT EXISTS (SELECT 1 FROM otlp_forwarded f WHERE f.destination = $1 AND f.session_id = s.id)
  ORDER BY s.started_at, s.id LIMIT $3`,
				[destination, quietBefore, limit],
			);
			return rows.map(toStoredSession);
		},
		async markForwarded({ destination, sessionId, headHash, at }) {
			await pool.query(
				`INSERT INTO otlp_forwarded (destination, session_id, head_hash, forwarded_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (destination, session_id) DO UPDATE SET head_hash = excluded.head_hash, forwarded_at = excluded.forwarded_at`,
				[destination, sessionId, headHash, at],
			);
		},
		async placeLegalHold({ sessionId, placedBy, reason, at }) {
			const { rows } = await pool.query<LegalHoldRow>(
				`INSERT INTO legal_holds (session_id, placed_by, reason, placed_at) SELECT id, $2, $3, $4 FROM sessions WHERE id = $1 FOR SHARE
  ON CONFLICT (session_id) DO UPDATE SET reason = excluded.reason RETURNING *`,
				[sessionId, placedBy, reason, at],
			);
			return rows[0] && toLegalHold(rows[0]);
		},
		async removeLegalHold(sessionId) {
			const result = await pool.query('DELETE FROM legal_holds WHERE session_id = $1', [sessionId]);
			return (result.rowCount ?? 0) > 0;
		},
		async getLegalHold(sessionId) {
			const { rows } = await pool.query<LegalHoldRow>('SELECT * FROM legal_holds WHERE session_id = $1', [sessionId]);
			return rows[0] && toLegalHold(rows[0]);
		},
		pruneSessions: (input) =>
			transaction(pool, async (client) => {
				// Locked rows: a hold being placed (it reads the session row FOR SHARE) is waited for and
				// then seen by the check below; one placed after waits, and finds the session gone.
				const { rows } = await client.query<PrunableRow>(`${prunableSessionsSql('$1', '$2')} FOR UPDATE OF s`, [input.endedBefore, input.limit]);
				const pruned: PrunedSession[] = [];
				for (const row of rows) {
					if ((await client.query('SELECT 1 FROM legal_holds WHERE session_id = $1', [row.id])).rowCount) continue;
					await client.query(
						`INSERT INTO pruned_sessions (session_id, owner_sub, server, started_at, ended_at, event_count, head_hash, integrity, policy, pruned_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (session_id) DO NOTHING`,
						[row.id, row.owner_sub, row.server, row.started_at, row.ended_at, row.next_seq, row.head_hash, row.integrity, input.policy, input.at],
					);
					for (const sql of deleteSessionSql('$1')) await client.query(sql, [row.id]);
					pruned.push(toPrunedSession({ session_id: row.id, owner_sub: row.owner_sub, server: row.server, started_at: row.started_at, ended_at: row.ended_at, event_count: row.next_seq, head_hash: row.head_hash, integrity: row.integrity, policy: input.policy, pruned_at: input.at }));
				}
				return pruned;
			}),
		async getPrunedSession(sessionId) {
			const { rows } = await pool.query<PrunedSessionRow>('SELECT * FROM pruned_sessions WHERE session_id = $1', [sessionId]);
			return rows[0] && toPrunedSession(rows[0]);
		},
		async sharedSecret(name) {
			await pool.query('INSERT INTO collector_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32).toString('base64')]);
			const { rows } = await pool.query<{ value: string }>('SELECT value FROM collector_secrets WHERE name = $1', [name]);
			return Buffer.from(rows[0]!.value, 'base64');
		},
		close: () => pool.end(),
	};
}

async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	try {
		await client.query('BEGIN');
		const result = await work(client);
		await client.query('COMMIT');
		return result;
	} catch (error) {
		await client.query('ROLLBACK').catch(() => {});
		throw error;
	} finally {
		client.release();
	}
}

async function migrate(client: pg.PoolClient): Promise<void> {
	await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
	await client.query('CREATE TABLE IF NOT EXISTS collector_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
	const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM collector_migrations');
	const current = rows[0]?.version ?? 0;
	for (const migration of POSTGRES_MIGRATIONS) {
		if (migration.version <= current) continue;
		await client.query(migration.sql);
		if (migration.version === SEARCH_INDEX_VERSION) await indexStoredEvents(client);
		await client.query('INSERT INTO collector_migrations (version) VALUES ($1)', [migration.version]);
	}
}

// One statement (upsert + summary row + the row as stored) keeps a PUT to a few round trips.
async function putSession(client: pg.PoolClient, input: SessionPut, clock: StoreClock): Promise<PutSessionResult> {
	const { document, seal } = input;
	const upsert = await client.query<SessionRowValues & { created: boolean; previous_started_at: number | null }>(
		`WITH previous AS (SELECT started_at FROM sessions WHERE id = $1),
upsert AS (
  INSERT INTO sessions
  (id, owner_sub, owner_email, server, started_at, ended_at, metadata, seal_head_hash, seal_event_count, seal_device_id, seal_signature, seal_valid, received_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
  ON CONFLICT (id) DO UPDATE SET
    owner_email = coalesce(excluded.owner_email, sessions.owner_email), server = excluded.server, started_at = excluded.started_at,
    ended_at = excluded.ended_at, metadata = excluded.metadata,
    seal_head_hash = coalesce(excluded.seal_head_hash, sessions.seal_head_hash), seal_event_count = coalesce(excluded.seal_event_count, sessions.seal_event_count),
    seal_device_id = coalesce(excluded.seal_device_id, sessions.seal_device_id), seal_signature = coalesce(excluded.seal_signature, sessions.seal_signature),
    seal_valid = coalesce(excluded.seal_valid, sessions.seal_valid), updated_at = excluded.updated_at
  WHERE sessions.owner_sub = excluded.owner_sub
  RETURNING *, (xmax = 0) AS created),
summary AS (
  INSERT INTO session_summaries (session_id, started_at) SELECT id, started_at FROM upsert
  ON CONFLICT (session_id) DO UPDATE SET started_at = excluded.started_at
  RETURNING *)
SELECT ${SESSION_COLUMNS.replace(/\bs\./g, 'u.')}, u.created, (SELECT started_at FROM previous) AS previous_started_at
FROM upsert u JOIN summary m ON m.session_id = u.id`,
		[
			document.id,
			input.ownerSub,
			input.ownerEmail?.toLowerCase() ?? null,
			document.server,
			document.startedAt,
			document.endedAt,
			JSON.stringify(document.metadata),
			seal?.headHash ?? null,
			seal?.eventCount ?? null,
			seal?.deviceId ?? null,
			seal?.signature ?? null,
			seal ? seal.valid : null,
			clock.now(),
		],
	);
	const row = upsert.rows[0];
	if (!row) {
		const { rows } = await client.query<{ owner_sub: string }>('SELECT owner_sub FROM sessions WHERE id = $1', [document.id]);
		return { kind: 'owned-by-other', ownerSub: rows[0]?.owner_sub ?? '?' };
	}
	if (row.previous_started_at !== null && row.previous_started_at !== document.startedAt) {
		await client.query('UPDATE session_tools SET started_at = $1 WHERE session_id = $2', [document.startedAt, document.id]);
	}
	const session = toStoredSession(row);
	const integrity = deriveIntegrity({ seal: session.seal, nextSeq: session.nextSeq, headHash: session.headHash, genesis: genesisHash(session.id) });
	if (integrity !== session.integrity) await client.query('UPDATE sessions SET integrity = $1 WHERE id = $2', [integrity, session.id]);
	return { kind: 'stored', created: row.created, session: { ...session, integrity } };
}

async function appendEvents(client: pg.PoolClient, batch: VerifiedBatch, clock: StoreClock): Promise<AppendResult> {
	const { sessionId } = batch;
	const { rows } = await client.query<HeadRow & { tools: string }>(
		`SELECT s.next_seq, s.head_hash, s.started_at, s.seal_head_hash, s.seal_event_count, s.seal_device_id, s.seal_signature, s.seal_valid, m.tools
  FROM sessions s JOIN session_summaries m ON m.session_id = s.id WHERE s.id = $1 FOR UPDATE OF s`,
		[sessionId],
	);
	const head = rows[0];
	if (!head) return { kind: 'unknown-session' };
	const chainHead = { nextSeq: head.next_seq, headHash: head.head_hash };
	const overlap = overlapRange(chainHead, batch);
	const stored = new Map<number, string>();
	if (overlap) {
		const hashes = await client.query<{ seq: number; hash: string }>('SELECT seq, hash FROM events WHERE session_id = $1 AND seq BETWEEN $2 AND $3', [sessionId, overlap.from, overlap.to]);
		for (const row of hashes.rows) stored.set(row.seq, row.hash);
	}
	const plan = planAppend(chainHead, batch, stored);
	if (plan.kind !== 'append') return plan;
	const last = plan.fresh[plan.fresh.length - 1];
	const nextSeq = last ? last.seq + 1 : head.next_seq;
	const headHash = last ? last.hash : head.head_hash;
	const integrity = deriveIntegrity({ seal: sealOf(head), nextSeq, headHash, genesis: genesisHash(sessionId) });
	if (last) {
		// One array per column, in EVENT_COLUMNS order after session_id: unnest makes them rows.
		const columns: unknown[][] = Array.from({ length: EVENT_VALUES }, () => []);
		const values: unknown[] = [];
		const outcomes = noOutcomes();
		const tools = new Set<string>();
		let calls = 0;
		for (const event of plan.fresh) {
			if (isToolCall(event)) calls++;
			values.length = 0;
			pushRowValues(values, event, event.payload, event.encoding);
			for (let column = 0; column < EVENT_VALUES; column++) columns[column].push(values[column]);
			addOutcome(outcomes, { kind: event.kind, origin: event.origin, method: event.method, payload: event.rawPayload });
			if (event.tool !== null) tools.add(event.tool);
		}
		const { merged, added } = mergeTools(JSON.parse(head.tools) as string[], tools);
		// Events, head, outcomes and tools in one statement: one round trip under the lock.
		await client.query(
			`WITH inserted AS (
  INSERT INTO events (${EVENT_COLUMNS})
  SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[], $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::text[])),
advanced AS (UPDATE sessions SET next_seq = $16, head_hash = $17, integrity = $18, updated_at = $19 WHERE id = $1),
counted AS (
  UPDATE session_summaries SET blocked = blocked + $20, masked = masked + $21, approved = approved + $22, errors = errors + $23, tools = $24,
    denied = denied + $27, held = held + $28, tool_errors = tool_errors + $29, calls = calls + $30
  WHERE session_id = $1),
tooled AS (INSERT INTO session_tools (tool, session_id, started_at) SELECT unnest($25::text[]), $1, $26 ON CONFLICT DO NOTHING),
searched AS (INSERT INTO search_chunks (session_id, words) SELECT $1, ${WORDS_VECTOR} FROM unnest($31::text[]) AS chunk)
SELECT 1`,
			[
				sessionId,
				...columns,
				nextSeq,
				headHash,
				integrity,
				clock.now(),
				outcomes.blocked,
				outcomes.masked,
				outcomes.approved,
				outcomes.errors,
				JSON.stringify(merged),
				added,
				head.started_at,
				outcomes.denied,
				outcomes.held,
				outcomes.toolErrors,
				calls,
				searchChunks(plan.fresh.map((event) => ({ kind: event.kind, payload: event.rawPayload }))),
			],
		);
	}
	return { kind: 'appended', ackSeq: nextSeq - 1, stored: plan.fresh.length, duplicates: plan.duplicates, integrity };
}

/** A chunk of search words (space-separated, search-words.ts) as a tsvector of exactly those words. */
const WORDS_VECTOR = "array_to_tsvector(string_to_array(chunk, ' '))";

// Events stored before the search index existed, indexed once by the migration that adds it,
// a session and a thousand events at a time.
async function indexStoredEvents(client: pg.PoolClient): Promise<void> {
	const sessions = await client.query<{ id: string }>('SELECT id FROM sessions');
	for (const { id } of sessions.rows) {
		for (let afterSeq = -1; ; ) {
			const { rows } = await client.query<EventRowValues>("SELECT * FROM events WHERE session_id = $1 AND seq > $2 AND kind = 'message' ORDER BY seq LIMIT 1000", [id, afterSeq]);
			if (rows.length === 0) break;
			const events = rows.map(fromRow);
			const chunks = searchChunks(events.map((event) => ({ kind: 'message', payload: event.payload })));
			await client.query(`INSERT INTO search_chunks (session_id, words) SELECT $1, ${WORDS_VECTOR} FROM unnest($2::text[]) AS chunk`, [id, chunks]);
			afterSeq = events[events.length - 1]!.seq;
		}
	}
}

async function putDevice(client: pg.PoolClient, device: Omit<Device, 'registeredAt'>, clock: StoreClock): Promise<PutDeviceResult> {
	const inserted = await client.query(
		'INSERT INTO devices (id, owner_sub, public_key, name, registered_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner_sub, id) DO NOTHING',
		[device.id, device.ownerSub, JSON.stringify(device.publicKey), device.name, clock.now()],
	);
	const { rows } = await client.query<DeviceRow>('SELECT * FROM devices WHERE owner_sub = $1 AND id = $2', [device.ownerSub, device.id]);
	const stored = toDevice(rows[0]!);
	if (stored.publicKey.x !== device.publicKey.x) return { kind: 'key-mismatch', device: stored };
	return { kind: 'stored', created: (inserted.rowCount ?? 0) > 0, device: stored };
}

async function putApproval(client: pg.PoolClient, input: ApprovalInput, clock: StoreClock): Promise<PutApprovalResult> {
	const inserted = await client.query(
		`INSERT INTO approvals (id, owner_sub, owner_email, session_id, server, method, tool, rule, summary, arguments, self_approve, digest, requested_at, expires_at, owner_groups)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
		[input.id, input.ownerSub, input.ownerEmail?.toLowerCase() ?? null, input.sessionId, input.server, input.method, input.tool, input.rule, input.summary, input.arguments, input.selfApprove, input.digest, clock.now(), input.expiresAt, JSON.stringify(input.ownerGroups ?? [])],
	);
	const { rows } = await client.query<ApprovalRowValues>('SELECT * FROM approvals WHERE id = $1', [input.id]);
	const approval = toApproval(rows[0]!);
	if (approval.ownerSub !== input.ownerSub) return { kind: 'owned-by-other' };
	return { kind: 'stored', created: (inserted.rowCount ?? 0) > 0, approval };
}

// The row lock makes concurrent deciders (two approvers, two collectors) settle it once.
async function decideApproval(client: pg.PoolClient, input: ApprovalDecisionInput): Promise<DecideApprovalResult> {
	const { rows } = await client.query<ApprovalRowValues>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [input.id]);
	const approval: CollectorApproval | undefined = rows[0] && toApproval(rows[0]);
	const verdict = judgeDecision(approval, input.now);
	if (verdict === 'unknown') return { kind: 'unknown' };
	if (verdict !== 'open') return { kind: verdict, approval: approval! };
	const updated = await client.query<ApprovalRowValues>('UPDATE approvals SET status = $1, decided_at = $2, decided_by = $3, reason = $4 WHERE id = $5 RETURNING *', [input.decision, input.now, input.decidedBy, input.reason, input.id]);
	return { kind: 'decided', approval: toApproval(updated.rows[0]!) };
}

// Under the same row lock as decisions, so a withdrawal and a decision never both land.
async function withdrawApproval(client: pg.PoolClient, input: { id: string; ownerSub: string; status: 'expired' | 'cancelled'; now: number }): Promise<WithdrawApprovalResult> {
	const { rows } = await client.query<ApprovalRowValues>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [input.id]);
	const approval: CollectorApproval | undefined = rows[0] && toApproval(rows[0]);
	const verdict = judgeWithdrawal(approval, input.ownerSub);
	if (verdict === 'unknown' || verdict === 'not-owner') return { kind: verdict };
	if (verdict === 'settled') return { kind: 'settled', approval: approval! };
	const updated = await client.query<ApprovalRowValues>('UPDATE approvals SET status = $1, decided_at = $2 WHERE id = $3 RETURNING *', [input.status, input.now, input.id]);
	return { kind: 'withdrawn', approval: toApproval(updated.rows[0]!) };
}
