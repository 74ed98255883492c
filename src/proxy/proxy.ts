// One proxied session: client stream ⇄ upstream server, every message recorded.
// Unmodified frames are forwarded as the exact bytes that arrived (DESIGN §3, framing).

import type { Readable, Writable } from 'node:stream';
import type { Recorder } from '../recorder/recorder.js';
import type { EventTarget, SessionEvent } from '../event/event.js';
import { exitStatus, type StdioUpstream, type UpstreamExit } from '../upstream/stdio-upstream.js';
import { classifyLine, idKey, parsedLine, type ClassifiedMessage, type JsonRpcId } from '../jsonrpc/classify.js';
import { ContiguousWriter } from './contiguous-writer.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { frameBody, LineSplitter } from '../jsonrpc/framing.js';
import { PendingRequests, type PendingRequest } from '../jsonrpc/pending-requests.js';
import { ErrorCode, errorFrame } from '../jsonrpc/rpc-errors.js';
import { clientCapabilitiesOf, factsFromClientMessage, factsFromInitializeResult } from './session-facts.js';
import { errorMessage, newFlow, type Flow, type FlowNote } from '../pipeline/flow.js';
import type { SessionContext } from '../pipeline/session-context.js';
import { runStages, shapeRecord, type Stage } from '../pipeline/stage.js';

export interface ProxyOptions {
	input: Readable;
	output: Writable;
	/** Where mcprec's own messages and the child's stderr go. */
	errorOutput: Writable;
	upstream: StdioUpstream;
	recorder: Recorder;
	/** What to do when the store cannot be written (policy record.onError). */
	onRecordError?: 'block' | 'allow';
	/** The data path's stages, in order (src/pipeline/create-stages.ts). */
	stages?: readonly Stage[] | Promise<readonly Stage[]>;
	/** Set when the session must not run (a broken policy): the server is not started, every request gets this error. */
	refuse?: Refusal;
	/** Session facts the stages see; the proxy adds client capabilities and its own request channel. */
	context?: Pick<SessionContext, 'sessionId' | 'server' | 'policy' | 'identity'>;
}

/** A request mcprec itself sent to the client (an approval prompt), waiting for its answer. */
interface OwnRequest {
	method: string;
	ts: number;
	resolve: (response: Record<string, unknown>) => void;
	timer: NodeJS.Timeout;
}

type Columns = Pick<SessionEvent, 'method' | 'rpcId' | 'tool'>;

export type EndReason = 'client-closed' | 'upstream-exited' | 'spawn-failed' | 'usage-error' | 'policy-invalid' | 'identity-required' | 'secret-missing' | 'signal';

/** Why every request is refused and no server runs (it could not be started, the policy is broken, a required login or secret is missing). */
export interface Refusal {
	message: string;
	status: number;
	reason: EndReason;
}

/** How the session ended; `status` is what mcprec should exit with. */
export interface ProxyResult {
	status: number;
	reason: EndReason;
}

export class Proxy {
	private readonly fromClient = new PendingRequests();
	private readonly fromServer = new PendingRequests();
	private readonly ownRequests = new Map<string, OwnRequest>();
	private ownRequestCounter = 0;
	private currentFlow: Flow | undefined;
	private stages: readonly Stage[] = [];
	readonly context: SessionContext;
	private refusal: Refusal | undefined;
	// The client closed its stdin; it may still read (DESIGN §3, half-close).
	private inputClosed = false;
	// The client's stdout is gone (EPIPE, or the stream closed): nothing more reaches it.
	private outputClosed = false;
	private readonly deliveries = new DeliveryLedger();
	private finished = false;
	private endReason: EndReason | undefined;
	private resolveDone!: (result: ProxyResult) => void;
	readonly done: Promise<ProxyResult> = new Promise((resolve) => {
		this.resolveDone = resolve;
	});

