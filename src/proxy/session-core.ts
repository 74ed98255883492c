// The decisions of one proxied session, without any I/O (mitmproxy's sans-I/O layers are
// the model): frames come in from the client and the server, and the core says what to
// write to whom, what to record, and when the session ends. It never touches a stream, a
// process or the store; the adapter that owns them (proxy.ts for stdio) calls it and
// carries out what it asks through `SessionIO`. Tests drive it as transcripts in memory.

import type { EventTarget, SessionEvent } from '../event/event.js';
import { countErrors, mayHoldToolError } from '../event/response-outcome.js';
import { decisionKind } from '../event/decision-kind.js';
import { classifyLine, idKey, parsedLine, type ClassifiedMessage, type JsonRpcId } from '../jsonrpc/classify.js';
import { frameBody } from '../jsonrpc/framing.js';
import { PendingRequests, type PendingRequest } from '../jsonrpc/pending-requests.js';
import { ErrorCode, errorFrame } from '../jsonrpc/rpc-errors.js';
import { errorMessage, newFlow, type Flow, type FlowNote } from '../pipeline/flow.js';
import type { SessionContext } from '../pipeline/session-context.js';
import { runStages, shapeRecord, type Stage } from '../pipeline/stage.js';
import type { SessionUpdate } from '../store/session-row.js';
import { exitStatus, type UpstreamExit } from '../upstream/upstream.js';
import { clientCapabilitiesOf, factsFromClientMessage, factsFromInitializeResult } from './session-facts.js';

export type EndReason = 'client-closed' | 'upstream-exited' | 'spawn-failed' | 'usage-error' | 'policy-invalid' | 'identity-required' | 'secret-missing' | 'signal';

/** Why every request is refused and no server runs (it could not be started, the policy is broken, a required login or secret is missing). */
export interface Refusal {
	message: string;
	status: number;
	reason: EndReason;
}

/** How the session ended; `status` is what mcprec should exit with. */
export interface SessionResult {
	status: number;
	reason: EndReason;
}

/** What the core asks of the world around it. */
export interface SessionIO {
	/** Bytes for the client (whole frames, newline included). */
	toClient(frame: Buffer): void;
	/** Bytes for the server (whole frames, newline included). */
	toServer(frame: Buffer): void;
	/** An event for the recording, in order. */
	record(event: SessionEvent): void;
	/**
	 * Work that only shapes the record (masking a request's arguments in the record): run
	 * after the frames being handled are written, in order with the records around it.
	 */
	afterWrite(task: () => void): void;
	/** Facts about the session for its row (client, protocol, end). */
	updateSession(update: SessionUpdate): void;
	/** A line for the person (stderr in `run`). */
	warn(text: string): void;
	/** A line of the server's stderr, masked, for the person (mcprec's stderr: the client's log); newline included. */
	serverStderr(frame: Buffer): void;
	/** The client is gone: end the server gracefully (the shutdown recipe). */
	closeUpstream(): void;
	signalUpstream(signal: NodeJS.Signals): void;
	/** The session is ending with calls held for a person: settle them now (denied), so their outcomes come before its end. */
	endHolds?(): void;
	/** The session is over; called once. */
	finished(result: SessionResult): void;
}

/** Whether the store takes writes (record or refuse, policy record.onError). */
export interface RecordingHealth {
	readonly healthy: boolean;
	readonly failureReason: string | undefined;
}

export interface SessionCoreOptions {
	io: SessionIO;
	recording: RecordingHealth;
	/** What to do when the store cannot be written (policy record.onError). */
	onRecordError?: 'block' | 'allow';
	/** Session facts the stages see; the core adds client capabilities and its own request channel. */
	context: Pick<SessionContext, 'sessionId' | 'server' | 'policy' | 'identity'>;
	/** µs since the epoch. */
	now: () => number;
	/** mcprec's own request ids: unguessable by the peers (random per session). */
	ownIdPrefix?: string;
	/**
	 * Masks text the stages never see but the record keeps or the person is shown: stderr
	 * lines, lines that are not JSON-RPC, the method/id/tool columns, mcprec's own messages,
	 * notes and warnings, facts about the session. The session's masker (Masker.maskText).
	 */
	maskText?: (text: string) => string;
}

