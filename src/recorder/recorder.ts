// Records session events without slowing the forwarding path: record() only stamps the
// event and writes it into an arena (event-arena.ts); hashing, compression and SQLite
// writes are the record writer's (record-writer.ts), done when the session is quiet on
// this thread, or in a worker thread with MCPREC_RECORD_WRITER=thread (writer-link.ts).
// Events stay in memory until the writer says a transaction holding them committed, so a
// store that is locked or failing loses nothing while the process lives; the proxy asks
// `healthy` before it forwards new requests (record or refuse, DESIGN §3 / policy
// record.onError).

import type { OpenStoreOptions } from '../store/open-store.js';
import type { Clock } from '../time/clock.js';
import { countEvent, emptyCounters, type SessionCounters, type SessionEvent } from '../event/event.js';
import type { CommitWatch, EventSink, RecordedCounters, RecordingBacklog, RecordingHealth } from '../event/event-sink.js';
import { toSpillLine } from '../event/event-forms.js';
import { INSERT_SESSION, sessionRow, type SessionStart, type SessionUpdate } from '../store/session-row.js';
import { EventArena } from './event-arena.js';
import { InThreadWriter, type WriterLink } from './writer-link.js';
import type { DeviceSigner } from '../event/device-signature.js';
import { LARGE_PAYLOAD_BYTES, packPiece, type FromWriter, type SignerData, type ToWriter, type WriterData } from './writer-messages.js';

// When events go to the writer. The writer runs on this thread by default (writer-link.ts),
// so its work - hashing, SQLite, signing - is done when the session is quiet: once
// QUIET_MS pass without a new event, and at least every MAX_DEFER_MS while it stays busy.
// Nothing waits on it: the write-ahead journal already holds every event (DESIGN §3), and
// a backlog past the watermarks goes at once. On a worker thread (MCPREC_RECORD_WRITER=
// thread) events wait FLUSH_DELAY_MS for company instead: each hand-over wakes the thread
// for a commit of its own, and a commit costs far more than the events in it when they are
// few (5 ms batches cost the writer ~40 µs of CPU per event, 20 ms batches ~30); a full
// window of FLUSH_AT_EVENTS goes at once.
const QUIET_MS = 20;
const MAX_DEFER_MS = 1000;
const FLUSH_DELAY_MS = 20;
const FLUSH_AT_EVENTS = 1024;
// How long after the session starts the writer may start (see startWriter).
const WRITER_START_DELAY_MS = 200;
// Pieces of a large payload on their way to the writer at once: enough to keep it busy,
// few enough that a 64 MiB payload never has a second whole copy.
const PIECES_IN_FLIGHT = 2;
// Back-pressure (DESIGN §8, bounded memory): past the high watermark the proxy stops
// reading until the writer has caught up to the low one. Each unacknowledged event costs
// its payload and ~0.1 KiB of fields in the shared arena, which the writer reads in place,
// so the high marks bound the backlog near 32 MiB + 256k × 0.1 KiB ≈ 60 MiB. 256k events
// let a burst of 100k pipelined requests (200k messages) through a writer that runs at
// low priority without pausing; a flood longer than that runs at the writer's pace.
// The low marks are half the high ones, so reading resumes for a worthwhile stretch.
const DEFAULT_WATERMARKS: Watermarks = { highBytes: 32 * 1024 * 1024, highEvents: 256 * 1024, lowBytes: 16 * 1024 * 1024, lowEvents: 128 * 1024 };
/** Marks for a backlog of at most `megabytes` of payload (MCPREC_RECORD_BACKLOG_MB), events as by default. */
export function backlogWatermarks(megabytes: number): Watermarks {
	const bytes = Math.round(megabytes * 1024 * 1024);
	return { ...DEFAULT_WATERMARKS, highBytes: bytes, lowBytes: Math.floor(bytes / 2) };
}

/** Backlog limits of a Recorder: congested at or above either high mark, relieved at or below both low marks. */
export interface Watermarks {
	highBytes: number;
	highEvents: number;
	lowBytes: number;
	lowEvents: number;
}

