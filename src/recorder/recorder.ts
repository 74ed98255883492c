// Batches session events into the SQLite store off the forwarding path. Events stay in
// memory until a transaction that holds them commits, so a store that is locked or
// failing loses nothing while the process lives; the proxy asks `healthy` before it
// forwards new requests (record or refuse, DESIGN §3 / policy record.onError).

import { deflateRawSync } from 'node:zlib';
import type { Statement, Transaction } from 'better-sqlite3';
import type { StoreDatabase } from '../store/open-store.js';
import { describeStoreFailure } from '../store/describe-store-failure.js';
import type { Clock } from './clock.js';
import { chainHash, genesisHash } from './hash-chain.js';
import { emptyCounters, type SessionCounters, type SessionEvent } from './event.js';
import type { SessionStart, SessionUpdate } from './session-row.js';

const COMPRESS_ABOVE_BYTES = 64 * 1024;
// Small enough that one transaction holds the write lock for milliseconds, well inside the
// other mcprec processes' busy timeout; large enough that commits stay a small share.
const MAX_BATCH_EVENTS = 256;
// Events wait this long for company before a commit. Every commit costs a WAL append that
// would otherwise sit between a request and its response; a full queue commits at once.
const FLUSH_DELAY_MS = 5;
const FLUSH_AT_EVENTS = 1024;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

interface QueuedEvent extends SessionEvent {
	seq: number;
	ts: number;
	size: number;
	hash?: string;
	prevHash?: string;
}

export interface RecorderOptions {
	session: SessionStart;
	openDatabase: () => StoreDatabase;
	clock: Clock;
	/** How long events may wait on a busy store before the store counts as failing. */
	lockTimeoutMs?: number;
	/** Told when the store starts or stops accepting writes. */
	onHealthChange?: (healthy: boolean, reason?: string) => void;
}

export class Recorder {
	readonly counters: SessionCounters = emptyCounters();
	private readonly queue: QueuedEvent[] = [];
	private nextSeq = 0;
	private lastHash: string;
	private database: StoreDatabase | undefined;
	private statements:
		| { insertSession: Statement; insertEvent: Statement; updateSession: Statement; writeBatch: Transaction<(batch: QueuedEvent[], head: string | undefined) => void> }
		| undefined;
	private sessionInserted = false;
	private update: SessionUpdate = {};
	private flushTimer: NodeJS.Timeout | undefined;
	private flushImmediate: NodeJS.Immediate | undefined;
	private retryTimer: NodeJS.Timeout | undefined;
	private retryDelayMs = 25;
	private healthyState = true;
	private failure: string | undefined;
	private lastFailureTransient = true;
	private readonly lockTimeoutMs: number;
	private lastCommitUs = 0;
	private lastFailureUs = 0;

	constructor(private readonly options: RecorderOptions) {
		this.lastHash = genesisHash(options.session.id);
		this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
	}

	get sessionId(): string {
		return this.options.session.id;
	}

	/** False while the store cannot take writes; `failureReason` says why. */
	get healthy(): boolean {
		return this.healthyState;
	}

	get failureReason(): string | undefined {
		return this.failure;
	}

	/** Events recorded but not yet committed. */
	get backlog(): number {
		return this.queue.length;
	}

	/** Queues an event and returns its seq. Never throws, never blocks on the store. */
	record(event: SessionEvent): number {
		const seq = this.nextSeq++;
		const ts = event.ts ?? this.options.clock.nowMicros();
		// Every field spelled out, no spread: one object shape for all events keeps this hot
		// path cheap (a spread here cost more than the SQLite insert on a small machine).
		this.queue.push({
			origin: event.origin,
			target: event.target,
			kind: event.kind,
			method: event.method ?? null,
			rpcId: event.rpcId ?? null,
			tool: event.tool ?? null,
			payload: event.payload,
			latencyUs: event.latencyUs ?? null,
			seq,
			ts,
			size: event.payload.length,
			prevHash: undefined,
			hash: undefined,
		});
		if (event.kind === 'message') {
			this.counters.messages++;
			this.counters.bytes += event.payload.length;
		}
		this.scheduleFlush();
		return seq;
	}

	/** Session facts to write with the next batch. */
	updateSession(update: SessionUpdate): void {
		Object.assign(this.update, update);
		this.scheduleFlush();
	}

	private scheduleFlush(): void {
		if (this.flushImmediate || this.retryTimer) return;
		if (this.queue.length >= FLUSH_AT_EVENTS) {
			clearTimeout(this.flushTimer);
			this.flushTimer = undefined;
			this.flushImmediate = setImmediate(() => this.scheduledFlush());
		} else if (!this.flushTimer) {
			this.flushTimer = setTimeout(() => this.scheduledFlush(), FLUSH_DELAY_MS);
		}
	}

