// The store side of the recorder, on the Recorder's thread or a worker (writer-link.ts): hashes
// events into the chain, compresses large payloads and writes them in short transactions,
// retrying with back-off while the store is locked or failing. It tells the Recorder which
// seq is committed and when the store starts or stops taking writes. Each transaction also
// signs the session's new head with the device key (a checkpoint), and the first and last
// ones add the session's opening and closing to the store ledger (store/ledger-queries.ts).

import type { Hash } from 'node:crypto';
import type { Statement, Transaction } from 'better-sqlite3';
import { openStore, type OpenStoreOptions, type StoreDatabase } from '../store/open-store.js';
import { describeStoreFailure, StoreDamagedError } from '../store/describe-store-failure.js';
import { StoreFileWatch } from '../store/store-file-watch.js';
import { systemClock, type Clock } from '../time/clock.js';
import { ChainHasher, genesisHash, startEventHash } from '../event/hash-chain.js';
import { encodePayload } from '../event/payload-encoding.js';
import { emptyCounters, type ChainEvent, type SessionCounters } from '../event/event.js';
import { EVENT_COLUMNS, EVENT_VALUES, pushRowValues } from '../event/event-forms.js';
import { INSERT_SESSION, sessionRow, type SessionStart, type SessionUpdate } from '../store/session-row.js';
import { appendLedgerEntry, saveCheckpoint, writeLedgerHead } from '../store/ledger-queries.js';
import { rememberDeviceKey } from '../store/sync-queries.js';
import type { DeviceSigner } from '../event/device-signature.js';
import type { LedgerHead } from '../event/ledger.js';
import type { ArenaEvent } from './event-arena.js';

// Small enough that one transaction holds the write lock for milliseconds, well inside the
// other mcprec processes' busy timeout; large enough that commits stay a small share.
// Not larger when behind: the writer runs at low priority (record-writer-worker.ts), and a
// descheduled writer holding the lock stalls every other mcprec process on the store. With
// 1024-event transactions the 8-session recording bench on a loaded 2-core machine had
// writers waiting past the lock timeout (and refusing requests); with 256 it did not.
const MAX_BATCH_EVENTS = 256;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;
// Rows per INSERT statement: one run() per row cost as much as binding its values.
const ROWS_PER_INSERT = 16;
// Acknowledged events are dropped from the front of the queue in bulk.
const COMPACT_AFTER_EVENTS = 4096;
const EMPTY = Buffer.alloc(0);

/** A recorded event in the writer's queue; its chain link is '' until it is hashed. */
interface QueuedEvent extends ChainEvent {
	/** Set while a large payload's bytes are still arriving (`payload` is empty until then). */
	stream: PayloadStream | undefined;
	/** A large payload, deflated piece by piece as it arrived. */
	deflated: Buffer | undefined;
}

/**
 * Events not yet taken into the writer's queue, in seq order: read only when a transaction
 * is about to write them, so a writer far behind keeps ranges of shared memory, not one
 * object per event (event-arena.ts).
 */
export interface EventSource {
	remaining: number;
	/** The next event; `payload` undefined when it follows in pieces (addPiece). */
	next(): ArenaEvent;
}

// A large payload is hashed and deflated as its pieces arrive, so it is never held whole
// here: each piece is deflated with a sync flush, and the byte-aligned outputs laid end to
// end are one raw deflate stream (the last piece finishes it).
interface PayloadStream {
	hash: Hash | undefined;
	output: Buffer;
	written: number;
}