export interface RecorderOptions {
	session: SessionStart;
	/** Opened by the writer thread; a short busy timeout, the writer retries with back-off. */
	store: OpenStoreOptions;
	clock: Clock;
	/** How long events may wait on a busy store before the store counts as failing. */
	lockTimeoutMs?: number;
	/** Told when the store starts or stops accepting writes. */
	onHealthChange?: (healthy: boolean, reason?: string) => void;
	/** The device key for sessions of dead processes that opening the store recovers (open-store.ts). */
	recoverySigner?: () => DeviceSigner | undefined;
	/** Backlog limits for `congested`; tests make them small. */
	watermarks?: Watermarks;
}

export interface RecorderCloseResult {
	ok: boolean;
	unrecorded: number;
	reason?: string;
}

/** The session's row in the store: written before the first request, facts added as they are learned, closed last. */
export interface SessionRecording {
	readonly sessionId: string;
	/** Resolves once the store took the row or refused it (then RecordingHealth says so). */
	open(): Promise<void>;
	/** Session facts to write with the next batch. */
	updateSession(update: SessionUpdate): void;
	/** The device key that signs checkpoints and ledger entries, once it is known. */
	signWith(signer: SignerData): void;
	/** Final flush at the end of a session. */
	close(): Promise<RecorderCloseResult>;
}

/** The events no store took, for a spill file once the session is closed. */
export interface UnrecordedEvents {
	readonly sessionId: string;
	/** As NDJSON, one spill line each (event-forms.ts toSpillLine). */
	unrecordedAsNdjson(): string;
}

/**
 * The recording of one session: every part of it the session's other parts see (an event
 * sink for the proxy; health, backlog and commits; the session row; the spill), each an
 * interface of its own so that each user depends on what it uses.
 */
export class Recorder implements EventSink, RecordingHealth, RecordingBacklog, CommitWatch, RecordedCounters, SessionRecording, UnrecordedEvents {
	// Follow from the events recorded (their kind, size and `counts`); nobody else changes them.
	private readonly counters: SessionCounters = emptyCounters();
	// Recorded and not yet committed: seqs from `uncommitted` on, in the arena; those from
	// `unsent` on are not yet with the writer.
	private readonly arena = new EventArena();
	private uncommitted = 0;
	private unsent = 0;
	// Large payloads by seq, until committed: the arena keeps only their fields.
	private readonly largePayloads = new Map<number, Buffer>();
	private backlogBytesCount = 0;
	private congestedState = false;
	private readonly watermarks: Watermarks;
	private readonly reliefListeners = new Set<() => void>();
	// Sent events whose large payload still goes out in pieces, oldest first.
	private readonly streams: { event: { seq: number; payload: Buffer }; offset: number }[] = [];
	private piecesInFlight = 0;
	private spareBuffers: ArrayBuffer[] = [];
	private closeRequested = false;
	private nextSeq = 0;
	private update: SessionUpdate | undefined;
	private flushTimer: NodeJS.Timeout | undefined;
	private flushImmediate: NodeJS.Immediate | undefined;
	private readonly flushBound = () => this.flush();
	private writerGone = false;
	private healthyState = true;
	private failure: string | undefined;
	private whenOpened: { promise: Promise<void>; resolve: () => void } | undefined;
	private whenClosed: { promise: Promise<RecorderCloseResult>; resolve: (result: RecorderCloseResult) => void } | undefined;

	constructor(private readonly options: RecorderOptions) {
		this.watermarks = options.watermarks ?? DEFAULT_WATERMARKS;
		this.writerDueAt = performance.now() + WRITER_START_DELAY_MS;
	}

	// The writer starts when the first batch is due, not with the session: on two cores its
	// store connection and first statements would compete with the server's boot and the
	// first exchange (DESIGN §8, startup). open() needs no writer.
	private writer: WriterLink | undefined;
	private readonly writerDueAt: number;

	private get worker(): WriterLink {
		return this.writer ?? this.startWriter();
	}

	private startWriter(): WriterLink {
		const data: WriterData = { sessionId: this.options.session.id, store: this.options.store, lockTimeoutMs: this.options.lockTimeoutMs ?? 5000, signer: this.signer };
		const worker: WriterLink = this.threaded ? writerThread(data) : new InThreadWriter(data, this.options.clock);
		this.writer = worker;
		// Only close() waits on the writer; otherwise it must not keep the process alive.
		worker.unref();
		worker.on('message', (message: FromWriter) => this.onWriterMessage(message));
		worker.on('error', (error) => this.onWriterGone(`the recording writer failed: ${error.message}`));
		worker.on('exit', (code) => this.onWriterGone(`the recording writer stopped (exit code ${code})`));
		// First, before any events: the writer needs the session to write its row.
		worker.postMessage({ type: 'open', session: this.options.session } satisfies ToWriter);
		return worker;
	}

