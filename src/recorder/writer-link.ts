// How the Recorder reaches its RecordWriter. By default the writer runs on the Recorder's
// own thread, behind a link that passes the same messages a worker thread would get, one
// turn of the event loop later (queueMicrotask), so neither side ever re-enters the other.
// A worker thread (record-writer-worker.ts) costs ~100 ms of CPU to boot and ~12 MB of
// resident memory for its own V8 heap and Node environment; in the short sessions people
// run, that boot landed among the first few hundred calls and competed with them for two
// cores (DESIGN §8, performance issue). MCPREC_RECORD_WRITER=thread keeps the thread.

import type { FromWriter, ToWriter, WriterData } from './writer-messages.js';
import type { Clock } from '../time/clock.js';

const BUSY_POLL_MS = 2;

/** What the Recorder needs of its writer, a Worker or the in-thread link below. */
export interface WriterLink {
	postMessage(message: ToWriter, transfer?: ArrayBuffer[]): void;
	on(event: 'message', listener: (message: FromWriter) => void): unknown;
	on(event: 'error', listener: (error: Error) => void): unknown;
	on(event: 'exit', listener: (code: number) => void): unknown;
	/** Whether the link keeps the process alive (a worker thread does while ref'd). */
	ref(): void;
	unref(): void;
	terminate(): unknown;
}

/**
 * The writer on this thread. A failure inside it (a bug, not a store error: those it
 * reports as health) ends the link as a dead worker would, with 'error' then 'exit'.
 */
export class InThreadWriter implements WriterLink {
	private readonly messageListeners: ((message: FromWriter) => void)[] = [];
	private readonly errorListeners: ((error: Error) => void)[] = [];
	private readonly exitListeners: ((code: number) => void)[] = [];
	private handle: ((message: ToWriter) => void) | undefined;
	private ended = false;
	// Keeps the process alive while the Recorder waits for the writer, as a ref'd worker does.
	private keepAlive: NodeJS.Timeout | undefined;

	private readonly data: WriterData;

	/** `clock`: the Recorder's, so the writer's times come from the same source as the events'. */
	constructor(
		data: WriterData,
		private readonly clock?: Clock,
	) {
		// SQLite's busy wait blocks the thread it runs on, here the forwarding one: none; the
		// writer tries again itself, soon while other writers commit (RecordWriterOptions.busyPollMs).
		this.data = { ...data, store: { ...data.store, busyTimeoutMs: 0 } };
	}

	// Messages in order: they wait here while the writer's code loads.
	private readonly inbox: ToWriter[] = [];
	private loading: Promise<void> | undefined;

	postMessage(message: ToWriter): void {
		this.inbox.push(message);
		// The writer's code (SQLite among it) loads with the first message, not with the
		// Recorder: `run` spawns the server before it loads anything it can do without.
		this.loading ??= import('./serve-record-writer.js').then(
			({ serveRecordWriter }) => {
				this.handle = serveRecordWriter(this.data, (answer) => this.answer(answer), { oneBatchPerTurn: true, busyPollMs: BUSY_POLL_MS, clock: this.clock });
			},
			(error: Error) => this.fail(error),
		);
		if (this.handle) queueMicrotask(() => this.deliver());
		else void this.loading.then(() => this.deliver());
	}

	private deliver(): void {
		while (!this.ended && this.handle && this.inbox.length > 0) {
			const message = this.inbox.shift()!;
			try {
				this.handle(message);
			} catch (error) {
				this.fail(error as Error);
			}
		}
	}

	private answer(message: FromWriter): void {
		queueMicrotask(() => {
			if (this.ended) return;
			for (const listener of this.messageListeners) listener(message);
		});
	}

	private fail(error: Error): void {
		if (this.ended) return;
		this.ended = true;
		this.unref();
		for (const listener of this.errorListeners) listener(error);
		for (const listener of this.exitListeners) listener(1);
	}

	on(event: 'message' | 'error' | 'exit', listener: ((message: FromWriter) => void) | ((error: Error) => void) | ((code: number) => void)): this {
		if (event === 'message') this.messageListeners.push(listener as (message: FromWriter) => void);
		else if (event === 'error') this.errorListeners.push(listener as (error: Error) => void);
		else this.exitListeners.push(listener as (code: number) => void);
		return this;
	}

	ref(): void {
		this.keepAlive ??= setInterval(() => {}, 1 << 30);
	}

	unref(): void {
		clearInterval(this.keepAlive);
		this.keepAlive = undefined;
	}

	terminate(): void {
		this.ended = true;
		this.unref();
	}
}