/** A request mcprec itself sent to the client (an approval prompt), waiting for its answer. */
interface OwnRequest {
	method: string;
	ts: number;
	resolve: (response: Record<string, unknown>) => void;
	timer: NodeJS.Timeout;
}

type Columns = Pick<SessionEvent, 'method' | 'rpcId' | 'tool'>;

export class SessionCore {
	private readonly io: SessionIO;
	private readonly fromClient = new PendingRequests();
	private readonly fromServer = new PendingRequests();
	private readonly ownRequests = new Map<string, OwnRequest>();
	private ownRequestCounter = 0;
	private currentFlow: Flow | undefined;
	private stages: readonly Stage[] = [];
	readonly context: SessionContext;
	private refusal: Refusal | undefined;
	// The client closed its input; it may still read (DESIGN §3, half-close).
	private inputClosed = false;
	// Nothing more reaches the client (its stdout is gone).
	private outputClosed = false;
	private finishedState = false;
	/** Held flows not yet settled (a stage holds them for a person). */
	private holding = 0;
	/** Set while the end waits for held flows to settle: it finishes the session. */
	private ending: (() => void) | undefined;
	private endReason: EndReason | undefined;
	private needsFacts = true;

	constructor(private readonly options: SessionCoreOptions) {
		this.io = options.io;
		const base = options.context;
		this.context = {
			sessionId: base.sessionId,
			server: base.server,
			policy: base.policy,
			identity: base.identity,
			clientCapabilities: {},
			modern: false,
			toolAnnotations: new Map(),
			requestClient: (method, params, timeoutMs) => this.requestClient(method, params, timeoutMs),
			notifyClient: (method, params) => this.sendOwn({ jsonrpc: '2.0', method, params }, method, null),
			// A note made while stages run belongs to that flow and is recorded in its order.
			note: (note, rpcId) => (this.currentFlow ? this.currentFlow.notes.push(note) : this.recordNote(note, { rpcId: rpcId ?? null })),
			now: () => this.options.now(),
		};
	}

	get finished(): boolean {
		return this.finishedState;
	}

	/** The data path's stages, in order (src/stages/create-stages.ts); they may arrive after the first frames. */
	setStages(stages: readonly Stage[]): void {
		this.stages = stages;
	}

	/** The session starts (mcprec's own pid), under this policy: recorded in the chain, so the rules in force are evidence too. */
	start(command: string[], pid: number, policy?: Pick<SessionContext['policy'], 'source' | 'digest' | 'text'>): void {
		this.lifecycle({ event: 'start', command, pid, ...(policy ? { policy: policyFacts(policy) } : {}) });
	}

	/** The server runs as a local process. */
	upstreamSpawned(pid: number): void {
		this.lifecycle({ event: 'spawned', pid });
	}

	/** No server runs for this session: every request gets the refusal's message. */
	refuse(refusal: Refusal, recordIt = true): void {
		this.refusal = refusal;
		if (recordIt) this.lifecycle({ event: 'refused', reason: refusal.reason, message: refusal.message });
		this.warn(refusal.message);
		if (this.inputClosed) this.finish(refusal.status, refusal.reason);
	}