	private signer: SignerData | undefined;

	/**
	 * The device key that signs the session's checkpoints and ledger entries (README "The
	 * store ledger"). Given once, when the credential store has been read; commits made
	 * before it are signed by the next one.
	 */
	signWith(signer: SignerData): void {
		this.signer = signer;
		this.writer?.postMessage({ type: 'signer', ...signer } satisfies ToWriter);
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
		return this.nextSeq - this.uncommitted;
	}

	/** Payload bytes of the events recorded but not yet committed. */
	get backlogBytes(): number {
		return this.backlogBytesCount;
	}

	/**
	 * True once the backlog reached a high watermark (32 MiB of payloads or 256k events),
	 * until the writer brought it down to the low ones (16 MiB and 128k events); then every
	 * onRelief listener runs. While congested the proxy should stop reading new messages:
	 * record() still takes everything (one event larger than the watermark too), so nothing
	 * already read is lost. False again, with relief, if the writer stops for good: nothing
	 * would drain, and `healthy` tells the proxy what to do then.
	 */
	get congested(): boolean {
		return this.congestedState;
	}

	/** The seq of the last event committed to the store (-1 before the first). */
	get committedThrough(): number {
		return this.uncommitted - 1;
	}

	/** The seq of the last event recorded (-1 before the first). */
	get recordedThrough(): number {
		return this.nextSeq - 1;
	}

	/** The session's counters over every event recorded so far. */
	countersSoFar(): SessionCounters {
		return { ...this.counters };
	}

	/** Runs `listener` after each commit that moved `committedThrough`; returns a function that removes it. */
	onCommitted(listener: () => void): () => void {
		this.commitListeners.add(listener);
		return () => this.commitListeners.delete(listener);
	}

	private readonly commitListeners = new Set<() => void>();

	/** Runs `listener` each time `congested` turns false; returns a function that removes it. */
	onRelief(listener: () => void): () => void {
		this.reliefListeners.add(listener);
		return () => this.reliefListeners.delete(listener);
	}

	/**
	 * Writes the session row. Resolves once the store took it or refused it, so a store that
	 * cannot be written is known (`healthy`) before the first client request is read.
	 */
	open(): Promise<void> {
		if (this.whenOpened) return this.whenOpened.promise;
		let resolve!: () => void;
		const promise = new Promise<void>((done) => (resolve = done));
		this.whenOpened = { promise, resolve };
		if (this.writerGone) resolve();
		else void this.writeSessionRow().then(resolve);
		return promise;
	}

	// The writer thread is not running yet when the session starts: this thread writes the
	// row itself, so the first request waits for one insert, not for a thread to boot. The
	// writer inserts it again with its first batch (ignored when present) and reports the
	// store's health from then on.
	private rowConnection: { close(): unknown } | undefined;

	private closeRowConnection(): void {
		this.rowConnection?.close();
		this.rowConnection = undefined;
	}

	private async writeSessionRow(): Promise<void> {
		try {
			const [{ openStore }, { describeStoreFailure }] = await Promise.all([import('../store/open-store.js'), import('../store/describe-store-failure.js')]);
			try {
				const database = openStore({ file: this.options.store.file, busyTimeoutMs: this.options.lockTimeoutMs ?? 5000, signer: this.options.recoverySigner });
				// Open until the writer has its own connection: closing the last one would remove
				// the WAL files, which the writer could then fail to create on a full disk.
				this.rowConnection = database;
				database.prepare(INSERT_SESSION).run(sessionRow(this.options.session));
			} catch (error) {
				this.setHealth(false, describeStoreFailure(error).reason);
			}
		} catch (error) {
			this.setHealth(false, `the store could not be opened: ${(error as Error).message}`);
		}
	}

