// One proxied session over streams: the client's (stdin/stdout in `run`) and an upstream
// server, with every message recorded. The decisions are the session core's
// (session-core.ts); this adapter owns the I/O: it splits bytes into frames, writes what
// the core asks in as few system calls as it can, records write-ahead (a chunk's events
// journaled before its frames are written: write-ahead-recording.ts), applies back-pressure
// both ways, and tells the core what became of the client's output. Unmodified frames leave as the exact bytes that arrived.

import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { LineSplitter } from '../jsonrpc/framing.js';
import { afterLineJoined } from './release-memory.js';
import type { SessionContext } from '../pipeline/session-context.js';
import type { Stage } from '../pipeline/stage.js';
import type { Journal } from '../recorder/journal.js';
import type { Upstream } from '../upstream/upstream.js';
import { ContiguousWriter } from './contiguous-writer.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { SessionCore, type Refusal, type SessionResult } from './session-core.js';
import { WriteAheadRecording, type ProxyRecording } from './write-ahead-recording.js';

export type { EndReason, Refusal } from './session-core.js';
export type { ProxyRecording } from './write-ahead-recording.js';
/** How the session ended; `status` is what mcprec should exit with. */
export type ProxyResult = SessionResult;

export interface ProxyOptions {
	input: Readable;
	output: Writable;
	/** Where mcprec's own messages and the server's stderr go. */
	errorOutput: Writable;
	upstream: Upstream;
	recorder: ProxyRecording;
	/**
	 * The session's write-ahead journal: every event is appended to it before the frames of
	 * its chunk are forwarded, so that nothing forwarded is lost if mcprec dies (DESIGN §3).
	 */
	journal?: Journal;
	/** What to do when the store cannot be written (policy record.onError). */
	onRecordError?: 'block' | 'allow';
	/** The data path's stages, in order (src/stages/create-stages.ts). */
	stages?: readonly Stage[] | Promise<readonly Stage[]>;
	/** Set when the session must not run (a broken policy): the server is not started, every request gets this error. */
	refuse?: Refusal;
	/** Session facts the stages see; the core adds client capabilities and its own request channel. */
	context?: Pick<SessionContext, 'sessionId' | 'server' | 'policy' | 'identity'>;
	/** µs since the epoch; shared with the recorder. */
	now?: () => number;
	/** Prefix of mcprec's own request ids (random per session by default). */
	ownIdPrefix?: string;
	/** Masks what the stages never see: the server's stderr, lines that are not JSON-RPC, columns, mcprec's own words (SessionCoreOptions.maskText). */
	maskText?: (text: string) => string;
	/** Settles the calls held for a person when the session ends (SessionIO.endHolds). */
	endHolds?: () => void;
}

// With a journal, how long the store's opening waits for the client's first chunk (Proxy.start).
const OPEN_STORE_AFTER_MS = 100;

export class Proxy {
	readonly core: SessionCore;
	private readonly deliveries = new DeliveryLedger();
	private outputClosed = false;
	private resolveDone!: (result: ProxyResult) => void;
	readonly done: Promise<ProxyResult> = new Promise((resolve) => {
		this.resolveDone = resolve;
	});

	// Events in, write-ahead: journaled before the frames of their chunk are written.
	private readonly recording: WriteAheadRecording;

	constructor(private readonly options: ProxyOptions) {
		const { recorder } = options;
		this.recording = new WriteAheadRecording({
			recorder,
			journal: options.journal,
			onClientEventRecorded: (seq) => this.deliveries.recorded(seq),
			onBehind: () => {
				if (this.recordingBehind) return;
				this.recordingBehind = true;
				this.holdStreams();
			},
			onJournalHealthChange: () => this.recordingHealthChanged(),
		});
		const context = options.context ?? { sessionId: recorder.sessionId, server: '', policy: undefined as unknown as SessionContext['policy'] };
		this.core = new SessionCore({
			context,
			recording: this,
			onRecordError: options.onRecordError,
			now: options.now ?? (() => Date.now() * 1000),
			// Unguessable, so neither peer can forge an answer to mcprec's own request (an approval prompt).
			ownIdPrefix: options.ownIdPrefix ?? `mcprec-${randomBytes(12).toString('base64url')}`,
			maskText: options.maskText,
			io: {
				toClient: (frame) => this.forwardToClient(frame),
				toServer: (frame) => this.writeToServer(frame),
				record: (event) => this.recording.record(event),
				afterWrite: (task) => this.recording.record(task),
				updateSession: (update) => this.recording.updateSession(update),
				warn: (text) => this.options.errorOutput.write(`mcprec: ${text}\n`),
				serverStderr: (frame) => this.options.errorOutput.write(frame),
				closeUpstream: () => this.options.upstream.close(),
				signalUpstream: (signal) => this.options.upstream.signal(signal),
				endHolds: options.endHolds,
				finished: (result) => {
					// Whoever waits for the end closes the recorder: everything so far goes to it first.
					this.recording.drain(this.splitting);
					this.recording.flushJournal();
					this.resolveDone(result);
				},
			},
		});
		if (Array.isArray(options.stages)) this.core.setStages(options.stages);
	}