	/**
	 * The server could not be started. A remote server says so only when the first request
	 * reaches it, so requests already forwarded get the same answer as the ones to come.
	 */
	upstreamStartFailed(error: NodeJS.ErrnoException, command: string[]): void {
		const message = startErrorMessage(error);
		this.lifecycle({ event: 'spawn-failed', command, code: error.code ?? null, message });
		this.refuse({ message, status: startFailureStatus(error), reason: 'spawn-failed' }, false);
		if (this.outputClosed) return;
		for (const request of this.fromClient.takeAll()) this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, message), { method: request.method, tool: request.tool });
	}

	/** A fact the upstream learned about its connection (HTTP status, session id, timing). */
	upstreamFact(fact: Record<string, unknown>): void {
		this.lifecycle(fact);
	}

	/** The upstream will never answer this request (its HTTP exchange failed): the client hears why. */
	upstreamRequestFailed(id: JsonRpcId, message: string): void {
		const request = this.fromClient.settle(id);
		if (!request) return;
		this.io.warn(message);
		if (!this.outputClosed) this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, message), { method: request.method, tool: request.tool });
	}

	/** One line from the client (newline included). */
	clientFrame(frame: Buffer): void {
		const body = frameBody(frame);
		const message = classifyLine(body);
		const ts = this.options.now();
		switch (message.shape) {
			case 'unparseable':
				this.record({ origin: 'client', target: null, kind: 'message', payload: this.maskBytes(body), ts });
				this.replyToClient(errorFrame(null, ErrorCode.parseError, `Parse error: ${message.problem}`));
				return;
			case 'invalid':
				this.record({ origin: 'client', target: null, kind: 'message', payload: this.maskBytes(body), ts, rpcId: rpcIdOf(message.id), method: message.method });
				if (message.ambiguous) this.recordAmbiguity(message, 'client');
				this.replyToClient(invalidAnswer(message));
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
		const { recording } = this.options;
		if (requests.length > 0 && !recording.healthy && this.options.onRecordError !== 'allow') {
			this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, ...columnsOf(message) });
			const reason = `mcprec refused this request because it cannot be recorded: ${recording.failureReason}`;
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
				this.learnFacts(request.parsed ?? parsedRequest(message, request, body));
			}
		}
		this.process(newFlow('to-server', frame, message, answered), ts);
	}

	/** One line from the server (newline included). */
	serverFrame(frame: Buffer): void {
		const body = frameBody(frame);
		const message = classifyLine(body);
		const ts = this.options.now();
		if (message.shape === 'unparseable' || message.shape === 'invalid') {
			const masked = this.maskBytes(body);
			this.record({ origin: 'server', target: null, kind: 'message', payload: masked, ts, rpcId: rpcIdOf(message.id), method: message.method });
			if (message.ambiguous) {
				this.recordAmbiguity(message, 'server');
				this.warn(`the server wrote a line that JSON parsers may read differently (${message.problem}); recorded, not forwarded: ${preview(masked)}`);
				this.refuseServerMessage(message);
				return;
			}
			this.warn(`the server wrote a line that is not JSON-RPC (${message.problem}); recorded, not forwarded: ${preview(masked)}`);
			return;
		}
		if (message.shape === 'request' && this.ownRequests.has(idKey(message.id))) {
			// The client's answer to this id would be taken as the answer to mcprec's own request.
			this.record({ origin: 'server', target: null, kind: 'message', payload: body, ts, ...columnsOf(message) });
			this.warn(`the server sent a request with the id of mcprec's own pending request (${idKey(message.id)}); refused, not forwarded`);
			this.replyToServer(errorFrame(message.id, ErrorCode.invalidRequest, 'Invalid Request: this id is in use by the proxy'), columnsOf(message));
			return;
		}
		let request: PendingRequest | undefined;
		if (message.shape === 'response') {
			request = this.fromClient.settle(message.id);
			if (request?.method === 'initialize') {
				const facts = factsFromInitializeResult(parsedLine(message, body));
				if (facts) this.updateSession(facts);
			}
		} else {
			this.settleResponses(this.fromClient, message);
			forgetCancelled(this.fromServer, message, body);
		}
		this.process(newFlow('to-client', frame, message, request), ts);
	}

	/** One line of the server's diagnostic output. */
	serverStderrLine(frame: Buffer): void {
		const body = frameBody(frame);
		const masked = this.maskBytes(body);
		this.record({ origin: 'server', target: null, kind: 'stderr', payload: masked });
		this.io.serverStderr(masked === body ? frame : Buffer.concat([masked, NEWLINE]));
	}

	/** A signal sent to mcprec: pass it on to the server. */
	signal(signal: NodeJS.Signals): void {
		this.lifecycle({ event: 'signal', signal });
		this.endReason ??= 'signal';
		if (this.refusal) {
			this.finish(128 + 15);
			return;
		}
		this.io.signalUpstream(signal);
		this.io.closeUpstream();
	}

	/** The server is gone: pending requests get an error, the session ends. */
	upstreamExited(exit: UpstreamExit): void {
		const status = exitStatus(exit);
		this.lifecycle({ event: 'upstream-exit', code: exit.code, signal: exit.signal });
		const describe = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
		this.endReason ??= 'upstream-exited';
		// A client that closed its input still reads its answers (half-close).
		if (!this.outputClosed) {
			for (const request of this.fromClient.takeAll()) {
				this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, `upstream server exited (${describe})`));
			}
		}
		if (this.endReason === 'upstream-exited') this.warn(`the server exited (${describe})`);
		this.finish(status, undefined, exit);
	}

	// The client closed its input (or its output, see below): the server gets the shutdown
	// recipe, and what it still answers keeps flowing to the client until it exits.
	clientClosed(): void {
		if (this.inputClosed) return;
		this.inputClosed = true;
		this.lifecycle({ event: 'client-closed' });
		this.endReason ??= 'client-closed';
		if (this.refusal) {
			this.finish(this.refusal.status, this.refusal.reason);
			return;
		}
		this.io.closeUpstream();
	}

	/**
	 * Nothing reaches the client any more. `undelivered` names the messages recorded as sent
	 * to it whose bytes did not get out; later ones are recorded as not forwarded. Nobody
	 * hears the server now, so it is shut down as if the client had closed its input.
	 */
	clientOutputClosed(details: { error: string | null; undelivered: number[] }): void {
		if (this.outputClosed || this.finishedState) return;
		this.outputClosed = true;
		this.lifecycle({ event: 'client-output-closed', error: details.error, undelivered: details.undelivered });
		this.clientClosed();
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
		this.holding++;
		hold.then(
			// Stamped when the hold ends, so the message follows its decision events in time too.
			() => (flow.answer !== undefined || flow.swallow ? this.deliver(flow, this.options.now()) : this.process(flow, this.options.now(), stopped + 1)),
			(error: unknown) => {
				this.warn(`a held message could not be settled (${(error as Error).message}); it was not forwarded`);
				flow.swallow = true;
				this.deliver(flow, ts);
			},
		).finally(() => {
			this.holding--;
			if (this.holding === 0) this.ending?.();
		});
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
		const { message } = flow;
		if (flow.answer !== undefined || flow.swallow) {
			this.recordFlow(flow, { origin, target: null, kind: 'message', payload: flow.frame, ts, method: columns.method, rpcId: columns.rpcId, tool: columns.tool, counts: countsOf(message, false, toolResultBody(flow)) }, columns);
			// A notification is never answered (JSON-RPC 2.0 §4.1), even when a stage refused it.
			if (flow.answer !== undefined && message.shape !== 'notification') {
				const answer = Buffer.from(`${JSON.stringify(flow.answer)}\n`);
				if (toServer) this.replyToClient(answer, columns);
				else this.replyToServer(answer, columns);
			}
			return;
		}
		const outgoing = outgoingFrame(flow);
		const latencyUs = flow.request ? ts - flow.request.ts : null;
		const gone = toServer && this.upstreamGone;
		// Requests count once they are forwarded; error answers count whoever sent them.
		const counts = countsOf(message, toServer && !gone, toolResultBody(flow));
		this.recordFlow(flow, { origin, target: toServer ? 'server' : this.clientTarget, kind: 'message', payload: outgoing, ts, latencyUs, method: columns.method, rpcId: columns.rpcId, tool: columns.tool, counts }, columns);
		if (gone) return;
		const pending = toServer ? this.fromClient : this.fromServer;
		// Paired by the id that went out: a stage may have replaced it (a server's id that held a secret).
		if (message.shape === 'request') addPending(pending, message, ts, outgoingId(flow.rewrite));
		else if (message.shape === 'batch') message.items?.forEach((item, index) => item.shape === 'request' && addPending(pending, item, ts, outgoingId(flow.rewrite, index)));
		if (toServer) this.io.toServer(outgoing);
		else this.toClient(outgoing);
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
	// its notes. A client message's record is shaped by the stages first (shapeRecord), after
	// the frames being handled are written: that work does not stand between the message and
	// the server (DESIGN §8).
	private recordFlow(flow: Flow, event: SessionEvent, columns: Columns): void {
		this.io.afterWrite(() => {
			let shaped = true;
			if (flow.direction === 'to-server') {
				try {
					shapeRecord(this.stages, flow, this.context);
				} catch (error) {
					// The record keeps the message as it went out, masked as text; say what could not be done.
					shaped = false;
					flow.recordAs = undefined;
					this.warn(`${(error as Error).message}; the message is recorded as it was sent, masked as text`);
				}
			}
			event.payload = flow.recordAs !== undefined ? Buffer.from(JSON.stringify(flow.recordAs)) : frameBody(event.payload);
			if (!shaped) event.payload = this.maskBytes(event.payload);
			this.record(event);
			this.recordNotes(flow, columns, event.ts);
		});
	}

	private recordNotes(flow: Flow, columns: Columns = this.columnsFor(flow), ts?: number): void {
		if (flow.notes.length === 0) return;
		for (const note of flow.notes) this.recordNote(note, columns, ts);
		flow.notes = [];
	}

	private recordNote(note: FlowNote, columns: Columns, ts?: number): void {
		this.record({ origin: 'proxy', target: null, kind: note.kind, payload: Buffer.from(JSON.stringify(note.details)), ts, ...columns, counts: noteCount(note) });
	}

	/** mcprec's own request to the client; its id can't collide with the server's, its answer is swallowed. */
	private requestClient(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
		let id: string;
		do id = `${this.options.ownIdPrefix ?? 'mcprec'}-${++this.ownRequestCounter}`;
		while (this.fromServer.has(id));
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.ownRequests.delete(idKey(id));
				this.sendOwn({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'mcprec: no answer in time' } }, 'notifications/cancelled', null);
				reject(new Error(`no answer to ${method} within ${timeoutMs} ms`));
			}, timeoutMs);
			this.ownRequests.set(idKey(id), { method, ts: this.options.now(), resolve, timer });
			this.sendOwn({ jsonrpc: '2.0', id, method, params }, method, idKey(id));
		});
	}

	private sendOwn(message: Record<string, unknown>, method: string, rpcId: string | null): void {
		const frame = Buffer.from(`${JSON.stringify(message)}\n`);
		this.record({ origin: 'proxy', target: this.clientTarget, kind: 'message', payload: frameBody(frame), method, rpcId });
		this.toClient(frame);
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

	private learnFacts(parsed: unknown): void {
		if (parsed === undefined) return;
		const { capabilities, modern } = clientCapabilitiesOf(parsed);
		if (capabilities) this.context.clientCapabilities = capabilities;
		if (modern) this.context.modern = true;
		const facts = factsFromClientMessage(parsed);
		if (!facts) return;
		this.updateSession(facts);
		if (facts.clientName && facts.protocolVersion) this.needsFacts = false;
	}

	// A line whose meaning could differ between parsers is refused as a whole; the record
	// says so, as a decision of its own (counted as blocked).
	private recordAmbiguity(message: ClassifiedMessage, origin: 'client' | 'server'): void {
		const details = { action: 'deny', rule: 'ambiguous-json', from: origin, message: message.problem };
		this.recordNote({ kind: 'decision', details }, { method: message.method ?? (message.items ? 'batch' : null), rpcId: rpcIdOf(message.id), tool: null });
	}

	// The server's refused line: a request (whose id every parser reads) is answered -32600,
	// so the server does not wait; a response fails the client's request it answers.
	private refuseServerMessage(message: ClassifiedMessage): void {
		for (const item of message.items ?? [message]) {
			if (item.id === undefined || item.id === null) continue;
			if (item.method !== undefined) {
				this.replyToServer(errorFrame(item.id, ErrorCode.invalidRequest, `Invalid Request: ${message.problem}`), { method: item.method, rpcId: idKey(item.id), tool: null });
				continue;
			}
			const request = this.fromClient.settle(item.id);
			if (request && !this.outputClosed) {
				this.replyToClient(errorFrame(item.id, ErrorCode.upstreamFailed, `mcprec refused the server's answer: ${message.problem}`), { method: request.method, rpcId: idKey(item.id), tool: request.tool ?? null });
			}
		}
	}

	/** Pairs responses inside `message` (a response or a batch) with their requests; returns the request a single response answers. */
	private settleResponses(pending: PendingRequests, message: ClassifiedMessage): PendingRequest | undefined {
		if (message.shape === 'response') return pending.settle(message.id);
		if (message.shape === 'batch') {
			for (const item of message.items ?? []) if (item.shape === 'response') pending.settle(item.id);
		}
		return undefined;
	}

	// Every message for the client is recorded with this target just before it is handed
	// on: once the client's output is gone it is recorded as not forwarded, and not written.
	private get clientTarget(): EventTarget {
		return this.outputClosed ? null : 'client';
	}

	private toClient(frame: Buffer): void {
		if (!this.outputClosed) this.io.toClient(frame);
	}

	/** mcprec's answer to a server→client request a stage refused. */
	private replyToServer(frame: Buffer, columns: Columns): void {
		this.record({ origin: 'proxy', target: 'server', kind: 'message', payload: frameBody(frame), ...columns });
		this.io.toServer(frame);
	}

	/** A message mcprec itself sends the client (an error answer), recorded as origin proxy. */
	private replyToClient(frame: Buffer, columns?: Columns): void {
		const message = classifyLine(frameBody(frame));
		this.record({ origin: 'proxy', target: this.clientTarget, kind: 'message', payload: frameBody(frame), rpcId: rpcIdOf(message.id), ...columns, counts: message.isError ? 'errors' : undefined });
		this.toClient(frame);
	}

	private get upstreamGone(): boolean {
		return this.endReason === 'upstream-exited';
	}

	private finish(status: number, reason?: EndReason, exit?: UpstreamExit): void {
		if (this.finishedState || this.ending) return;
		// Held calls are settled first, so the record tells their outcome before the end (at
		// most END_HOLDS_MS later: a hold that does not settle does not keep the session open).
		if (this.holding > 0 && this.io.endHolds) {
			const end = () => {
				clearTimeout(timer);
				this.ending = undefined;
				this.finalize(status, reason, exit);
			};
			const timer = setTimeout(end, END_HOLDS_MS);
			this.ending = end;
			this.io.endHolds();
			return;
		}
		this.finalize(status, reason, exit);
	}

	private finalize(status: number, reason?: EndReason, exit?: UpstreamExit): void {
		if (this.finishedState) return;
		this.finishedState = true;
		const endReason = reason ?? this.endReason ?? 'upstream-exited';
		this.lifecycle({ event: 'end', reason: endReason, status });
		this.io.updateSession({ endedAt: this.options.now(), endReason, exitCode: exit ? exit.code : status, exitSignal: exit?.signal ?? null });
		this.io.finished({ status, reason: endReason });
	}

	private lifecycle(details: Record<string, unknown>): void {
		this.record({ origin: 'proxy', target: null, kind: 'lifecycle', payload: Buffer.from(JSON.stringify(details)) });
	}

	// Stamped now, so events keep the time they happened even when recorded after a write.
	// Its columns are masked here, and so is whatever mcprec itself says (its own messages,
	// lifecycle and decision details): they may quote a peer's line, a command, a value.
	private record(event: SessionEvent): void {
		event.ts ??= this.options.now();
		if (this.options.maskText) {
			if (event.method) event.method = this.maskColumn(event.method);
			if (event.rpcId) event.rpcId = this.options.maskText(event.rpcId);
			if (event.tool) event.tool = this.maskColumn(event.tool);
			if (event.origin === 'proxy') event.payload = this.maskBytes(event.payload);
		}
		this.io.record(event);
	}

	// Methods and tool names repeat: their masked forms are kept (a bounded number of them).
	private readonly maskedColumns = new Map<string, string>();
	private maskColumn(value: string): string {
		let masked = this.maskedColumns.get(value);
		if (masked === undefined) {
			masked = this.options.maskText!(value);
			if (this.maskedColumns.size >= 1024) this.maskedColumns.clear();
			this.maskedColumns.set(value, masked);
		}
		return masked;
	}

	/** The bytes with what the masker finds in them masked; the same buffer when nothing was. */
	private maskBytes(body: Buffer): Buffer {
		const { maskText } = this.options;
		if (!maskText || body.length === 0) return body;
		const text = body.toString('utf8');
		const masked = maskText(text);
		return masked === text ? body : Buffer.from(masked, 'utf8');
	}

	private warn(text: string): void {
		this.io.warn(this.options.maskText ? this.options.maskText(text) : text);
	}

	private updateSession(update: SessionUpdate): void {
		const { maskText } = this.options;
		if (maskText) {
			for (const key of ['clientName', 'clientVersion', 'protocolVersion'] as const) {
				const value = update[key];
				if (typeof value === 'string') update[key] = maskText(value);
			}
		}
		this.io.updateSession(update);
	}
}

