// One proxied session: client stream ⇄ upstream server, every message recorded.
// Unmodified frames are forwarded as the exact bytes that arrived (DESIGN §3, framing).

import type { Readable, Writable } from 'node:stream';
import type { Recorder } from '../recorder/recorder.js';
import type { SessionEvent } from '../recorder/event.js';
import { exitStatus, type StdioUpstream, type UpstreamExit } from '../upstream/stdio-upstream.js';
import { classifyLine, idKey, type ClassifiedMessage, type JsonRpcId } from './classify.js';
import { frameBody, LineSplitter } from './framing.js';
import { PendingRequests, type PendingRequest } from './pending-requests.js';
import { ErrorCode, errorFrame } from './rpc-errors.js';
import { factsFromClientMessage, factsFromInitializeResult } from './session-facts.js';

export interface ProxyOptions {
	input: Readable;
	output: Writable;
	/** Where mcprec's own messages and the child's stderr go. */
	errorOutput: Writable;
	upstream: StdioUpstream;
	recorder: Recorder;
	/** What to do when the store cannot be written (policy record.onError). */
	onRecordError?: 'block' | 'allow';
}

export type EndReason = 'client-closed' | 'upstream-exited' | 'spawn-failed' | 'signal';

/** How the session ended; `status` is what mcprec should exit with. */
export interface ProxyResult {
	status: number;
	reason: EndReason;
}

export class Proxy {
	private readonly fromClient = new PendingRequests();
	private readonly fromServer = new PendingRequests();
	private spawnError: NodeJS.ErrnoException | undefined;
	private clientClosed = false;
	private finished = false;
	private endReason: EndReason | undefined;
	private resolveDone!: (result: ProxyResult) => void;
	readonly done: Promise<ProxyResult> = new Promise((resolve) => {
		this.resolveDone = resolve;
	});

	constructor(private readonly options: ProxyOptions) {}