	get context(): SessionContext {
		return this.core.context;
	}

	// What the core asks before it forwards a request: the store and the journal both take writes.
	get healthy(): boolean {
		return this.recording.healthy;
	}

	get failureReason(): string | undefined {
		return this.recording.failureReason;
	}

	private reportedHealthy = true;

	/**
	 * The store or the journal stopped or started taking writes: the person hears when the
	 * recording as a whole (both of them) fails and when it works again, once each.
	 */
	recordingHealthChanged(): void {
		const { healthy } = this;
		if (healthy === this.reportedHealthy) return;
		this.reportedHealthy = healthy;
		this.options.errorOutput.write(
			healthy
				? 'mcprec: recording works again; requests are forwarded again\n'
				: this.options.onRecordError === 'allow'
					? `mcprec: recording failed: ${this.failureReason}. Requests are still forwarded (policy record.onError: allow)\n`
					: `mcprec: recording failed: ${this.failureReason}. New requests are refused until it works again (policy record.onError: block)\n`,
		);
	}

	async start(command: string[]): Promise<void> {
		const { input, output, upstream, recorder } = this.options;
		const { core } = this;
		core.start(command, process.pid, this.options.context?.policy);
		const clientLines = new LineSplitter((frame) => core.clientFrame(frame), afterLineJoined);
		const serverLines = new LineSplitter((frame) => core.serverFrame(frame), afterLineJoined);
		const stderrLines = new LineSplitter((frame) => core.serverStderrLine(frame));

		if (this.options.refuse) core.refuse(this.options.refuse);
		else
			upstream.start({
				onData: (chunk) => this.inOneWrite(() => serverLines.push(chunk)),
				// Passed on line by line, masked (session-core.ts serverStderrLine): a line shows once it is complete.
				onStderr: (chunk) => stderrLines.push(chunk),
				onStartError: (error) => core.upstreamStartFailed(error, command),
				onFact: (fact) => core.upstreamFact(fact),
				onRequestFailed: (id, message) => this.inOneWrite(() => core.upstreamRequestFailed(id, message)),
				onExit: (exit) => {
					serverLines.end();
					stderrLines.end();
					core.upstreamExited(exit);
				},
			});
		if (upstream.pid !== undefined && !this.options.refuse) core.upstreamSpawned(upstream.pid);
		// The session row. With a journal, every message is on disk before it is forwarded
		// whether or not the store has opened, so the store opens once the first chunk of the
		// client is in (DESIGN §8, startup: loading SQLite and writing the row cost ~15 ms that
		// the client's `initialize` no longer waits for); a store that then fails to open
		// turns the recording unhealthy and later requests are refused, and the journal keeps
		// what was forwarded for the next mcprec that can open the store. Without a journal the
		// row is written before any client byte is read, so a store that cannot be written is
		// known before the first request. Stages may still be loading: they are built while the
		// server boots.
		const opened = this.options.journal ? undefined : recorder.open();
		const [, stages] = await Promise.all([opened, this.options.stages]);
		if (stages) core.setStages(stages);

		recorder.onRelief(() => {
			this.recordingBehind = false;
			this.holdStreams();
		});
		recorder.onCommitted(() => this.recording.restartJournalIfDone());
		input.on('data', (chunk: Buffer) => this.inOneWrite(() => clientLines.push(chunk)));
		// After the client's first chunk is forwarded (a listener after the one above), or soon
		// if it is slow to come.
		if (!opened) {
			const openNow = () => {
				clearTimeout(openLater);
				input.off('data', openNow);
				void recorder.open();
			};
			const openLater = setTimeout(openNow, OPEN_STORE_AFTER_MS).unref();
			input.once('data', openNow);
		}
		input.on('end', () => {
			clientLines.end();
			core.clientClosed();
		});
		input.on('error', () => core.clientClosed());
		output.on('error', (error: NodeJS.ErrnoException) => this.onClientOutputClosed(error));
		output.on('close', () => this.onClientOutputClosed());
	}

	/** A signal sent to mcprec: pass it on to the server's process group. */
	forwardSignal(signal: NodeJS.Signals): void {
		this.core.signal(signal);
	}