// -32600 for an invalid line: for a batch, one error per request in it (by the id every
// parser reads), else one error with the line's id (null when it has none or it is in doubt).
function invalidAnswer(message: ClassifiedMessage): Buffer {
	const text = `Invalid Request: ${message.problem}`;
	const requests = (message.items ?? []).filter((item) => item.shape === 'request');
	if (requests.length === 0) return errorFrame(message.id, ErrorCode.invalidRequest, text);
	const answers = requests.map((item) => ({ jsonrpc: '2.0', id: item.id ?? null, error: { code: ErrorCode.invalidRequest, message: text } }));
	return Buffer.from(`${JSON.stringify(answers)}\n`);
}

// A request's parsed message: in a batch too large to have been parsed, its element of the
// parsed batch (the batch keeps the parse; the element's own `parsed` must stay the element).
function parsedRequest(message: ClassifiedMessage, request: ClassifiedMessage, body: Buffer): unknown {
	if (message.shape !== 'batch') return parsedLine(request, body);
	const batch = parsedLine(message, body);
	return Array.isArray(batch) ? batch[message.items!.indexOf(request)] : undefined;
}

function addPending(pending: PendingRequests, request: ClassifiedMessage, ts: number, id: JsonRpcId | undefined): void {
	pending.add({ id: id ?? request.id!, method: request.method!, tool: request.tool, ts });
}