	private scheduledFlush(): void {
		clearTimeout(this.flushTimer);
		this.flushTimer = undefined;
		this.flushImmediate = undefined;
		this.flushNow();
	}

	/** Writes what is queued; on failure keeps it and retries with back-off. */
	flushNow(): boolean {
		while (this.queue.length > 0 || !this.sessionInserted) {
			try {
				this.writeBatch();
			} catch (error) {
				this.onWriteFailure(error);
				return false;
			}
		}
		this.onWriteSuccess();
		return true;
	}

	/** Final flush at the end of a session: retries synchronously until the lock timeout. */
	close(): { ok: boolean; unrecorded: number; reason?: string } {
		clearTimeout(this.flushTimer);
		clearImmediate(this.flushImmediate);
		this.flushTimer = undefined;
		this.flushImmediate = undefined;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		let deadline = Date.now() + this.lockTimeoutMs;
		let ok = this.flushNow();
		// Waiting helps only with a lock; a full disk or read-only file gets one more try.
		// The timeout counts from the last progress: a backlog that drains between other
		// writers' transactions is a busy store, not a locked one.
		let backlog = this.queue.length;
		while (!ok && this.lastFailureTransient && Date.now() < deadline) {
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
			ok = this.flushNow();
			if (this.queue.length < backlog) deadline = Date.now() + this.lockTimeoutMs;
			backlog = this.queue.length;
		}
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		try {
			this.database?.close();
		} catch {
			// Closing a broken handle has nothing left to tell.
		}
		this.database = undefined;
		return { ok, unrecorded: this.queue.length, reason: this.failure };
	}

	/** The events no store accepted, as NDJSON (payload base64), so a spill file can keep them. */
	unrecordedAsNdjson(): string {
		return this.queue
			.map((event) =>
				JSON.stringify({
					sessionId: this.options.session.id,
					seq: event.seq,
					ts: event.ts,
					origin: event.origin,
					target: event.target,
					kind: event.kind,
					method: event.method ?? null,
					rpcId: event.rpcId ?? null,
					tool: event.tool ?? null,
					latencyUs: event.latencyUs ?? null,
					payload: event.payload.toString('base64'),
				}),
			)
			.join('\n');
	}

	private writeBatch(): void {
		const database = this.ensureDatabase();
		const statements = this.statements!;
		let count = 0;
		let bytes = 0;
		while (count < this.queue.length && count < MAX_BATCH_EVENTS && bytes < MAX_BATCH_BYTES) {
			const event = this.queue[count];
			if (event.hash === undefined) this.hashEvent(event);
			bytes += event.size;
			count++;
		}
		const batch = this.queue.slice(0, count);
		const head = count > 0 ? batch[count - 1].hash! : undefined;
		statements.writeBatch.immediate(batch, head);
		this.sessionInserted = true;
		this.queue.splice(0, count);
		this.lastCommitUs = this.options.clock.nowMicros();
	}

	private hashEvent(event: QueuedEvent): void {
		event.prevHash = this.lastHash;
		event.hash = chainHash(this.lastHash, chainFields(this.options.session.id, event), event.payload);
		this.lastHash = event.hash;
	}

	private sessionFields(head: string | undefined, batch: QueuedEvent[]): Record<string, unknown> {
		const lastSeq = batch.length > 0 ? batch[batch.length - 1].seq : -1;
		const update = this.update;
		return {
			id: this.options.session.id,
			...this.counters,
			eventCount: lastSeq + 1 > 0 ? lastSeq + 1 : null,
			headHash: head ?? null,
			clientName: update.clientName ?? null,
			clientVersion: update.clientVersion ?? null,
			protocolVersion: update.protocolVersion ?? null,
			endedAt: update.endedAt ?? null,
			endReason: update.endReason ?? null,
			exitCode: update.exitCode ?? null,
			exitSignal: update.exitSignal ?? null,
		};
	}

	private ensureDatabase(): StoreDatabase {
		if (this.database) return this.database;
		const database = this.options.openDatabase();
		const insertSession = database.prepare(INSERT_SESSION);
		const insertEvent = database.prepare(INSERT_EVENT);
		const updateSession = database.prepare(UPDATE_SESSION);
		// Built once per handle: better-sqlite3 makes a new wrapper on every transaction() call.
		const writeBatch = database.transaction((batch: QueuedEvent[], head: string | undefined) => {
			if (!this.sessionInserted) insertSession.run(sessionRow(this.options.session));
			for (const event of batch) insertEvent.run(eventRow(this.options.session.id, event));
			updateSession.run(this.sessionFields(head, batch));
		});
		this.statements = { insertSession, insertEvent, updateSession, writeBatch };
		this.database = database;
		return database;
	}

