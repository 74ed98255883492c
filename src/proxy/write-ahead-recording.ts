// The recording as the proxy feeds it: write-ahead (DESIGN §3). The events of the chunk
// being handled wait, in order, until the chunk is split; then they go to the recorder and
// to the journal, whose one writev leaves before the chunk's frames are written. Outside a
// chunk an event is recorded and journaled at once. The recording is healthy when both the
// store and the journal take writes; a long session's journal starts over once the store
// holds everything in it. The proxy decides what to do about health and back-pressure.

import type { SessionEvent } from '../event/event.js';
import type { CommitWatch, EventSink, RecordedCounters, RecordingBacklog, RecordingHealth } from '../event/event-sink.js';
import type { JournalInput } from '../event/journal-codec.js';
import type { Journal } from '../recorder/journal.js';
import type { SessionRecording } from '../recorder/recorder.js';
import { describeStoreFailure } from '../store/describe-store-failure.js';

/**
 * What the proxy needs of the recording: an event sink on the forwarding path; around it,
 * what decides forwarding (health, congestion), the commits and counts that let the journal
 * start over, and the session row it opens and adds facts to. The Recorder is all of these.
 */
export type ProxyRecording = EventSink & RecordingHealth & Pick<RecordingBacklog, 'congested' | 'onRelief'> & CommitWatch & RecordedCounters & Pick<SessionRecording, 'sessionId' | 'open' | 'updateSession'>;

/** An event, or work that only shapes the record (run in order with the events around it). */
export type RecordItem = SessionEvent | (() => void);

/** What it uses of the journal (recorder/journal.ts). */
export type WriteAheadJournal = Pick<Journal, 'add' | 'addUpdate' | 'flush' | 'wantsRestart' | 'lastSeq' | 'restart'>;

export interface WriteAheadRecordingOptions {
	recorder: ProxyRecording;
	/** The session's write-ahead journal; without one, events go to the recorder alone. */
	journal?: WriteAheadJournal;
	/** An event for the client was recorded under `seq` (the proxy's delivery ledger). */
	onClientEventRecorded: (seq: number) => void;
	/** The recorder is behind (congested while it takes writes): stop reading until relief. */
	onBehind: () => void;
	/** The journal stopped or started taking writes. */
	onJournalHealthChange: () => void;
}

export class WriteAheadRecording implements RecordingHealth {
	// The chunk's items, while one is being split.
	private waiting: RecordItem[] | undefined;
	private draining = false;
	private journalFailure: string | undefined;
	private journalRetry: NodeJS.Timeout | undefined;

	constructor(private readonly options: WriteAheadRecordingOptions) {}

	/** The store and the journal both take writes. */
	get healthy(): boolean {
		return this.journalFailure === undefined && this.options.recorder.healthy;
	}

	get failureReason(): string | undefined {
		return this.journalFailure ?? this.options.recorder.failureReason;
	}

	/** A chunk is being split: its items wait for drain(). */
	holdChunk(): void {
		this.waiting = [];
	}

	// Outside a chunk (a held call released, mcprec's own question on a timer) an event is
	// journaled at once: the core records before it writes, so write-ahead holds there too.
	// Nothing is forwarded that the store refused: health is checked before (record.onError).
	record(item: RecordItem): void {
		if (this.waiting !== undefined) this.waiting.push(item);
		else {
			this.recordNow(item);
			// While a chunk's records are drained, their journal entries leave together at its end.
			if (!this.draining) this.flushJournal();
		}
	}

	/**
	 * Hands what waits to the recorder and the journal's queue, in order; `splitting` when
	 * the chunk is still being split (the client's output closed under it), so that later
	 * items go on waiting.
	 */
	drain(splitting: boolean): void {
		const waiting = this.waiting;
		if (waiting === undefined) return;
		this.waiting = undefined;
		this.draining = true;
		try {
			for (const item of waiting) this.recordNow(item);
		} finally {
			this.draining = false;
		}
		if (splitting) this.waiting = [];
	}

	private recordNow(item: RecordItem): void {
		if (typeof item === 'function') {
			item();
			return;
		}
		const { recorder, journal } = this.options;
		const seq = recorder.record(item);
		journal?.add(item as JournalInput, seq);
		if (item.target === 'client') this.options.onClientEventRecorded(seq);
		// A store that fails refuses requests instead (record.onError): don't stall on it.
		if (recorder.congested && recorder.healthy) this.options.onBehind();
	}

	/** Session facts for the row and, ahead of it, the journal. */
	updateSession(update: Parameters<ProxyRecording['updateSession']>[0]): void {
		this.options.recorder.updateSession(update);
		this.options.journal?.addUpdate(update as Record<string, unknown>);
	}

	// One writev for everything queued. A journal that cannot be written (disk full) turns the
	// recording unhealthy, so new requests are refused (record.onError) until a retry writes
	// what waits; what was already decided still goes out, and reaches the store through the
	// recorder all the same.
	flushJournal(): void {
		const { journal } = this.options;
		if (!journal) return;
		try {
			journal.flush();
		} catch (error) {
			if (this.journalFailure === undefined) {
				this.journalFailure = `the write-ahead journal cannot be written: ${describeStoreFailure(error).reason.replace('the recording database', 'its folder')}`;
				this.options.onJournalHealthChange();
			}
			this.journalRetry ??= setTimeout(() => {
				this.journalRetry = undefined;
				this.flushJournal();
			}, 250);
			this.journalRetry.unref();
			return;
		}
		if (this.journalFailure !== undefined) {
			this.journalFailure = undefined;
			this.options.onJournalHealthChange();
		}
	}

	/** A long session's journal starts over once the store holds everything in it (journal.ts); call after commits. */
	restartJournalIfDone(): void {
		const { journal, recorder } = this.options;
		if (!journal?.wantsRestart) return;
		const through = journal.lastSeq;
		if (recorder.committedThrough < through || recorder.recordedThrough !== through) return;
		try {
			journal.restart({ throughSeq: through, counters: recorder.countersSoFar() });
		} catch {
			// It keeps growing and is tried again after the next commit; nothing is lost.
		}
	}
}