	constructor(private readonly options: ProxyOptions) {
		if (Array.isArray(options.stages)) this.stages = options.stages;
		const base = options.context;
		this.context = {
			sessionId: base?.sessionId ?? options.recorder.sessionId,
			server: base?.server ?? '',
			policy: base?.policy as SessionContext['policy'],
			identity: base?.identity,
			clientCapabilities: {},
			modern: false,
			toolAnnotations: new Map(),
			requestClient: (method, params, timeoutMs) => this.requestClient(method, params, timeoutMs),
			notifyClient: (method, params) => this.sendOwn({ jsonrpc: '2.0', method, params }, method, null),
			// A note made while stages run belongs to that flow and is recorded in its order.
			note: (note, rpcId) => (this.currentFlow ? this.currentFlow.notes.push(note) : this.recordNote(note, { rpcId: rpcId ?? null })),
			now: () => this.now(),
		};
	}

	async start(command: string[]): Promise<void> {
		const { input, output, upstream } = this.options;
		this.lifecycle({ event: 'start', command, pid: process.pid });
		const clientLines = new LineSplitter((frame) => this.onClientFrame(frame));
		const serverLines = new LineSplitter((frame) => this.onServerFrame(frame));
		const stderrLines = new LineSplitter((frame) => this.onServerStderrLine(frame));

		if (this.options.refuse) this.refuseSession(this.options.refuse);
		else upstream.start({
			onStdout: (chunk) => this.inOneWrite(() => serverLines.push(chunk)),
			onStderr: (chunk) => {
				this.options.errorOutput.write(chunk);
				stderrLines.push(chunk);
			},
			onSpawnError: (error) => this.onSpawnError(error, command),
			onExit: (exit) => {
				serverLines.end();
				stderrLines.end();
				this.onUpstreamExit(exit);
			},
		});
		if (upstream.pid !== undefined) this.lifecycle({ event: 'spawned', pid: upstream.pid });
		// Write the session row before any client byte is read (the server starts meanwhile):
		// a store that cannot be written is known before the first request, so that request
		// is refused, not leaked.
		// Stages may still be loading: they are built while the server boots.
		const [, stages] = await Promise.all([this.options.recorder.open(), this.options.stages]);
		if (stages) this.stages = stages;

		this.options.recorder.onRelief(() => {
			this.recordingBehind = false;
			this.holdStreams();
		});
		input.on('data', (chunk: Buffer) => this.inOneWrite(() => clientLines.push(chunk)));
		input.on('end', () => {
			clientLines.end();
			this.onClientClosed();
		});
		input.on('error', () => this.onClientClosed());
		output.on('error', (error: NodeJS.ErrnoException) => this.onClientOutputClosed(error));
		output.on('close', () => this.onClientOutputClosed());
	}

	/** A signal sent to mcprec: pass it on to the server's process group. */
	forwardSignal(signal: NodeJS.Signals): void {
		this.lifecycle({ event: 'signal', signal });
		this.endReason ??= 'signal';
		if (this.refusal) {
			this.finish(128 + 15);
			return;
		}
		this.options.upstream.signalGroup(signal);
		this.options.upstream.shutdown();
	}