export interface RecordWriterOptions {
	sessionId: string;
	store: OpenStoreOptions;
	/** How long events may wait on a busy store before the store counts as failing. */
	lockTimeoutMs: number;
	/** Told after commits: every event up to this seq is in the store. */
	onAcknowledge: (committedSeq: number) => void;
	onHealthChange: (healthy: boolean, reason?: string) => void;
	/** Signs checkpoints and ledger entries; without one they are written unsigned (verify says so). */
	signer?: DeviceSigner;
	/** Times the commits and the waits on a busy store; the Recorder's own on its thread, else the system's. */
	clock?: Clock;
	/**
	 * Writes one transaction per turn of the event loop, so a writer on the forwarding thread
	 * (writer-link.ts) lets messages through between its transactions; a worker thread
	 * writes everything queued at once. The final flush at close writes everything either way.
	 */
	oneBatchPerTurn?: boolean;
	/**
	 * On the forwarding thread SQLite's own busy wait would block forwarding, so the store
	 * is opened with no busy wait and a locked store is tried again after this many
	 * milliseconds (jittered) while other writers are seen committing: concurrent mcprec
	 * sessions take turns instead of backing off until one of them gives up.
	 */
	busyPollMs?: number;
}

// What the ledger and checkpoint hold once the current transaction commits.
interface SignedState {
	checkpointed: number;
	opened: boolean;
	closed: boolean;
	signerKept: boolean;
}

// A transaction's signing: the state once it commits, and the newest signed ledger entry it
// wrote (for the head file), if any.
interface Signing {
	state: SignedState;
	head: LedgerHead | undefined;
}

export class RecordWriter {
	// Not yet committed, in seq order, from index `queueHead` on.
	private readonly queue: QueuedEvent[] = [];
	private queueHead = 0;
	// Events after the queue, not read yet; `unread` counts them.
	private readonly sources: { source: EventSource; seq: number }[] = [];
	private unread = 0;
	/** Queued events whose payload is still arriving in pieces, in seq order. */
	private readonly streaming: QueuedEvent[] = [];
	private readonly clock: Clock;
	private readonly hasher = new ChainHasher();
	private session: SessionStart | undefined;
	private lastHash: string;
	private committedSeq = -1;
	private acknowledgedSeq = -1;
	private counters: SessionCounters = emptyCounters();
	private readonly update: SessionUpdate = {};
	private updatePending = false;
	private database: StoreDatabase | undefined;
	private statements:
		| {
				insertSession: Statement;
				insertEvent: Statement;
				insertEvents: Statement;
				updateSession: Statement;
				writeBatch: Transaction<(start: number, end: number) => Signing>;
		  }
		| undefined;
	private sessionInserted = false;
	private flushImmediate: NodeJS.Immediate | undefined;
	private retryTimer: NodeJS.Timeout | undefined;
	private retryDelayMs = 25;
	private healthy = true;
	private failure: string | undefined;
	private lastFailureTransient = true;
	private lastCommitUs = 0;
	private lastFailureUs = 0;
	private signer: DeviceSigner | undefined;
	// The hash of the last committed event (the head a checkpoint signs).
	private committedHash: string;
	private closing = false;
	private signed: SignedState = { checkpointed: -1, opened: false, closed: false, signerKept: false };
	// The store's files as this writer found them; a change outside SQLite stops the writes.
	private readonly files: StoreFileWatch;
	private damage: string | undefined;

	constructor(private readonly options: RecordWriterOptions) {
		this.clock = options.clock ?? systemClock();
		this.lastHash = genesisHash(options.sessionId);
		this.committedHash = this.lastHash;
		this.signer = options.signer;
		this.files = new StoreFileWatch(options.store.file);
	}

	/** The device key, when it arrives after the session started: the next commit signs. */
	setSigner(signer: DeviceSigner): void {
		this.signer = signer;
		this.scheduleFlush();
	}

	/** Opens the store ahead of the session row, while the caller still prepares the session. */
	warmUp(): void {
		try {
			this.ensureDatabase();
		} catch {
			// start() tries again and reports what it finds.
		}
	}

	/** Writes the session row (and anything queued); false when the store refused it. */
	start(session: SessionStart): boolean {
		this.session = session;
		return this.flushNow();
	}

	/**
	 * Events in seq order, the first of them numbered `firstSeq`; one without a payload
	 * waits for its pieces (addPiece).
	 */
	add(source: EventSource, firstSeq: number, counters: SessionCounters, update: SessionUpdate | undefined): void {
		if (source.remaining > 0) {
			this.sources.push({ source, seq: firstSeq });
			this.unread += source.remaining;
		}
		this.takeFacts(counters, update);
		this.scheduleFlush();
	}