	private onWriteSuccess(): void {
		this.retryDelayMs = 25;
		if (!this.healthyState) {
			this.healthyState = true;
			this.failure = undefined;
			this.options.onHealthChange?.(true);
		}
	}

	private onWriteFailure(error: unknown): void {
		const { reason, transient } = describeStoreFailure(error);
		this.lastFailureTransient = transient;
		const oldest = this.queue[0];
		const now = this.options.clock.nowMicros();
		// Waiting counts from the later of the oldest event and the last commit: a store that
		// other mcprec processes keep busy but that still takes our batches is slow, not locked.
		const waitedMs = oldest ? (now - Math.max(oldest.ts, this.lastCommitUs)) / 1000 : 0;
		const progressed = this.lastCommitUs > this.lastFailureUs;
		this.lastFailureUs = now;
		if (!transient) {
			// A handle that failed for a lasting reason is reopened on the next try.
			try {
				this.database?.close();
			} catch {
				// ignore: the handle is being replaced
			}
			this.database = undefined;
		}
		if ((!transient || waitedMs >= this.lockTimeoutMs) && this.healthyState) {
			this.healthyState = false;
			this.failure = reason;
			this.options.onHealthChange?.(false, reason);
		}
		this.retryDelayMs = progressed ? 25 : Math.min(this.retryDelayMs * 2, 1000);
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			this.flushNow();
		}, this.retryDelayMs);
		this.retryTimer.unref();
	}
}

function chainFields(sessionId: string, event: QueuedEvent) {
	return {
		sessionId,
		seq: event.seq,
		ts: event.ts,
		origin: event.origin,
		target: event.target,
		kind: event.kind,
		method: event.method ?? null,
		rpcId: event.rpcId ?? null,
		tool: event.tool ?? null,
		size: event.size,
		latencyUs: event.latencyUs ?? null,
	};
}

// Positional, in INSERT_EVENT's column order: binding 15 named parameters from an object
// costs more than the insert itself.
function eventRow(sessionId: string, event: QueuedEvent): unknown[] {
	let payload = event.payload;
	let encoding = 'identity';
	if (payload.length > COMPRESS_ABOVE_BYTES) {
		const compressed = deflateRawSync(payload, { level: 1 });
		if (compressed.length < payload.length * 0.9) {
			payload = compressed;
			encoding = 'deflate-raw';
		}
	}
	return [
		sessionId,
		event.seq,
		event.ts,
		event.origin,
		event.target,
		event.kind,
		event.method ?? null,
		event.rpcId ?? null,
		event.tool ?? null,
		payload,
		encoding,
		event.size,
		event.latencyUs ?? null,
		event.prevHash,
		event.hash,
	];
}

function sessionRow(session: SessionStart): Record<string, unknown> {
	return {
		id: session.id,
		server: session.server,
		command: session.command ? JSON.stringify(session.command) : null,
		url: session.url,
		cwd: session.cwd,
		host: session.host,
		osUser: session.osUser,
		startedAt: session.startedAt,
		policyDigest: session.policyDigest ?? null,
		identityIssuer: session.identity?.issuer ?? null,
		identitySub: session.identity?.sub ?? null,
		identityEmail: session.identity?.email ?? null,
		identityName: session.identity?.name ?? null,
		identityGroups: session.identity?.groups ? JSON.stringify(session.identity.groups) : null,
	};
}

const INSERT_SESSION = `INSERT OR IGNORE INTO sessions
  (id, server, command, url, cwd, host, os_user, started_at, policy_digest,
   identity_issuer, identity_sub, identity_email, identity_name, identity_groups)
  VALUES (@id, @server, @command, @url, @cwd, @host, @osUser, @startedAt, @policyDigest,
   @identityIssuer, @identitySub, @identityEmail, @identityName, @identityGroups)`;

const INSERT_EVENT = `INSERT INTO events
  (session_id, seq, ts, origin, target, kind, method, rpc_id, tool, payload, encoding, size, latency_us, prev_hash, hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const UPDATE_SESSION = `UPDATE sessions SET
  messages = @messages, requests = @requests, errors = @errors, blocked = @blocked, masked = @masked,
  approvals = @approvals, bytes = @bytes,
  event_count = coalesce(@eventCount, event_count), head_hash = coalesce(@headHash, head_hash),
  client_name = coalesce(@clientName, client_name), client_version = coalesce(@clientVersion, client_version),
  protocol_version = coalesce(@protocolVersion, protocol_version),
  ended_at = coalesce(@endedAt, ended_at), end_reason = coalesce(@endReason, end_reason),
  exit_code = coalesce(@exitCode, exit_code), exit_signal = coalesce(@exitSignal, exit_signal)
  WHERE id = @id`;