	private onClientFrame(frame: Buffer): void {
		const { recorder } = this.options;
		const body = frameBody(frame);
		const message = classifyLine(body);
		const ts = this.now();
		switch (message.shape) {
			case 'unparseable':
				this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts });
				this.replyToClient(errorFrame(null, ErrorCode.parseError, `Parse error: ${message.problem}`));
				return;
			case 'invalid':
				this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, rpcId: rpcIdOf(message.id) });
				this.replyToClient(errorFrame(message.id, ErrorCode.invalidRequest, `Invalid Request: ${message.problem}`));
				return;
			default:
				break;
		}
		const requests = requestsIn(message);
		if (this.refusal) {
			this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, ...columnsOf(message) });
			for (const request of requests) this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, this.refusal.message));
			return;
		}
		if (requests.length > 0 && !recorder.healthy && this.options.onRecordError !== 'allow') {
			this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, ...columnsOf(message) });
			const reason = `mcprec refused this request because it cannot be recorded: ${recorder.failureReason}`;
			for (const request of requests) this.replyToClient(errorFrame(request.id, ErrorCode.recordingFailed, reason));
			return;
		}
		if (this.upstreamGone) {
			this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, ...columnsOf(message) });
			return;
		}
		if (message.shape === 'response' && this.settleOwnRequest(message.id, body, ts)) return;
		// A client response to a server request is labelled with that request's method, like server responses.
		const answered = this.settleResponses(this.fromServer, message);
		forgetCancelled(this.fromClient, message, body);
		for (const request of requests) {
			if (request.method === 'initialize' || request.method === 'server/discover' || this.needsFacts) {
				this.learnFacts(request.parsed ?? parsedLine(request, body));
			}
		}
		const flow = newFlow('to-server', frame, message, answered);
		this.process(flow, ts);
	}

	/** Runs the stages over a flow, waits when one holds it, then delivers it. */
	private process(flow: Flow, ts: number, start = 0): void {
		this.currentFlow = flow;
		let stopped: number;
		try {
			stopped = runStages(this.stages, flow, this.context, start);
		} catch (error) {
			this.failClosed(flow, error);
			stopped = this.stages.length;
		} finally {
			this.currentFlow = undefined;
		}
		if (!flow.hold) {
			this.deliver(flow, ts);
			return;
		}
		const hold = flow.hold;
		flow.hold = undefined;
		this.recordNotes(flow);
		hold.then(
			// Stamped when the hold ends, so the message follows its decision events in time too.
			() => (flow.answer !== undefined || flow.swallow ? this.deliver(flow, this.now()) : this.process(flow, this.now(), stopped + 1)),
			(error: unknown) => {
				this.warn(`a held message could not be settled (${(error as Error).message}); it was not forwarded`);
				flow.swallow = true;
				this.deliver(flow, ts);
			},
		);
	}

	// A stage that breaks must not let an unchecked or unmasked message through: requests are
	// refused, responses become errors for the client, notifications are dropped.
	private failClosed(flow: Flow, error: unknown): void {
		const text = `mcprec could not process this message (${(error as Error).message}); it was not forwarded`;
		this.warn(text);
		flow.rewrite = undefined;
		flow.hold = undefined;
		flow.notes.push({ kind: 'decision', details: { action: 'error', message: (error as Error).message } });
		const { shape, id } = flow.message;
		if (shape === 'request') flow.answer = errorMessage(id, ErrorCode.internalError, text);
		else if (shape === 'response' && flow.direction === 'to-client') {
			flow.swallow = true;
			this.replyToClient(Buffer.from(`${JSON.stringify(errorMessage(id, ErrorCode.internalError, text))}\n`), this.columnsFor(flow));
		} else flow.swallow = true;
	}

	/** Records a flow and sends it on — or sends its answer back to the sender. */
	private deliver(flow: Flow, ts: number): void {
		const toServer = flow.direction === 'to-server';
		const origin = toServer ? 'client' : 'server';
		const columns = this.columnsFor(flow);
		if (flow.answer !== undefined || flow.swallow) {
			this.recordFlow(flow, { origin, target: null, kind: 'message', payload: flow.frame, ts, method: columns.method, rpcId: columns.rpcId, tool: columns.tool }, columns);
			if (flow.answer !== undefined) {
				const answer = Buffer.from(`${JSON.stringify(flow.answer)}\n`);
				if (toServer) this.replyToClient(answer, columns);
				else this.replyToServer(answer, columns);
			}
			return;
		}
		const outgoing = outgoingFrame(flow);
		const latencyUs = flow.request ? ts - flow.request.ts : null;
		this.recordFlow(flow, { origin, target: toServer ? 'server' : this.clientTarget, kind: 'message', payload: outgoing, ts, latencyUs, method: columns.method, rpcId: columns.rpcId, tool: columns.tool }, columns);
		if (toServer && this.upstreamGone) return;
		const { message } = flow;
		const pending = toServer ? this.fromClient : this.fromServer;
		if (message.shape === 'request') this.addPending(pending, message, ts);
		else if (message.shape === 'batch') for (const item of message.items ?? []) if (item.shape === 'request') this.addPending(pending, item, ts);
		if (toServer) this.writeToServer(outgoing);
		else this.forwardToClient(outgoing);
	}

	private addPending(pending: PendingRequests, request: ClassifiedMessage, ts: number): void {
		if (pending === this.fromClient) this.options.recorder.counters.requests++;
		pending.add({ id: request.id!, method: request.method!, tool: request.tool, ts });
	}

	/** The method, id and tool columns of a flow's events; a response is labelled with its request's method and tool. */
	private columnsFor(flow: Flow): Columns {
		const { message, request } = flow;
		if (message.shape === 'batch') return { method: 'batch', rpcId: null, tool: null };
		const rpcId = message.id === undefined ? null : idKey(message.id);
		if (request) return { method: request.method, rpcId, tool: request.tool ?? message.tool ?? null };
		return { method: message.method ?? null, rpcId, tool: message.tool ?? null };
	}

	// A flow's message event (`event.payload`: the frame as it went out, newline included) and
	// its notes. A client message's record is shaped by the stages first (shapeRecord):
	// while a chunk is handled that happens after its frames are written (see record).
	private recordFlow(flow: Flow, event: SessionEvent, columns: Columns): void {
		const write = () => {
			if (flow.direction === 'to-server') {
				try {
					shapeRecord(this.stages, flow, this.context);
				} catch (error) {
					// The record keeps the message as it went out; say what could not be done.
					this.warn(`${(error as Error).message}; the message is recorded as it was sent`);
				}
			}
			event.payload = flow.recordAs !== undefined ? Buffer.from(JSON.stringify(flow.recordAs)) : frameBody(event.payload);
			this.record(event);
			this.recordNotes(flow, columns, event.ts);
		};
		if (this.recordAfterWrite === undefined) write();
		else this.recordAfterWrite.push(write);
	}

	private recordNotes(flow: Flow, columns: Columns = this.columnsFor(flow), ts?: number): void {
		if (flow.notes.length === 0) return;
		for (const note of flow.notes) this.recordNote(note, columns, ts);
		flow.notes = [];
	}

	private recordNote(note: FlowNote, columns: Columns, ts?: number): void {
		const counters = this.options.recorder.counters;
		const details = note.details;
		if (note.kind === 'mask') counters.masked++;
		else if (details.action === 'deny' || details.status === 'denied') counters.blocked++;
		else if (details.action === 'approve' && details.status === 'held') counters.approvals++;
		this.record({ origin: 'proxy', target: null, kind: note.kind, payload: Buffer.from(JSON.stringify(details)), ts, ...columns });
	}

	/** mcprec's own request to the client; its id can't collide with the server's, its answer is swallowed. */
	private requestClient(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
		let id: string;
		do id = `mcprec-${++this.ownRequestCounter}`;
		while (this.fromServer.has(id));
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.ownRequests.delete(idKey(id));
				this.sendOwn({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'mcprec: no answer in time' } }, 'notifications/cancelled', null);
				reject(new Error(`no answer to ${method} within ${timeoutMs} ms`));
			}, timeoutMs);
			this.ownRequests.set(idKey(id), { method, ts: this.now(), resolve, timer });
			this.sendOwn({ jsonrpc: '2.0', id, method, params }, method, idKey(id));
		});
	}

	private sendOwn(message: Record<string, unknown>, method: string, rpcId: string | null): void {
		const frame = Buffer.from(`${JSON.stringify(message)}\n`);
		this.record({ origin: 'proxy', target: this.clientTarget, kind: 'message', payload: frameBody(frame), method, rpcId });
		this.forwardToClient(frame);
	}

	private settleOwnRequest(id: JsonRpcId | undefined, body: Buffer, ts: number): boolean {
		const key = idKey(id);
		const own = this.ownRequests.get(key);
		if (!own) return false;
		this.ownRequests.delete(key);
		clearTimeout(own.timer);
		this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, latencyUs: ts - own.ts, method: own.method, rpcId: key });
		let response: Record<string, unknown> = {};
		try {
			response = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
		} catch {
			// classified as a response already; an unreadable one counts as no answer
		}
		own.resolve(response);
		return true;
	}

	private needsFacts = true;

	private learnFacts(parsed: unknown): void {
		if (parsed === undefined) return;
		const { capabilities, modern } = clientCapabilitiesOf(parsed);
		if (capabilities) this.context.clientCapabilities = capabilities;
		if (modern) this.context.modern = true;
		const facts = factsFromClientMessage(parsed);
		if (!facts) return;
		this.options.recorder.updateSession(facts);
		if (facts.clientName && facts.protocolVersion) this.needsFacts = false;
	}

	private onServerFrame(frame: Buffer): void {
		const { recorder } = this.options;
		const body = frameBody(frame);
		const message = classifyLine(body);
		const ts = this.now();
		if (message.shape === 'unparseable' || message.shape === 'invalid') {
			this.record({ origin: 'server', target: null, kind: 'message', payload: body, ts, rpcId: rpcIdOf(message.id) });
			this.warn(`the server wrote a line that is not JSON-RPC (${message.problem}); recorded, not forwarded: ${preview(body)}`);
			return;
		}
		let request: PendingRequest | undefined;
		if (message.shape === 'response') {
			request = this.fromClient.settle(message.id);
			if (message.isError) recorder.counters.errors++;
			if (request?.method === 'initialize') {
				const facts = factsFromInitializeResult(parsedLine(message, body));
				if (facts) recorder.updateSession(facts);
			}
		} else {
			this.settleResponses(this.fromClient, message);
			forgetCancelled(this.fromServer, message, body);
		}
		this.process(newFlow('to-client', frame, message, request), ts);
	}

	private onServerStderrLine(frame: Buffer): void {
		this.record({ origin: 'server', target: null, kind: 'stderr', payload: frameBody(frame) });
	}

	/** Pairs responses inside `message` (a response or a batch) with their requests; returns the request a single response answers. */
	private settleResponses(pending: PendingRequests, message: ClassifiedMessage): PendingRequest | undefined {
		if (message.shape === 'response') {
			const request = pending.settle(message.id);
			if (message.isError) this.options.recorder.counters.errors++;
			return request;
		}
		if (message.shape === 'batch') {
			for (const item of message.items ?? []) {
				if (item.shape === 'response') {
					pending.settle(item.id);
					if (item.isError) this.options.recorder.counters.errors++;
				}
			}
		}
		return undefined;
	}

	// One drain listener per direction, however many frames of a chunk meet back-pressure.
	private waitingForServer = false;
	private waitingForClient = false;
	// While a chunk is split, frames queue in runs and leave when it is done; otherwise at once.
	private splitting = false;
	private readonly toServer = new ContiguousWriter((bytes) => this.options.upstream.write(bytes));
	private readonly toClient = new ContiguousWriter((bytes, frames) => {
		this.deliveries.wrote(frames);
		return this.options.output.write(bytes, this.onClientWrite);
	});
	// Writes complete in order: each callback settles the oldest write the ledger holds.
	private readonly onClientWrite = (error?: Error | null): void => {
		if (error) this.onClientOutputClosed(error as NodeJS.ErrnoException);
		else this.deliveries.written();
	};

	// The frames split from one incoming chunk leave in one writev per direction instead of
	// one write syscall each: same bytes, same order, far fewer syscalls under load. Their
	// events reach the recorder right after that write (see record).
	private inOneWrite(splitChunk: () => void): void {
		const { output, upstream } = this.options;
		output.cork();
		upstream.cork();
		this.splitting = true;
		this.recordAfterWrite = [];
		try {
			splitChunk();
		} finally {
			this.splitting = false;
			this.flushToServer();
			this.flushToClient();
			upstream.uncork();
			output.uncork();
			this.drainRecords();
		}
	}

	private writeToServer(frame: Buffer): void {
		this.toServer.add(frame);
		if (!this.splitting) this.flushToServer();
	}

	private flushToServer(): void {
		if (this.toServer.flush() || this.waitingForServer) return;
		this.waitingForServer = true;
		this.holdStreams();
		this.options.upstream.onDrain(() => {
			this.waitingForServer = false;
			this.holdStreams();
		});
	}

	// Every message for the client is recorded with this target just before it is handed
	// here: once the client's stdout is gone it is recorded as not forwarded, and not written.
	private get clientTarget(): EventTarget {
		return this.outputClosed ? null : 'client';
	}

	private forwardToClient(frame: Buffer): void {
		if (this.outputClosed) return;
		this.toClient.add(frame);
		if (!this.splitting) this.flushToClient();
	}

	private flushToClient(): void {
		if (this.toClient.flush() || this.waitingForClient || this.outputClosed) return;
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
			if (holdServer) this.options.upstream.pauseOutput();
			else this.options.upstream.resumeOutput();
		}
	}

	/** mcprec's answer to a server→client request a stage refused. */
	private replyToServer(frame: Buffer, columns: Columns): void {
		this.record({ origin: 'proxy', target: 'server', kind: 'message', payload: frameBody(frame), ...columns });
		this.writeToServer(frame);
	}

	/** A message mcprec itself sends the client (an error answer), recorded as origin proxy. */
	private replyToClient(frame: Buffer, columns?: Columns): void {
		const message = classifyLine(frameBody(frame));
		if (message.isError) this.options.recorder.counters.errors++;
		this.record({ origin: 'proxy', target: this.clientTarget, kind: 'message', payload: frameBody(frame), rpcId: rpcIdOf(message.id), ...columns });
		this.forwardToClient(frame);
	}

	private get upstreamGone(): boolean {
		return this.endReason === 'upstream-exited';
	}

	private onSpawnError(error: NodeJS.ErrnoException, command: string[]): void {
		const message = spawnErrorMessage(error);
		this.lifecycle({ event: 'spawn-failed', command, code: error.code ?? null, message });
		this.refuseSession({ message, status: spawnFailureStatus(error), reason: 'spawn-failed' }, false);
	}

	private refuseSession(refusal: Refusal, recordIt = true): void {
		this.refusal = refusal;
		if (recordIt) this.lifecycle({ event: 'refused', reason: refusal.reason, message: refusal.message });
		this.warn(refusal.message);
		if (this.inputClosed) this.finish(refusal.status, refusal.reason);
	}

	private onUpstreamExit(exit: UpstreamExit): void {
		const status = exitStatus(exit);
		this.lifecycle({ event: 'upstream-exit', code: exit.code, signal: exit.signal });
		const describe = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
		this.endReason ??= 'upstream-exited';
		// A client that closed its stdin still reads its answers (half-close).
		if (!this.outputClosed) {
			for (const request of this.fromClient.takeAll()) {
				this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, `upstream server exited (${describe})`));
			}
		}
		if (this.endReason === 'upstream-exited') this.warn(`the server exited (${describe})`);
		this.finish(status, undefined, exit);
	}

	// The client closed its stdin (or its stdout, see below): the server gets the shutdown
	// recipe, and what it still answers keeps flowing to the client until it exits.
	private onClientClosed(): void {
		if (this.inputClosed) return;
		this.inputClosed = true;
		this.lifecycle({ event: 'client-closed' });
		this.endReason ??= 'client-closed';
		if (this.refusal) {
			this.finish(this.refusal.status, this.refusal.reason);
			return;
		}
		this.options.upstream.shutdown();
	}

	// Nothing reaches the client any more. Messages recorded as sent to it whose bytes did
	// not get out are named by seq; later ones are recorded as not forwarded (clientTarget).
	// Nobody hears the server now, so it is shut down as if the client had closed stdin.
	private onClientOutputClosed(error?: NodeJS.ErrnoException): void {
		if (this.outputClosed || this.finished) return;
		this.outputClosed = true;
		// The events of the chunk being handled are recorded first: they may be among the undelivered.
		this.drainRecords();
		this.lifecycle({ event: 'client-output-closed', error: error?.code ?? null, undelivered: this.deliveries.failed() });
		this.waitingForClient = false;
		this.holdStreams();
		this.onClientClosed();
	}

	private finish(status: number, reason?: EndReason, exit?: UpstreamExit): void {
		if (this.finished) return;
		this.finished = true;
		// Whoever waits for the end closes the recorder: everything so far goes to it first.
		this.drainRecords();
		const endReason = reason ?? this.endReason ?? 'upstream-exited';
		this.lifecycle({ event: 'end', reason: endReason, status });
		this.options.recorder.updateSession({
			endedAt: this.now(),
			endReason,
			exitCode: exit ? exit.code : status,
			exitSignal: exit?.signal ?? null,
		});
		this.resolveDone({ status, reason: endReason });
	}

	private lifecycle(details: Record<string, unknown>): void {
		this.record({ origin: 'proxy', target: null, kind: 'lifecycle', payload: Buffer.from(JSON.stringify(details)) });
	}

	// Events of the chunk being handled (or flows whose record is still to be shaped, see
	// recordFlow), kept in order until its frames are written.
	private recordAfterWrite: (SessionEvent | (() => void))[] | undefined;

	// While a chunk is handled, its events wait until its frames are written, in order: the
	// recorder's bookkeeping then no longer stands between a message's arrival and its
	// forwarding (DESIGN §8, latency), and it still happens before the next chunk is read.
	// Nothing is forwarded that the store refused: health is checked before (record.onError).
	// Stamped now, so events keep the time they happened.
	private record(event: SessionEvent): void {
		if (this.recordAfterWrite !== undefined) {
			event.ts ??= this.now();
			this.recordAfterWrite.push(event);
			return;
		}
		this.recordNow(event);
	}

	// Hands what waits for the chunk's write to the recorder, in order; while the chunk is
	// still being split, later events go on waiting.
	private drainRecords(): void {
		const waiting = this.recordAfterWrite;
		if (waiting === undefined) return;
		this.recordAfterWrite = undefined;
		for (const item of waiting) this.recordNow(item);
		if (this.splitting) this.recordAfterWrite = [];
	}

	private recordNow(event: SessionEvent | (() => void)): void {
		if (typeof event === 'function') {
			event();
			return;
		}
		const { recorder } = this.options;
		const seq = recorder.record(event);
		if (event.target === 'client') this.deliveries.recorded(seq);
		// A store that fails refuses requests instead (record.onError): don't stall on it.
		if (recorder.congested && !this.recordingBehind && recorder.healthy) {
			this.recordingBehind = true;
			this.holdStreams();
		}
	}

	private warn(text: string): void {
		this.options.errorOutput.write(`mcprec: ${text}\n`);
	}

	private now(): number {
		return this.clock();
	}

	/** Injected by the caller so tests and the recorder share one clock. */
	clock: () => number = () => Date.now() * 1000;
}