	// Takes events from the sources until the queue holds `wanted` from its head on.
	private read(wanted: number): void {
		while (this.unread > 0 && this.queue.length - this.queueHead < wanted) {
			const entry = this.sources[0];
			const read = entry.source.next();
			if (entry.source.remaining === 0) this.sources.shift();
			this.unread--;
			const payload = read.payload;
			const event: QueuedEvent = {
				seq: entry.seq++,
				ts: read.ts,
				origin: read.origin,
				target: read.target,
				kind: read.kind,
				method: read.method,
				rpcId: read.rpcId,
				tool: read.tool,
				size: read.size,
				latencyUs: read.latencyUs,
				payload: payload ?? EMPTY,
				prevHash: '',
				hash: '',
				stream: undefined,
				deflated: undefined,
			};
			if (payload === undefined) {
				// Sized for incompressible bytes: stored blocks cost 5 bytes per 64 KiB, a flush 5.
				event.stream = { hash: undefined, output: Buffer.allocUnsafeSlow(event.size + (event.size >>> 10) + 1024), written: 0 };
				this.streaming.push(event);
			}
			this.queue.push(event);
		}
	}

	/** The next piece of the oldest large payload still arriving. */
	addPiece(seq: number, piece: Buffer, last: boolean): void {
		// Its event came in an earlier batch; read up to it. Large payloads are rare, so the
		// events read ahead of a transaction here are few.
		while (this.streaming.length === 0 && this.unread > 0) this.read(this.queue.length - this.queueHead + 1);
		const event = this.streaming[0];
		if (event?.seq !== seq) throw new Error(`record writer: a payload piece for seq ${seq} arrived, expected ${event?.seq ?? 'none'}`);
		const stream = event.stream!;
		if (!stream.hash) {
			// Everything before it is here and whole: hash up to it, then start its own hash.
			for (let index = this.queueHead; this.queue[index] !== event; index++) {
				if (this.queue[index].hash === '') this.hashEvent(this.queue[index]);
			}
			event.prevHash = this.lastHash;
			stream.hash = startEventHash(this.options.sessionId, this.lastHash, event);
		}
		stream.hash.update(piece);
		// node:zlib on first use, as in payload-encoding.ts.
		const { constants, deflateRawSync } = process.getBuiltinModule('node:zlib');
		const deflated = deflateRawSync(piece, { level: 1, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH });
		if (stream.written + deflated.length > stream.output.length) {
			const grown = Buffer.allocUnsafeSlow((stream.written + deflated.length) * 2);
			stream.output.copy(grown, 0, 0, stream.written);
			stream.output = grown;
		}
		stream.written += deflated.copy(stream.output, stream.written);
		if (!last) return;
		event.hash = stream.hash.digest('hex');
		this.lastHash = event.hash;
		event.deflated = stream.output.subarray(0, stream.written);
		event.stream = undefined;
		this.streaming.shift();
		this.scheduleFlush();
	}

	private takeFacts(counters: SessionCounters, update: SessionUpdate | undefined): void {
		this.counters = counters;
		if (update) {
			Object.assign(this.update, update);
			this.updatePending = true;
		}
	}

	private scheduleFlush(): void {
		if (this.flushImmediate || this.retryTimer || !this.session) return;
		// setImmediate lets batches that arrived together share one transaction.
		this.flushImmediate = setImmediate(() => {
			this.flushImmediate = undefined;
			this.flushNow();
		});
	}

	/** Writes what is queued; on failure keeps it and retries with back-off. */
	private flushNow(): boolean {
		if (!this.session) return false;
		let ok = true;
		try {
			// A damaged store stays failed even with nothing to write: health must not flip back.
			if (this.damage) throw new StoreDamagedError(this.damage);
			const due = () => this.writable() || !this.sessionInserted || this.updatePending || this.unsigned();
			if (this.options.oneBatchPerTurn && !this.closing) {
				if (due()) this.writeBatch();
				if (due()) this.scheduleFlush();
			} else {
				while (due()) this.writeBatch();
			}
		} catch (error) {
			ok = false;
			this.onWriteFailure(error);
		}
		if (ok) this.onWriteSuccess();
		return ok;
	}