// The id of a rewritten message (or of a batch's element `index`), when a stage set one.
function outgoingId(rewrite: unknown, index?: number): JsonRpcId | undefined {
	if (rewrite === undefined || Buffer.isBuffer(rewrite)) return undefined;
	const message = index === undefined ? rewrite : Array.isArray(rewrite) ? rewrite[index] : undefined;
	const id = (message as { id?: unknown } | undefined)?.id;
	return typeof id === 'string' || typeof id === 'number' ? id : undefined;
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

/**
 * The requests (when they count: forwarded ones) and error responses a message carries; a
 * batch may carry several. `serverBody`, given for the server's messages, lets a tool error
 * (a result with `isError: true`) count as an error too; only the server's bytes are read
 * for it, and only parsed when they name `isError`.
 */
function countsOf(message: ClassifiedMessage, countRequests: boolean, serverBody?: Buffer): SessionEvent['counts'] {
	if (message.shape === 'request') return countRequests ? 'requests' : undefined;
	if (message.shape !== 'response' && message.shape !== 'batch') return undefined;
	let requests = 0;
	let errors = 0;
	for (const item of message.shape === 'batch' ? (message.items ?? []) : [message]) {
		if (item.shape === 'request') requests++;
		else if (item.shape === 'response' && item.isError) errors++;
	}
	if (!countRequests) requests = 0;
	let toolErrors = 0;
	if (serverBody !== undefined && mayHoldToolError(serverBody)) toolErrors = countErrors(parsedLine(message, serverBody)).toolErrors;
	if (message.shape === 'response' && toolErrors === 0) return errors > 0 ? 'errors' : undefined;
	return requests + errors + toolErrors > 0 ? { requests, errors: errors + toolErrors, toolErrors } : undefined;
}

// The server's answer to a tools/call (or a batch, which may hold one): the bytes a tool error is looked for in.
function toolResultBody(flow: Flow): Buffer | undefined {
	if (flow.direction === 'to-server') return undefined;
	return flow.message.shape === 'batch' || flow.request?.method === 'tools/call' ? flow.frame : undefined;
}

/** What a stage's note counts as: a masked value, a blocked call, a call held for approval. */
function noteCount(note: FlowNote): SessionEvent['counts'] {
	const details = note.details;
	if (note.kind === 'mask') return 'masked';
	// Named as everywhere else (decision-kind.ts): a policy block, a hold, an approver's no.
	const kind = decisionKind(details);
	if (kind === 'blocked' || kind === 'denied') return kind;
	if (kind === 'held') return 'approvals';
	return undefined;
}

function columnsOf(message: ClassifiedMessage): Columns {
	if (message.shape === 'batch') return { method: 'batch' };
	return { method: message.method ?? null, rpcId: rpcIdOf(message.id), tool: message.tool ?? null };
}

function rpcIdOf(id: JsonRpcId | undefined): string | null {
	return id === undefined ? null : idKey(id);
}

const NEWLINE = Buffer.from('\n');

function preview(body: Buffer): string {
	const text = body.toString('utf8', 0, Math.min(body.length, 120)).replace(/[\x00-\x1f]/g, ' ');
	return body.length > 120 ? `${text}…` : text;
}

function startErrorMessage(error: NodeJS.ErrnoException): string {
	// A remote server's failure already reads as a whole sentence with the URL in it.
	if ((error as { remote?: boolean }).remote) return error.message;
	const command = (error as { path?: string }).path ?? 'the server command';
	if (error.code === 'ENOENT') {
		return `cannot start the MCP server: command not found: '${command}' (check the server command and your PATH)`;
	}
	if (error.code === 'EACCES') {
		return `cannot start the MCP server: permission denied running '${command}' (is it executable?)`;
	}
	return `cannot start the MCP server '${command}': ${error.message}`;
}

function startFailureStatus(error: NodeJS.ErrnoException): number {
	return error.code === 'ENOENT' ? 127 : 126;
}

/** How long the end of a session waits for its held calls to record their outcome. */
const END_HOLDS_MS = 2000;

/** Policies are short; a file past this is recorded by its digest only. */
const POLICY_TEXT_LIMIT = 64 * 1024;

function policyFacts(policy: Pick<SessionContext['policy'], 'source' | 'digest' | 'text'>): Record<string, unknown> {
	const { source, digest, text } = policy;
	if (text === undefined) return { source, digest };
	return text.length <= POLICY_TEXT_LIMIT ? { source, digest, text } : { source, digest, textOmitted: `the file is larger than ${POLICY_TEXT_LIMIT / 1024} KiB` };
}