	/** Keeps an event for the writer and returns its seq. Never throws, never blocks on the store. */
	record(event: SessionEvent): number {
		const seq = this.nextSeq++;
		const payload = event.payload;
		this.backlogBytesCount += payload.length;
		const large = payload.length >= LARGE_PAYLOAD_BYTES;
		if (large) this.largePayloads.set(seq, payload);
		// Every field spelled out, no spread: one object shape for all events keeps this hot path cheap.
		this.arena.append({
			ts: event.ts ?? this.options.clock.nowMicros(),
			latencyUs: event.latencyUs ?? null,
			origin: event.origin,
			target: event.target,
			kind: event.kind,
			method: event.method ?? null,
			rpcId: event.rpcId ?? null,
			tool: event.tool ?? null,
			size: payload.length,
			payload: large ? undefined : payload,
		});
		countEvent(this.counters, event);
		if (!this.congestedState && !this.writerGone) {
			const { highBytes, highEvents } = this.watermarks;
			if (this.backlogBytesCount >= highBytes || this.nextSeq - this.uncommitted >= highEvents) this.congestedState = true;
		}
		this.scheduleFlush();
		return seq;
	}

	/** Session facts to write with the next batch. */
	updateSession(update: SessionUpdate): void {
		this.update = Object.assign(this.update ?? {}, update);
		this.scheduleFlush();
	}

	/** Final flush at the end of a session: the writer retries until the lock timeout, then stops. */
	close(): Promise<RecorderCloseResult> {
		if (this.whenClosed) return this.whenClosed.promise;
		let resolve!: (result: RecorderCloseResult) => void;
		const promise = new Promise<RecorderCloseResult>((done) => (resolve = done));
		this.whenClosed = { promise, resolve };
		if (this.writerGone) this.settleClose(false);
		else {
			this.worker.ref();
			this.flush();
			this.closeRequested = true;
			this.sendPieces();
		}
		return promise;
	}

	/** The events no store accepted, as NDJSON (payload base64), so a spill file can keep them. */
	unrecordedAsNdjson(): string {
		const lines: string[] = [];
		let seq = this.uncommitted;
		for (const event of this.arena.unreleased()) {
			lines.push(toSpillLine(this.options.session.id, seq, event, event.payload ?? this.largePayloads.get(seq)!));
			seq++;
		}
		return lines.join('\n');
	}

	private scheduleFlush(): void {
		if (this.flushImmediate || this.writerGone) return;
		if (this.congestedState || (this.threaded && this.nextSeq - this.unsent >= FLUSH_AT_EVENTS)) {
			clearTimeout(this.flushTimer);
			this.flushTimer = undefined;
			this.flushImmediate = setImmediate(this.flushBound);
		} else if (!this.flushTimer) {
			this.waitingSince ??= performance.now();
			this.seqAtTimer = this.nextSeq;
			this.flushTimer = setTimeout(this.flushBound, this.threaded ? FLUSH_DELAY_MS : QUIET_MS);
		}
	}

	// The writer thread of MCPREC_RECORD_WRITER=thread, or the writer on this thread (the default).
	private readonly threaded = process.env.MCPREC_RECORD_WRITER === 'thread';
	// When the oldest event not yet handed over arrived, and how many events there were when the flush timer was set.
	private waitingSince: number | undefined;
	private seqAtTimer = 0;

	// Hands every event not yet sent to the writer in one message: where they are in the
	// shared memory, not the events.
	private flush(): void {
		clearTimeout(this.flushTimer);
		clearImmediate(this.flushImmediate);
		this.flushTimer = undefined;
		this.flushImmediate = undefined;
		if (this.writerGone) return;
		const end = this.nextSeq;
		if (this.unsent === end && !this.update) return;
		const now = performance.now();
		const urgent = this.whenClosed !== undefined || this.congestedState;
		// Still busy (events arrived since the timer was set): wait for a quiet moment, within bounds.
		if (!urgent && !this.threaded && end !== this.seqAtTimer && now - (this.waitingSince ?? now) < MAX_DEFER_MS) {
			this.seqAtTimer = end;
			this.flushTimer = setTimeout(this.flushBound, QUIET_MS);
			return;
		}
		const wait = this.writerDueAt - now;
		if (this.writer === undefined && wait > 0 && !urgent && (!this.threaded || end - this.unsent < FLUSH_AT_EVENTS)) {
			this.flushTimer = setTimeout(this.flushBound, wait);
			return;
		}
		this.waitingSince = undefined;
		this.post({ type: 'events', firstSeq: this.unsent, ranges: this.arena.takeUnsent(), counters: { ...this.counters }, update: this.takeUpdate() });
		for (const [seq, payload] of this.largePayloads) {
			if (seq >= this.unsent) this.streams.push({ event: { seq, payload }, offset: 0 });
		}
		this.unsent = end;
		this.sendPieces();
	}