	/** Final flush at the end of a session: retries synchronously until the lock timeout. */
	close(counters: SessionCounters, update: SessionUpdate | undefined): { ok: boolean; committedSeq: number; reason?: string } {
		this.takeFacts(counters, update);
		this.closing = true;
		clearImmediate(this.flushImmediate);
		this.flushImmediate = undefined;
		clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		let deadline = Date.now() + this.options.lockTimeoutMs;
		let ok = this.flushNow();
		// Waiting helps only with a lock; a full disk or read-only file gets one more try.
		// The timeout counts from the last progress: a backlog that drains between other
		// writers' transactions is a busy store, not a locked one.
		let backlog = this.queued();
		while (!ok && this.lastFailureTransient && Date.now() < deadline) {
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
			ok = this.flushNow();
			if (this.queued() < backlog) deadline = Date.now() + this.options.lockTimeoutMs;
			backlog = this.queued();
		}
		clearTimeout(this.retryTimer);
		this.retryTimer = undefined;
		try {
			this.database?.close();
		} catch {
			// Closing a broken handle has nothing left to tell.
		}
		this.database = undefined;
		if (ok && this.queued() > 0) return { ok: false, committedSeq: this.committedSeq, reason: 'the session ended before a large payload reached the recording writer' };
		return { ok, committedSeq: this.committedSeq, reason: this.failure };
	}

	// Something the ledger or the checkpoint still lacks: a signer that has not signed the
	// committed head yet, or, at close with everything written, the closing entry.
	private unsigned(): boolean {
		if (!this.sessionInserted) return false;
		if (this.signer && this.signed.checkpointed !== this.committedSeq + 1) return true;
		return this.closing && !this.signed.closed && this.queued() === 0;
	}

	private queued(): number {
		return this.queue.length - this.queueHead + this.unread;
	}

	private writable(): boolean {
		this.read(1);
		return this.queued() > 0 && this.queue[this.queueHead].stream === undefined;
	}

	private acknowledge(): void {
		if (this.committedSeq === this.acknowledgedSeq) return;
		this.acknowledgedSeq = this.committedSeq;
		this.options.onAcknowledge(this.committedSeq);
	}

	private writeBatch(): void {
		// Nothing more goes into a store whose files were swapped or cut under it.
		// Checked before and after every commit: a log cut short before a commit may have grown
		// past its old size again after it.
		if (this.database) this.damage ??= this.files.check();
		if (this.damage) throw new StoreDamagedError(this.damage);
		this.ensureDatabase();
		this.read(MAX_BATCH_EVENTS);
		const queue = this.queue;
		const start = this.queueHead;
		const limit = start + MAX_BATCH_EVENTS;
		let end = start;
		let bytes = 0;
		while (end < queue.length && end < limit && bytes < MAX_BATCH_BYTES) {
			const event = queue[end];
			if (event.stream) break;
			if (event.hash === '') this.hashEvent(event);
			bytes += event.size;
			end++;
		}
		const signed = this.statements!.writeBatch.immediate(start, end);
		// A store replaced or truncated is known within one batch.
		this.damage = this.files.check();
		if (this.damage) throw new StoreDamagedError(this.damage);
		this.sessionInserted = true;
		this.updatePending = false;
		this.lastCommitUs = this.clock.nowMicros();
		if (signed.head) writeLedgerHead(this.options.store.file, signed.head);
		this.signed = signed.state;
		if (end === start) return;
		this.committedSeq = queue[end - 1].seq;
		this.committedHash = queue[end - 1].hash;
		queue.fill(undefined as unknown as QueuedEvent, start, end);
		this.queueHead = end;
		if (end >= COMPACT_AFTER_EVENTS && end * 2 >= queue.length) {
			queue.splice(0, end);
			this.queueHead = 0;
		}
		// Told per commit, so a long catch-up frees the Recorder's memory as it goes.
		this.acknowledge();
	}

