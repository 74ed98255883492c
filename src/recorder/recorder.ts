// Batches session events into the SQLite store off the forwarding path. Events stay in
// memory until a transaction that holds them commits, so a store that is locked or
// failing loses nothing while the process lives; the proxy asks `healthy` before it
// forwards new requests (record or refuse, DESIGN §3 / policy record.onError).

import { deflateRawSync } from 'node:zlib';
import type { Statement } from 'better-sqlite3';
import type { StoreDatabase } from '../store/open-store.js';
import { describeStoreFailure } from '../store/describe-store-failure.js';
import type { Clock } from './clock.js';
import { chainHash, genesisHash } from './hash-chain.js';
import { emptyCounters, type SessionCounters, type SessionEvent } from './event.js';
import type { SessionStart, SessionUpdate } from './session-row.js';

const COMPRESS_ABOVE_BYTES = 64 * 1024;
const MAX_BATCH_EVENTS = 4096;
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
	private statements: { insertSession: Statement; insertEvent: Statement; updateSession: Statement } | undefined;
	private sessionInserted = false;
	private update: SessionUpdate = {};
	private flushScheduled = false;
	private retryTimer: NodeJS.Timeout | undefined;
	private retryDelayMs = 25;
	private healthyState = true;
	private failure: string | undefined;
	private lastFailureTransient = true;
	private readonly lockTimeoutMs: number;

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
		this.queue.push({ ...event, seq, ts, size: event.payload.length });
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
		if (this.flushScheduled || this.retryTimer) return;
		this.flushScheduled = true;
		setImmediate(() => {
			this.flushScheduled = false;
			this.flushNow();
		});
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
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		const deadline = Date.now() + this.lockTimeoutMs;
		let ok = this.flushNow();
		// Waiting helps only with a lock; a full disk or read-only file gets one more try.
		while (!ok && this.lastFailureTransient && Date.now() < deadline) {
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
			ok = this.flushNow();
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
		database.transaction(() => {
			if (!this.sessionInserted) statements.insertSession.run(sessionRow(this.options.session));
			for (const event of batch) statements.insertEvent.run(eventRow(this.options.session.id, event));
			statements.updateSession.run(this.sessionFields(head, batch));
		}).immediate();
		this.sessionInserted = true;
		this.queue.splice(0, count);
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
		this.statements = {
			insertSession: database.prepare(INSERT_SESSION),
			insertEvent: database.prepare(INSERT_EVENT),
			updateSession: database.prepare(UPDATE_SESSION),
		};
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
		const waitedMs = oldest ? (this.options.clock.nowMicros() - oldest.ts) / 1000 : 0;
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
		this.retryDelayMs = Math.min(this.retryDelayMs * 2, 1000);
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

function eventRow(sessionId: string, event: QueuedEvent): Record<string, unknown> {
	let payload = event.payload;
	let encoding = 'identity';
	if (payload.length > COMPRESS_ABOVE_BYTES) {
		const compressed = deflateRawSync(payload, { level: 1 });
		if (compressed.length < payload.length * 0.9) {
			payload = compressed;
			encoding = 'deflate-raw';
		}
	}
	return {
		...chainFields(sessionId, event),
		payload,
		encoding,
		prevHash: event.prevHash,
		hash: event.hash,
	};
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
  VALUES (@sessionId, @seq, @ts, @origin, @target, @kind, @method, @rpcId, @tool, @payload, @encoding, @size, @latencyUs, @prevHash, @hash)`;

const UPDATE_SESSION = `UPDATE sessions SET
  messages = @messages, requests = @requests, errors = @errors, blocked = @blocked, masked = @masked,
  approvals = @approvals, bytes = @bytes,
  event_count = coalesce(@eventCount, event_count), head_hash = coalesce(@headHash, head_hash),
  client_name = coalesce(@clientName, client_name), client_version = coalesce(@clientVersion, client_version),
  protocol_version = coalesce(@protocolVersion, protocol_version),
  ended_at = coalesce(@endedAt, ended_at), end_reason = coalesce(@endReason, end_reason),
  exit_code = coalesce(@exitCode, exit_code), exit_signal = coalesce(@exitSignal, exit_signal)
  WHERE id = @id`;