	// The writer answers each piece; the next one goes out then. The close message waits
	// until every piece is on its way (the writer reads its messages in order).
	private sendPieces(): void {
		if (this.writerGone) return;
		while (this.streams.length > 0 && this.piecesInFlight < PIECES_IN_FLIGHT) {
			const stream = this.streams[0];
			const { piece, transfer } = packPiece(stream.event, stream.offset, this.spareBuffers.pop());
			stream.offset += piece.length;
			if (piece.last) this.streams.shift();
			this.piecesInFlight++;
			this.worker.postMessage(piece, transfer);
		}
		if (this.closeRequested && this.streams.length === 0) {
			this.closeRequested = false;
			this.post({ type: 'close', counters: { ...this.counters }, update: this.takeUpdate() });
		}
	}

	private takeUpdate(): SessionUpdate | undefined {
		const update = this.update;
		this.update = undefined;
		return update;
	}

	private post(message: ToWriter): void {
		this.worker.postMessage(message);
	}

	private onWriterMessage(message: FromWriter): void {
		switch (message.type) {
			case 'ack':
				this.acknowledge(message.committedSeq);
				break;
			case 'piece-taken':
				this.piecesInFlight--;
				if (this.streams.length > 0) this.spareBuffers.push(message.bytes);
				this.sendPieces();
				break;
			case 'health':
				this.setHealth(message.healthy, message.reason);
				break;
			case 'opened':
				if (!this.whenClosed) this.worker.unref();
				this.closeRowConnection();
				this.whenOpened?.resolve();
				break;
			case 'closed':
				// A close that failed says nothing new about health, even if earlier batches committed.
				this.acknowledge(message.committedSeq, message.ok);
				if (!message.ok && message.reason) this.failure = message.reason;
				this.settleClose(message.ok);
				break;
		}
	}

	private acknowledge(committedSeq: number, healthy = true): void {
		// A commit means the store takes writes, whoever last saw it fail (this thread may
		// have, writing the session row, before the writer ever tried).
		if (healthy && !this.healthyState) this.setHealth(true);
		const end = Math.min(committedSeq + 1, this.unsent);
		if (end <= this.uncommitted) return;
		this.backlogBytesCount -= this.arena.release(end - this.uncommitted);
		if (this.largePayloads.size > 0) {
			for (const seq of this.largePayloads.keys()) if (seq < end) this.largePayloads.delete(seq);
		}
		this.uncommitted = end;
		if (this.congestedState) {
			const { lowBytes, lowEvents } = this.watermarks;
			if (this.backlogBytesCount <= lowBytes && this.nextSeq - this.uncommitted <= lowEvents) this.relieve();
		}
		for (const listener of this.commitListeners) listener();
	}

	private relieve(): void {
		this.congestedState = false;
		for (const listener of [...this.reliefListeners]) listener();
	}

	private setHealth(healthy: boolean, reason?: string): void {
		if (healthy === this.healthyState && reason === this.failure) return;
		this.healthyState = healthy;
		this.failure = healthy ? undefined : reason;
		this.options.onHealthChange?.(healthy, this.failure);
	}

	private onWriterGone(reason: string): void {
		if (this.writerGone) return;
		this.writerGone = true;
		// Everything not acknowledged stays here for the spill file.
		if (!this.whenClosed) this.setHealth(false, reason);
		if (this.congestedState) this.relieve();
		this.whenOpened?.resolve();
		this.settleClose(false);
	}

	private settleClose(ok: boolean): void {
		if (!this.whenClosed) return;
		this.closeRowConnection();
		if (!this.writerGone) {
			this.writerGone = true;
			void this.writer?.terminate();
		}
		const unrecorded = this.backlog;
		this.whenClosed.resolve({ ok: ok && unrecorded === 0, unrecorded, reason: this.failure });
	}
}

// MCPREC_RECORD_WRITER=thread: the writer on a worker thread. node:worker_threads is loaded
// only then; a plain session's startup does not pay for it (DESIGN §8).
function writerThread(data: WriterData): WriterLink {
	const { Worker } = process.getBuiltinModule('node:worker_threads');
	return new Worker(new URL('./record-writer-worker.js', import.meta.url), { workerData: data });
}