	private hashEvent(event: QueuedEvent): void {
		event.prevHash = this.lastHash;
		event.hash = this.hasher.hashEvent(this.options.sessionId, this.lastHash, event, event.payload);
		this.lastHash = event.hash;
	}

	private sessionFields(last: QueuedEvent | undefined): Record<string, unknown> {
		const lastSeq = last ? last.seq : -1;
		const head = last?.hash;
		const { counters, update } = this;
		return {
			id: this.options.sessionId,
			messages: counters.messages,
			requests: counters.requests,
			errors: counters.errors,
			toolErrors: counters.toolErrors,
			blocked: counters.blocked,
			denied: counters.denied,
			masked: counters.masked,
			approvals: counters.approvals,
			bytes: counters.bytes,
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
		// The main thread has already opened it and reported its permissions.
		const database = openStore({ ...this.options.store, warnPermissions: false, recover: false });
		const insertSession = database.prepare(INSERT_SESSION);
		// The session id is the same on every row: written into the statement, it is not
		// converted and bound again per row. It is our own UUIDv7, quoted all the same.
		const rowValues = `('${this.options.sessionId.replaceAll("'", "''")}', ${Array(EVENT_VALUES).fill('?').join(', ')})`;
		const insertEvent = database.prepare(`${INSERT_EVENT} ${rowValues}`);
		const insertEvents = database.prepare(`${INSERT_EVENT} ${Array(ROWS_PER_INSERT).fill(rowValues).join(', ')}`);
		const updateSession = database.prepare(UPDATE_SESSION);
		const values: unknown[] = [];
		// Built once per handle: better-sqlite3 makes a new wrapper on every transaction() call.
		// Values go in as arguments, not as one array: better-sqlite3 reads an array element by
		// element through the V8 API, which cost more than SQLite's insert.
		const writeBatch = database.transaction((start: number, end: number): Signing => {
			if (!this.sessionInserted) insertSession.run(sessionRow(this.session!));
			const queue = this.queue;
			let index = start;
			for (; index + ROWS_PER_INSERT <= end; index += ROWS_PER_INSERT) {
				values.length = 0;
				for (let row = index; row < index + ROWS_PER_INSERT; row++) pushEventRow(values, queue[row]);
				insertEvents.run(...values);
			}
			for (; index < end; index++) {
				values.length = 0;
				pushEventRow(values, queue[index]);
				insertEvent.run(...values);
			}
			updateSession.run(this.sessionFields(end > start ? queue[end - 1] : undefined));
			return this.sign(database, end > start ? queue[end - 1] : undefined, end === queue.length && this.unread === 0);
		});
		this.statements = { insertSession, insertEvent, insertEvents, updateSession, writeBatch };
		this.database = database;
		return database;
	}

	// Inside the transaction: the checkpoint over the head it commits, and the ledger entries
	// due. The state returned takes effect only if the transaction commits.
	private sign(database: StoreDatabase, last: QueuedEvent | undefined, drained: boolean): Signing {
		const state = { ...this.signed };
		let head: LedgerHead | undefined;
		const sessionId = this.options.sessionId;
		const signer = this.signer;
		const ts = this.clock.nowMicros();
		if (signer && !state.signerKept) {
			rememberDeviceKey(database, signer.deviceId, signer.publicKey);
			state.signerKept = true;
		}
		if (!state.opened) {
			head = appendLedgerEntry(database, { ts, kind: 'open', sessionId }, signer) ?? head;
			state.opened = true;
		}
		const eventCount = last ? last.seq + 1 : this.committedSeq + 1;
		const headHash = last ? last.hash : this.committedHash;
		if (signer && state.checkpointed !== eventCount) {
			saveCheckpoint(database, { sessionId, eventCount, headHash }, signer);
			state.checkpointed = eventCount;
		}
		if (this.closing && drained && !state.closed) {
			const endReason = this.update.endReason ?? null;
			head = appendLedgerEntry(database, { ts, kind: 'close', sessionId, eventCount, headHash, endReason }, signer) ?? head;
			state.closed = true;
		}
		return { state, head };
	}

	private lastDataVersion: number | undefined;

	// A short, jittered retry while the store is busy with other writers' commits (or this
	// writer's own commits got through since the last failure); undefined to back off.
	private busyPoll(transient: boolean, progressed: boolean): number | undefined {
		const poll = this.options.busyPollMs;
		if (poll === undefined || !transient || !this.database) return undefined;
		let version: number | undefined;
		try {
			version = this.database.pragma('data_version', { simple: true }) as number;
		} catch {
			return undefined;
		}
		const othersCommitted = this.lastDataVersion !== undefined && version !== this.lastDataVersion;
		this.lastDataVersion = version;
		return othersCommitted || progressed ? poll + Math.random() * poll : undefined;
	}

	// When the current run of failures began (reset by a commit).
	private failingSinceUs: number | undefined;

	private onWriteSuccess(): void {
		this.retryDelayMs = 25;
		this.failingSinceUs = undefined;
		if (!this.healthy) {
			this.healthy = true;
			this.failure = undefined;
			this.options.onHealthChange(true);
		}
	}

	private onWriteFailure(error: unknown): void {
		const { reason, transient } = describeStoreFailure(error);
		this.lastFailureTransient = transient;
		this.read(1);
		const oldest = this.queue[this.queueHead];
		const now = this.clock.nowMicros();
		// Waiting counts from the first failure since the last commit: a store that other mcprec
		// processes keep busy but that still takes our batches is slow, not locked; and time the
		// events spent before the writer first tried them (the Recorder waits for a quiet moment)
		// is no wait on the store.
		const progressed = this.lastCommitUs > this.lastFailureUs;
		if (progressed || this.failingSinceUs === undefined) this.failingSinceUs = now;
		const waitedMs = oldest ? (now - this.failingSinceUs) / 1000 : 0;
		this.lastFailureUs = now;
		if (!transient) {
			// A handle that failed for a lasting reason is reopened on the next try.
			try {
				this.database?.close();
			} catch {
				// ignore: the handle is being replaced
			}
			this.database = undefined;
			this.files.reset();
		}
		if ((!transient || waitedMs >= this.options.lockTimeoutMs) && this.healthy) {
			this.healthy = false;
			this.failure = reason;
			this.options.onHealthChange(false, reason);
		}
		// Retrying cannot mend files changed under SQLite; the journal keeps the rest.
		if (error instanceof StoreDamagedError) return;
		this.retryDelayMs = this.busyPoll(transient, progressed) ?? (progressed ? 25 : Math.min(this.retryDelayMs * 2, 1000));
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			this.flushNow();
		}, this.retryDelayMs);
	}
}

// The payload as stored: a large one was deflated as it arrived, the rest by the common rule.
function pushEventRow(values: unknown[], event: QueuedEvent): void {
	if (event.deflated) pushRowValues(values, event, event.deflated, 'deflate-raw');
	else {
		const { payload, encoding } = encodePayload(event.payload);
		pushRowValues(values, event, payload, encoding);
	}
}

const INSERT_EVENT = `INSERT INTO events (${EVENT_COLUMNS}) VALUES`;

const UPDATE_SESSION = `UPDATE sessions SET
  messages = @messages, requests = @requests, errors = @errors, tool_errors = @toolErrors, blocked = @blocked, denied = @denied, masked = @masked,
  approvals = @approvals, bytes = @bytes,
  event_count = coalesce(@eventCount, event_count), head_hash = coalesce(@headHash, head_hash),
  client_name = coalesce(@clientName, client_name), client_version = coalesce(@clientVersion, client_version),
  protocol_version = coalesce(@protocolVersion, protocol_version),
  ended_at = coalesce(@endedAt, ended_at), end_reason = coalesce(@endReason, end_reason),
  exit_code = coalesce(@exitCode, exit_code), exit_signal = coalesce(@exitSignal, exit_signal)
  WHERE id = @id`;