	start(command: string[]): void {
		const { input, output, upstream } = this.options;
		this.lifecycle({ event: 'start', command, pid: process.pid });
		// Write the session row before any client byte is read: a store that cannot be
		// written is known before the first request, so that request is refused, not leaked.
		this.options.recorder.flushNow();
		const clientLines = new LineSplitter((frame) => this.onClientFrame(frame));
		const serverLines = new LineSplitter((frame) => this.onServerFrame(frame));
		const stderrLines = new LineSplitter((frame) => this.onServerStderrLine(frame));

		upstream.start({
			onStdout: (chunk) => serverLines.push(chunk),
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

		input.on('data', (chunk: Buffer) => clientLines.push(chunk));
		input.on('end', () => {
			clientLines.end();
			this.onClientClosed();
		});
		input.on('error', () => this.onClientClosed());
		output.on('error', () => this.onClientClosed());
	}

	/** A signal sent to mcprec: pass it on to the server's process group. */
	forwardSignal(signal: NodeJS.Signals): void {
		this.lifecycle({ event: 'signal', signal });
		this.endReason ??= 'signal';
		if (this.spawnError) {
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
		if (this.spawnError) {
			this.record({ origin: 'client', target: null, kind: 'message', payload: body, ts, ...columnsOf(message) });
			for (const request of requests) {
				this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, spawnErrorMessage(this.spawnError)));
			}
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
		// A client response to a server request is labelled with that request's method, like server responses.
		const answered = this.settleResponses(this.fromServer, message);
		const latencyUs = answered ? ts - answered.ts : null;
		const columns = answered ? { ...columnsOf(message), method: answered.method } : columnsOf(message);
		this.record({ origin: 'client', target: 'server', kind: 'message', payload: body, ts, latencyUs, ...columns });
		forgetCancelled(this.fromClient, message);
		for (const request of requests) {
			recorder.counters.requests++;
			this.fromClient.add({ id: request.id!, method: request.method!, tool: request.tool, ts });
			if (request.method === 'initialize' || request.method === 'server/discover' || this.needsFacts) {
				this.learnFacts(request.parsed);
			}
		}
		if (!this.options.upstream.write(frame)) {
			this.options.input.pause();
			this.options.upstream.onDrain(() => this.options.input.resume());
		}
	}

	private needsFacts = true;

	private learnFacts(parsed: unknown): void {
		if (parsed === undefined) return;
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
		let latencyUs: number | null = null;
		let method: string | undefined;
		if (message.shape === 'response') {
			const request = this.fromClient.settle(message.id);
			if (request) {
				latencyUs = ts - request.ts;
				method = request.method;
				if (request.method === 'initialize') {
					const facts = factsFromInitializeResult(message.parsed);
					if (facts) recorder.updateSession(facts);
				}
			}
			if (message.isError) recorder.counters.errors++;
			this.record({ origin: 'server', target: 'client', kind: 'message', payload: body, ts, latencyUs, method, rpcId: rpcIdOf(message.id), tool: request?.tool });
		} else {
			this.settleResponses(this.fromClient, message);
			forgetCancelled(this.fromServer, message);
			for (const request of requestsIn(message)) {
				this.fromServer.add({ id: request.id!, method: request.method!, ts });
			}
			this.record({ origin: 'server', target: 'client', kind: 'message', payload: body, ts, latencyUs, ...columnsOf(message) });
		}
		this.forwardToClient(frame);
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

	private forwardToClient(frame: Buffer): void {
		if (this.clientClosed) return;
		if (!this.options.output.write(frame)) {
			this.options.upstream.pauseOutput();
			this.options.output.once('drain', () => this.options.upstream.resumeOutput());
		}
	}

	/** A message mcprec itself sends the client (an error answer), recorded as origin proxy. */
	private replyToClient(frame: Buffer): void {
		const message = classifyLine(frameBody(frame));
		this.options.recorder.counters.errors++;
		this.record({ origin: 'proxy', target: 'client', kind: 'message', payload: frameBody(frame), rpcId: rpcIdOf(message.id) });
		this.forwardToClient(frame);
	}

	private get upstreamGone(): boolean {
		return this.endReason === 'upstream-exited';
	}

	private onSpawnError(error: NodeJS.ErrnoException, command: string[]): void {
		this.spawnError = error;
		const message = spawnErrorMessage(error);
		this.lifecycle({ event: 'spawn-failed', command, code: error.code ?? null, message });
		this.warn(message);
		if (this.clientClosed) this.finish(spawnFailureStatus(error), 'spawn-failed');
	}

	private onUpstreamExit(exit: UpstreamExit): void {
		const status = exitStatus(exit);
		this.lifecycle({ event: 'upstream-exit', code: exit.code, signal: exit.signal });
		const describe = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
		if (!this.clientClosed) {
			this.endReason ??= 'upstream-exited';
			for (const request of this.fromClient.takeAll()) {
				this.replyToClient(errorFrame(request.id, ErrorCode.upstreamFailed, `upstream server exited (${describe})`));
			}
			if (this.endReason === 'upstream-exited') this.warn(`the server exited (${describe})`);
		}
		this.finish(status, undefined, exit);
	}

	private onClientClosed(): void {
		if (this.clientClosed) return;
		this.clientClosed = true;
		this.lifecycle({ event: 'client-closed' });
		this.endReason ??= 'client-closed';
		if (this.spawnError) {
			this.finish(spawnFailureStatus(this.spawnError), 'spawn-failed');
			return;
		}
		this.options.upstream.shutdown();
	}

	private finish(status: number, reason?: EndReason, exit?: UpstreamExit): void {
		if (this.finished) return;
		this.finished = true;
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

	private record(event: SessionEvent): void {
		this.options.recorder.record(event);
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
function forgetCancelled(pending: PendingRequests, message: ClassifiedMessage): void {
	if (message.shape !== 'notification' || message.method !== 'notifications/cancelled') return;
	const requestId = (message.parsed as { params?: { requestId?: unknown } } | undefined)?.params?.requestId;
	if (typeof requestId === 'string' || typeof requestId === 'number') pending.settle(requestId);
}

function requestsIn(message: ClassifiedMessage): (ClassifiedMessage & { parsed?: unknown })[] {
	if (message.shape === 'request') return [message];
	if (message.shape === 'batch') return (message.items ?? []).filter((item) => item.shape === 'request');
	return [];
}

function columnsOf(message: ClassifiedMessage): Pick<SessionEvent, 'method' | 'rpcId' | 'tool'> {
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
		return `cannot start the MCP server: command not found: '${command}' (check the command after \`--\` and your PATH)`;
	}
	if (error.code === 'EACCES') {
		return `cannot start the MCP server: permission denied running '${command}' (is it executable?)`;
	}
	return `cannot start the MCP server '${command}': ${error.message}`;
}

function spawnFailureStatus(error: NodeJS.ErrnoException): number {
	return error.code === 'ENOENT' ? 127 : 126;
}