// A cancelled request gets no response (MCP cancellation utility), so stop waiting for it.
function forgetCancelled(pending: PendingRequests, message: ClassifiedMessage, body: Buffer): void {
	if (message.shape !== 'notification' || message.method !== 'notifications/cancelled') return;
	const requestId = (parsedLine(message, body) as { params?: { requestId?: unknown } } | undefined)?.params?.requestId;
	if (typeof requestId === 'string' || typeof requestId === 'number') pending.settle(requestId);
}

function outgoingFrame(flow: Flow): Buffer {
	if (flow.rewrite === undefined) return flow.frame;
	if (Buffer.isBuffer(flow.rewrite)) return Buffer.concat([flow.rewrite, Buffer.from('\n')]);
	return Buffer.from(`${JSON.stringify(flow.rewrite)}\n`);
}

function requestsIn(message: ClassifiedMessage): (ClassifiedMessage & { parsed?: unknown })[] {
	if (message.shape === 'request') return [message];
	if (message.shape === 'batch') return (message.items ?? []).filter((item) => item.shape === 'request');
	return [];
}

function columnsOf(message: ClassifiedMessage): Columns {
	if (message.shape === 'batch') return { method: 'batch' };
	return { method: message.method ?? null, rpcId: rpcIdOf(message.id), tool: message.tool ?? null };
}

function rpcIdOf(id: JsonRpcId | undefined): string | null {
	return id === undefined ? null : idKey(id);
}

function preview(body: Buffer): string {
	const text = body.toString('utf8', 0, Math.min(body.length, 120)).replace(/[\x00-\x1f]/g, ' ');
	return body.length > 120 ? `${text}…` : text;
}

function spawnErrorMessage(error: NodeJS.ErrnoException): string {
	const command = (error as { path?: string }).path ?? 'the server command';
	if (error.code === 'ENOENT') {
		return `cannot start the MCP server: command not found: '${command}' (check the server command and your PATH)`;
	}
	if (error.code === 'EACCES') {
		return `cannot start the MCP server: permission denied running '${command}' (is it executable?)`;
	}
	return `cannot start the MCP server '${command}': ${error.message}`;
}

function spawnFailureStatus(error: NodeJS.ErrnoException): number {
	return error.code === 'ENOENT' ? 127 : 126;
}