	// One drain listener per direction, however many frames of a chunk meet back-pressure.
	private waitingForServer = false;
	private waitingForClient = false;
	// While a chunk is split, frames queue in runs and leave when it is done; otherwise at once.
	private splitting = false;
	private serverRuns: Buffer[] = [];
	private readonly toServer = new ContiguousWriter((bytes) => {
		this.serverRuns.push(bytes);
		return true;
	});
	private clientRuns: { bytes: Buffer; frames: number }[] = [];
	private readonly toClient = new ContiguousWriter((bytes, frames) => {
		this.clientRuns.push({ bytes, frames });
		return true;
	});
	// Writes complete in order: each callback settles the oldest write the ledger holds.
	private readonly onClientWrite = (error?: Error | null): void => {
		if (error) this.onClientOutputClosed(error as NodeJS.ErrnoException);
		else this.deliveries.written();
	};

	// The frames split from one incoming chunk leave in one writev per direction instead of
	// one write syscall each: same bytes, same order, far fewer syscalls under load. Their
	// events go to the recorder and, in one writev, to the journal first: write-ahead.
	private inOneWrite(splitChunk: () => void): void {
		this.splitting = true;
		this.recording.holdChunk();
		try {
			splitChunk();
		} finally {
			this.splitting = false;
			this.recording.drain(false);
			this.recording.flushJournal();
			this.flushToServer();
			this.flushToClient();
		}
	}

	private writeToServer(frame: Buffer): void {
		this.toServer.add(frame);
		if (!this.splitting) this.flushToServer();
	}

	private flushToServer(): void {
		this.toServer.flush();
		if (this.serverRuns.length === 0) return;
		const runs = this.serverRuns;
		this.serverRuns = [];
		if (this.options.upstream.send(runs) || this.waitingForServer) return;
		this.waitingForServer = true;
		this.holdStreams();
		this.options.upstream.onDrain(() => {
			this.waitingForServer = false;
			this.holdStreams();
		});
	}

	private forwardToClient(frame: Buffer): void {
		if (this.outputClosed) return;
		this.toClient.add(frame);
		if (!this.splitting) this.flushToClient();
	}

	// One write for the usual single run (a corked stream would take the slower writev path
	// for it); several runs of one chunk leave corked, in one writev.
	private writeClientRuns(): boolean {
		const runs = this.clientRuns;
		if (runs.length === 0) return true;
		this.clientRuns = [];
		const { output } = this.options;
		if (runs.length === 1) {
			this.deliveries.wrote(runs[0]!.frames);
			return output.write(runs[0]!.bytes, this.onClientWrite);
		}
		output.cork();
		let ready = true;
		for (const run of runs) {
			this.deliveries.wrote(run.frames);
			ready = output.write(run.bytes, this.onClientWrite) && ready;
		}
		output.uncork();
		return ready;
	}

	private flushToClient(): void {
		this.toClient.flush();
		if (this.writeClientRuns() || this.waitingForClient || this.outputClosed) return;
		this.waitingForClient = true;
		this.holdStreams();
		this.options.output.once('drain', () => {
			if (this.outputClosed) return;
			this.waitingForClient = false;
			this.holdStreams();
		});
	}

	// Reading from a side stops while what it sends cannot be written on, or while the
	// recording is far behind (a flood faster than the store): memory stays bounded, and
	// the flood slows to what can be recorded instead of growing the backlog.
	private recordingBehind = false;
	private clientHeld = false;
	private serverHeld = false;

	private holdStreams(): void {
		const holdClient = this.waitingForServer || this.recordingBehind;
		const holdServer = this.waitingForClient || this.recordingBehind;
		if (holdClient !== this.clientHeld) {
			this.clientHeld = holdClient;
			if (holdClient) this.options.input.pause();
			else this.options.input.resume();
		}
		if (holdServer !== this.serverHeld) {
			this.serverHeld = holdServer;
			if (holdServer) this.options.upstream.pause();
			else this.options.upstream.resume();
		}
	}

	// The client's output is gone (EPIPE, or the stream closed). The events of the chunk being
	// handled are recorded first: they may be among the undelivered.
	private onClientOutputClosed(error?: NodeJS.ErrnoException): void {
		if (this.outputClosed || this.core.finished) return;
		this.outputClosed = true;
		this.recording.drain(this.splitting);
		this.recording.flushJournal();
		this.core.clientOutputClosed({ error: error?.code ?? null, undelivered: this.deliveries.failed() });
		this.waitingForClient = false;
		this.holdStreams();
	}
}
