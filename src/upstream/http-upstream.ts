// A remote MCP server over Streamable HTTP (MCP spec 2025-03-26 … 2025-11-25, "Transports"),
// behind the same seam as a stdio child: the proxy sends newline-delimited frames and
// receives them. Each client message is one POST; the answer is JSON, an event stream, or
// 202. Server→client requests and notifications also arrive on the GET stream. The bytes of
// each message pass as the server sent them (only JSON whitespace newlines become spaces,
// so a message stays one line): nothing is parsed into a schema, so nothing unknown is lost.
//
// Written on fetch rather than the SDK's client transport: that one validates every
// message against its schema (a message it does not know would be dropped, not recorded),
// re-serialises what it forwards, and loads zod and more at every start of `run`.

import { describeContentType, describeHttpStatus, describeNetworkFailure, RemoteUpstreamError } from './describe-http-failure.js';
import { SseParser, type ServerSentEvent } from './sse-parser.js';
import type { JsonRpcId } from '../jsonrpc/classify.js';
import type { Upstream, UpstreamHandlers } from './upstream.js';

export interface HttpUpstreamOptions {
	url: URL;
	/** Headers for every request (secrets already put in); never recorded or shown. */
	headers: Record<string, string>;
	/** `--transport`: auto tries Streamable HTTP and falls back to HTTP+SSE as the spec says; the others only try theirs. */
	transport?: 'auto' | 'streamable-http' | 'sse';
	/** Turns text from the server into text safe to show (the values of injected secrets removed). */
	redact?: (text: string) => string;
	/** How long close() lets open exchanges finish before it cuts them (the stdio recipe's grace). */
	closeGraceMs?: number;
	/** Most POSTs waiting for their answer's headers at once; later messages queue (back-pressure). */
	maxPending?: number;
	fetch?: typeof fetch;
	/** ms clock, for the timing facts. */
	now?: () => number;
}

/** What one POST carried, as far as the upstream needs to know. */
interface Outgoing {
	line: string;
	/** Ids of the requests in it (a batch may hold several). */
	requestIds: JsonRpcId[];
	isInitialize: boolean;
	isInitialized: boolean;
	/** Already re-sent once after the session was renewed (never twice). */
	retried?: boolean;
	/** This message holds the queue until it is answered (initialize, initialized, or the first before the server answered). */
	holdsQueue?: boolean;
	/** 2026-07-28 (SEP-2243): what the message's body says, mirrored into HTTP headers. */
	mirrored?: Record<string, string>;
}

const ACCEPT_POST = 'application/json, text/event-stream';
const MAX_RECONNECT_DELAY_MS = 30_000;
const MAX_RESUME_ATTEMPTS = 5;

export class HttpUpstream implements Upstream {
	readonly pid = undefined;
	private handlers: UpstreamHandlers | undefined;
	private readonly fetch: typeof fetch;
	private readonly now: () => number;
	private readonly redact: (text: string) => string;
	private readonly abort = new AbortController();
	private sessionId: string | undefined;
	private protocolVersion: string | undefined;
	/** The client's `initialize`, kept to renew an expired session (spec: 404 → new InitializeRequest). */
	private initializeLine: string | undefined;
	private connected = false;
	private startFailed = false;
	/** Messages that wait: for the session id (initialize in flight), for a renewal, or for a free slot. */
	private readonly queue: Outgoing[] = [];
	private holdForSession = false;
	private pendingPosts = 0;
	/** Exchanges (POSTs and resumptions) whose bodies are still being read. */
	private readonly open = new Set<Promise<void>>();
	private partial: Buffer = Buffer.alloc(0);
	private readonly drainListeners: (() => void)[] = [];
	private paused = false;
	private resumeWaiters: (() => void)[] = [];
	private getStream: AbortController | undefined;
	private closing = false;
	private exited = false;
	private renewals = 0;
	private retryMs = 1000;
	/** Which transport is spoken: Streamable HTTP, or the 2024-11-05 HTTP+SSE one. */
	private mode: 'streamable-http' | 'sse';
	/** HTTP+SSE: where messages are POSTed (the stream's `endpoint` event). */
	private endpoint: URL | undefined;
	private legacyOpening: Promise<void> | undefined;
	/** HTTP+SSE: requests whose answers have not come down the stream yet (close waits for them). */
	private readonly legacyUnanswered = new Set<JsonRpcId>();

	constructor(private readonly options: HttpUpstreamOptions) {
		this.mode = options.transport === 'sse' ? 'sse' : 'streamable-http';
		this.fetch = options.fetch ?? globalThis.fetch;
		this.now = options.now ?? (() => performance.now());
		this.redact = options.redact ?? ((text) => text);
	}

	start(handlers: UpstreamHandlers): void {
		this.handlers = handlers;
	}

	send(pieces: readonly Buffer[]): boolean {
		if (this.closing || this.startFailed) return true;
		// Split as bytes, decoded per line: a character is never cut in two.
		const bytes = Buffer.concat([this.partial, ...pieces]);
		let start = 0;
		for (let end = bytes.indexOf(0x0a, start); end !== -1; end = bytes.indexOf(0x0a, start)) {
			const line = bytes.toString('utf8', start, end).replace(/\r$/, '');
			start = end + 1;
			if (line.trim() !== '') this.enqueue(describeOutgoing(line));
		}
		this.partial = bytes.subarray(start);
		return this.queue.length < this.maxPending;
	}

	onDrain(listener: () => void): void {
		this.drainListeners.push(listener);
	}

	pause(): void {
		this.paused = true;
	}

	resume(): void {
		this.paused = false;
		for (const wake of this.resumeWaiters.splice(0)) wake();
	}

	/** Lets open exchanges finish (half-close: answers still reach the client), then ends the session with DELETE. */
	close(): void {
		if (this.closing) return;
		this.closing = true;
		// HTTP+SSE answers come down the one stream: it stays open while answers are due.
		if (this.mode === 'streamable-http') this.getStream?.abort();
		const grace = setTimeout(() => this.abort.abort(), this.options.closeGraceMs ?? 2000);
		grace.unref();
		void this.settleAll()
			.then(() => this.legacyAnswered())
			.then(() => {
				this.getStream?.abort();
				return this.deleteSession();
			})
			.finally(() => {
				clearTimeout(grace);
				this.exit(null);
			});
	}

	/** No process to signal: a signal to mcprec cuts the open exchanges at once. */
	signal(signal: NodeJS.Signals): void {
		this.abort.abort();
		this.getStream?.abort();
		if (!this.closing) {
			this.closing = true;
			void this.deleteSession().finally(() => this.exit(signal));
		}
	}

	private get maxPending(): number {
		return this.options.maxPending ?? 32;
	}

	private enqueue(outgoing: Outgoing): void {
		if (outgoing.isInitialize) this.initializeLine = outgoing.line;
		this.queue.push(outgoing);
		this.pump();
	}

	// Messages leave in order; while `initialize` has no answer yet, nothing else leaves
	// (the rest need the session id it brings). After `notifications/initialized`, the next
	// messages wait until the GET stream is open too: a server sends requests that belong to
	// no POST (sampling from a tool, with the SDK) only there, and drops them while it is not.
	private pump(): void {
		if (this.mode === 'sse' && this.endpoint === undefined) {
			// The stream comes first: it says where to POST.
			if (this.queue.length > 0 && !this.startFailed) this.legacyOpening ??= this.openLegacyStream(undefined);
			return;
		}
		while (this.queue.length > 0 && !this.holdForSession && this.pendingPosts < this.maxPending && !this.startFailed) {
			const outgoing = this.queue.shift()!;
			outgoing.holdsQueue = outgoing.isInitialize || outgoing.isInitialized || !this.connected;
			if (outgoing.holdsQueue) this.holdForSession = true;
			this.track(this.post(outgoing));
		}
		if (this.queue.length < this.maxPending) for (const listener of this.drainListeners.splice(0)) listener();
	}

	private track(work: Promise<void>): void {
		const settled = work.catch(() => {}).finally(() => this.open.delete(settled));
		this.open.add(settled);
	}

	private async settleAll(): Promise<void> {
		while (this.open.size > 0 || (this.queue.length > 0 && !this.startFailed && !this.abort.signal.aborted)) {
			this.pump();
			await Promise.race([...this.open, new Promise((resolve) => setTimeout(resolve, 50))]);
		}
	}

	private headers(extra: Record<string, string>): Record<string, string> {
		const headers: Record<string, string> = { ...this.options.headers, ...extra };
		if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
		if (this.protocolVersion !== undefined) headers['mcp-protocol-version'] = this.protocolVersion;
		return headers;
	}

	private async post(outgoing: Outgoing): Promise<void> {
		if (this.mode === 'sse') return this.postLegacy(outgoing);
		const { url } = this.options;
		const started = this.now();
		const sentSession = this.sessionId;
		this.pendingPosts++;
		let response: Response;
		try {
			response = await this.fetch(url, {
				method: 'POST',
				headers: { ...this.headers({ 'content-type': 'application/json', accept: ACCEPT_POST }), ...outgoing.mirrored },
				body: outgoing.line,
				signal: this.abort.signal,
			});
		} catch (error) {
			this.postAnswered();
			this.releaseSessionHold(outgoing);
			this.failed(outgoing, describeNetworkFailure(url, error));
			return;
		}
		this.postAnswered();
		const status = response.status;
		if (outgoing.isInitialize) {
			const sessionId = response.headers.get('mcp-session-id') ?? undefined;
			if (response.ok) this.sessionId = sessionId;
			this.fact({ event: 'http-connect', url: url.href, status, sessionId: sessionId ?? null, contentType: response.headers.get('content-type'), ms: round(this.now() - started) });
		}
		// Spec (backwards compatibility): a 4xx to the first POST may be an HTTP+SSE server; try its GET.
		if (outgoing.isInitialize && (this.options.transport ?? 'auto') === 'auto' && isFallbackStatus(status)) {
			const problem = describeHttpStatus(url, status, response.statusText, this.redact(await readText(response)));
			this.fact({ event: 'http-fallback', from: 'streamable-http', to: 'sse', status });
			this.mode = 'sse';
			this.queue.unshift(outgoing);
			this.holdForSession = false;
			this.legacyOpening = this.openLegacyStream(problem);
			return;
		}
		// Spec (session management): 404 to a request that carried a session id = the session expired.
		if (status === 404 && sentSession !== undefined && !outgoing.isInitialize) {
			await response.body?.cancel().catch(() => {});
			await this.renewSession(outgoing, sentSession);
			return;
		}
		if (!response.ok) {
			const body = await readText(response);
			this.releaseSessionHold(outgoing);
			this.failed(outgoing, describeHttpStatus(url, status, response.statusText, this.redact(body)));
			return;
		}
		if (status === 202 || outgoing.requestIds.length === 0) {
			await response.body?.cancel().catch(() => {});
			if (outgoing.isInitialized) await Promise.race([this.openGetStream(undefined), delay(2000, this.abort.signal).catch(() => {})]);
			this.releaseSessionHold(outgoing);
			return;
		}
		const type = mediaType(response.headers.get('content-type'));
		// The server speaks MCP: from now on a failure is one message's, not the session's.
		// (A 2026-07-28 client sends no `initialize`: its first answered request counts.)
		if (type === 'text/event-stream' || type === 'application/json') this.connected = true;
		if (type === 'text/event-stream') {
			this.releaseSessionHold(outgoing);
			await this.readEventStream(response, outgoing);
			return;
		}
		if (type === 'application/json') {
			const body = await readText(response);
			if (outgoing.isInitialize) this.learnProtocolVersion(body);
			this.releaseSessionHold(outgoing);
			if (body.trim() !== '') this.emit(body);
			// A request the body does not answer would wait forever: it fails instead.
			const answered = new Set(responseIdsOf(body));
			const missing = outgoing.requestIds.filter((id) => !answered.has(id));
			if (missing.length > 0) {
				this.fact({ event: 'http-answer-missing', ids: missing, status });
				for (const id of missing) this.handlers?.onRequestFailed(id, `the MCP server at ${url.href} answered the POST without a response to this request`);
			}
			return;
		}
		await response.body?.cancel().catch(() => {});
		this.releaseSessionHold(outgoing);
		this.failed(outgoing, describeContentType(url, response.headers.get('content-type')));
	}

	// A slot is free: what waits for one may leave.
	private postAnswered(): void {
		this.pendingPosts--;
		queueMicrotask(() => this.pump());
	}

	private releaseSessionHold(outgoing: Outgoing): void {
		// Only the message that set the hold lifts it (a 2026-07-28 client's first request sets it too, having no initialize).
		if (!outgoing.holdsQueue) return;
		outgoing.holdsQueue = false;
		this.holdForSession = false;
		queueMicrotask(() => this.pump());
	}

	// The answers of one POST as a stream. If it ends before every request in it is answered,
	// the spec (2025-11-25, "Resumability and Redelivery") lets the client resume it with a GET
	// carrying Last-Event-ID, when the server gave event ids; without them the requests fail.
	private async readEventStream(response: Response, outgoing: Outgoing): Promise<void> {
		const unanswered = new Set<JsonRpcId>(outgoing.requestIds);
		let lastEventId: string | undefined;
		let body: Response | undefined = response;
		let attempts = 0;
		for (;;) {
			const ended = await this.consumeStream(body!, {
				onId: (id) => {
					lastEventId = id;
				},
				onMessage: (data) => {
					if (outgoing.isInitialize) this.learnProtocolVersion(data);
					for (const id of responseIdsOf(data)) unanswered.delete(id);
				},
				done: () => unanswered.size === 0,
			});
			if (unanswered.size === 0 || this.abort.signal.aborted) return;
			if (lastEventId === undefined || attempts >= MAX_RESUME_ATTEMPTS) {
				const why = ended.error ? `the connection broke (${ended.error})` : 'the server ended it';
				this.fact({ event: 'http-stream-lost', ids: [...unanswered], lastEventId: lastEventId ?? null, reason: why });
				for (const id of unanswered) {
					this.handlers?.onRequestFailed(id, `the MCP server at ${this.options.url.href} closed the answer stream before answering (${why}; no event id to resume from)`);
				}
				return;
			}
			attempts++;
			await delay(attempts === 1 ? 0 : this.reconnectDelay(attempts), this.abort.signal);
			this.fact({ event: 'http-stream-resume', lastEventId, attempt: attempts });
			body = await this.resumeGet(lastEventId);
			if (!body) continue;
			attempts = 0;
		}
	}

	private async resumeGet(lastEventId: string): Promise<Response | undefined> {
		try {
			const response = await this.fetch(this.options.url, {
				method: 'GET',
				headers: this.headers({ accept: 'text/event-stream', 'last-event-id': lastEventId }),
				signal: this.abort.signal,
			});
			if (response.ok && mediaType(response.headers.get('content-type')) === 'text/event-stream') return response;
			this.fact({ event: 'http-stream-resume-refused', status: response.status });
			await response.body?.cancel().catch(() => {});
		} catch {
			// Counted as an attempt; the caller tries again after a delay.
		}
		return undefined;
	}

	// The stream for what the server sends on its own (spec: "Listening for Messages from the
	// Server"). 405 means it has none; a broken one is resumed from its last event id.
	// HTTP+SSE (2024-11-05): a GET opens the one stream the server talks on; its first event
	// names the endpoint for POSTs. `problem` is the Streamable HTTP failure that led here in
	// auto mode: if this fails too, that one is reported (a wrong URL fails both ways).
	private async openLegacyStream(problem: RemoteUpstreamError | undefined): Promise<void> {
		const { url } = this.options;
		const started = this.now();
		const controller = new AbortController();
		this.getStream = controller;
		const signal = AbortSignal.any([controller.signal, this.abort.signal]);
		let response: Response;
		try {
			response = await this.fetch(url, { method: 'GET', headers: this.headers({ accept: 'text/event-stream' }), signal });
		} catch (error) {
			this.legacyFailed(problem ?? describeNetworkFailure(url, error));
			return;
		}
		const type = mediaType(response.headers.get('content-type'));
		if (!response.ok || type !== 'text/event-stream') {
			const body = await readText(response);
			this.legacyFailed(problem ?? (response.ok ? describeContentType(url, response.headers.get('content-type')) : describeHttpStatus(url, response.status, response.statusText, this.redact(body))));
			return;
		}
		let announce!: (endpoint: URL | undefined) => void;
		const announced = new Promise<URL | undefined>((resolve) => (announce = resolve));
		const reading = this.consumeStream(response, {
			onId: () => {},
			onMessage: (data) => {
				for (const id of responseIdsOf(data)) this.legacyUnanswered.delete(id);
			},
			done: () => false,
			onOtherEvent: (event) => {
				if (event.event !== 'endpoint' || this.endpoint !== undefined) return;
				const endpoint = safeEndpoint(event.data, url);
				if (endpoint) this.endpoint = endpoint;
				announce(endpoint);
			},
		});
		void reading.then((ended) => {
			announce(undefined);
			this.legacyStreamEnded(ended.error);
		});
		const timeout = delay(10_000, this.abort.signal).then(
			() => undefined,
			() => undefined,
		);
		const endpoint = await Promise.race([announced, timeout]);
		if (!endpoint) {
			controller.abort();
			this.legacyFailed(
				problem ??
					new RemoteUpstreamError(`the MCP server at ${url.href} opened an event stream but named no endpoint on its own origin to POST to; is this an MCP server (HTTP+SSE)?`, 'ENOENDPOINT'),
			);
			return;
		}
		this.fact({ event: 'http-connect', transport: 'sse', url: url.href, status: response.status, endpoint: endpoint.pathname, ms: round(this.now() - started) });
		this.pump();
	}

	private legacyFailed(problem: RemoteUpstreamError): void {
		this.getStream = undefined;
		const first = this.queue.shift() ?? { line: '', requestIds: [], isInitialize: true, isInitialized: false };
		this.failed(first, problem);
	}

	// HTTP+SSE has no way to resume its stream: when it ends, the server is gone for this session.
	private legacyStreamEnded(error: string | undefined): void {
		if (this.closing || this.endpoint === undefined || this.exited) return;
		this.fact({ event: 'http-sse-stream-lost', reason: error ?? 'ended by the server' });
		this.handlers?.onStderr(Buffer.from(`mcprec: the MCP server at ${this.options.url.href} closed its event stream (${error ?? 'ended by the server'}); the HTTP+SSE transport cannot resume it\n`));
		this.closing = true;
		this.abort.abort();
		this.exit(null, 1);
	}

	private async postLegacy(outgoing: Outgoing): Promise<void> {
		const endpoint = this.endpoint!;
		this.pendingPosts++;
		for (const id of outgoing.requestIds) this.legacyUnanswered.add(id);
		let response: Response;
		try {
			response = await this.fetch(endpoint, { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: outgoing.line, signal: this.abort.signal });
		} catch (error) {
			this.postAnswered();
			this.releaseSessionHold(outgoing);
			for (const id of outgoing.requestIds) this.legacyUnanswered.delete(id);
			this.failed(outgoing, describeNetworkFailure(endpoint, error));
			return;
		}
		this.postAnswered();
		const body = await readText(response);
		if (response.ok && outgoing.isInitialize) this.connected = true;
		this.releaseSessionHold(outgoing);
		if (!response.ok) {
			for (const id of outgoing.requestIds) this.legacyUnanswered.delete(id);
			this.failed(outgoing, describeHttpStatus(endpoint, response.status, response.statusText, this.redact(body)));
		}
	}

	private async legacyAnswered(): Promise<void> {
		while (this.mode === 'sse' && this.legacyUnanswered.size > 0 && !this.abort.signal.aborted && !this.exited) {
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	}

	// Resolves once the server answered the GET (open or not) or it failed.
	private openGetStream(lastEventId: string | undefined, attempt = 0): Promise<void> {
		if (this.closing || this.getStream) return Promise.resolve();
		const controller = new AbortController();
		this.getStream = controller;
		const signal = AbortSignal.any([controller.signal, this.abort.signal]);
		let answered!: () => void;
		const ready = new Promise<void>((resolve) => (answered = resolve));
		void (async () => {
			let last = lastEventId;
			let error: string | undefined;
			try {
				const extra: Record<string, string> = { accept: 'text/event-stream' };
				if (last !== undefined) extra['last-event-id'] = last;
				const response = await this.fetch(this.options.url, { method: 'GET', headers: this.headers(extra), signal });
				answered();
				if (!response.ok || mediaType(response.headers.get('content-type')) !== 'text/event-stream') {
					await response.body?.cancel().catch(() => {});
					this.fact({ event: 'http-get-stream', status: response.status, open: false });
					this.getStream = undefined;
					return;
				}
				if (attempt === 0) this.fact({ event: 'http-get-stream', status: response.status, open: true });
				attempt = 0;
				const ended = await this.consumeStream(response, { onId: (id) => (last = id), onMessage: () => {}, done: () => false });
				error = ended.error;
			} catch (thrown) {
				error = (thrown as Error).message;
			}
			answered();
			this.getStream = undefined;
			if (this.closing || signal.aborted) return;
			this.fact({ event: 'http-get-stream-lost', reason: error ?? 'ended by the server', lastEventId: last ?? null });
			await delay(this.reconnectDelay(attempt + 1), this.abort.signal).catch(() => {});
			if (!this.closing) void this.openGetStream(last, attempt + 1);
		})();
		return ready;
	}

	private reconnectDelay(attempt: number): number {
		return Math.min(MAX_RECONNECT_DELAY_MS, this.retryMs * 1.5 ** Math.max(0, attempt - 1));
	}

	// Reads an event stream to its end, handing each message on; honours pause() by not
	// reading (TCP then slows the server down).
	private async consumeStream(
		response: Response,
		hooks: { onId(id: string): void; onMessage(data: string): void; done(): boolean; onOtherEvent?(event: ServerSentEvent): void },
	): Promise<{ error?: string }> {
		const parser = new SseParser({
			onEvent: (event) => {
				if (event.event !== 'message') hooks.onOtherEvent?.(event);
				// An event with empty data only carries an id (a "priming" event, 2025-11-25) or keeps the stream alive.
				if (event.event !== 'message' || event.data.trim() === '') return;
				hooks.onMessage(event.data);
				this.emit(event.data);
			},
			onId: (id) => hooks.onId(id),
			onRetry: (milliseconds) => {
				this.retryMs = milliseconds;
			},
		});
		const body = response.body;
		if (!body) return {};
		const reader = body.getReader();
		try {
			for (;;) {
				if (this.paused) await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
				const { value, done } = await reader.read();
				if (done) break;
				parser.push(value);
				// The answers are all in: the POST's stream has nothing more to say.
				if (hooks.done()) {
					await reader.cancel().catch(() => {});
					break;
				}
			}
			parser.end();
			return {};
		} catch (error) {
			return { error: (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message };
		}
	}

	// Spec (session management): a 404 to a request with a session id means the session is
	// gone; the client must start a new one with a fresh InitializeRequest. The client of
	// mcprec already did its handshake, so mcprec does it again with the client's own
	// `initialize` (under an id of its own, answer swallowed) and re-sends the message.
	private async renewSession(outgoing: Outgoing, expired: string): Promise<void> {
		if (outgoing.retried || this.initializeLine === undefined) {
			this.failed(outgoing, new RemoteUpstreamError(`the MCP server at ${this.options.url.href} no longer knows this session (404) and renewing it did not help`, 'HTTP_404', 404));
			return;
		}
		this.queue.unshift({ ...outgoing, retried: true });
		if (this.sessionId !== expired) return; // Another message already renewed it.
		this.holdForSession = true;
		this.sessionId = undefined;
		this.protocolVersion = undefined;
		this.getStream?.abort();
		this.getStream = undefined;
		const started = this.now();
		this.renewals++;
		const ownId = `mcprec-renew-${this.renewals}`;
		const initialize = JSON.parse(this.initializeLine) as Record<string, unknown>;
		initialize.id = ownId;
		let status = 0;
		try {
			const response = await this.fetch(this.options.url, {
				method: 'POST',
				headers: this.headers({ 'content-type': 'application/json', accept: ACCEPT_POST }),
				body: JSON.stringify(initialize),
				signal: this.abort.signal,
			});
			status = response.status;
			if (!response.ok) throw describeHttpStatus(this.options.url, status, response.statusText, this.redact(await readText(response)));
			this.sessionId = response.headers.get('mcp-session-id') ?? undefined;
			const text = await readText(response);
			const answer = mediaType(response.headers.get('content-type')) === 'text/event-stream' ? lastSseMessage(text) : text;
			this.learnProtocolVersion(answer ?? '');
			await this.fetch(this.options.url, {
				method: 'POST',
				headers: this.headers({ 'content-type': 'application/json', accept: ACCEPT_POST }),
				body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
				signal: this.abort.signal,
			}).then((answered) => answered.body?.cancel());
			this.fact({ event: 'http-session-renewed', expired, sessionId: this.sessionId ?? null, status, ms: round(this.now() - started) });
			await Promise.race([this.openGetStream(undefined), delay(2000, this.abort.signal).catch(() => {})]);
			this.holdForSession = false;
			this.pump();
		} catch (error) {
			const problem = error instanceof RemoteUpstreamError ? error : describeNetworkFailure(this.options.url, error);
			this.fact({ event: 'http-session-renewal-failed', expired, status, code: problem.code });
			this.holdForSession = false;
			// Everything waiting fails with the reason; later messages try again.
			for (const waiting of this.queue.splice(0)) this.failed(waiting, problem);
		}
	}

	// Before the first answer, a failure means the server cannot be used at all (the proxy
	// answers every request with it, like a failed spawn); afterwards only this message fails.
	private failed(outgoing: Outgoing, found: RemoteUpstreamError): void {
		if (this.abort.signal.aborted && this.closing) return;
		// A secret in a header that fetch refuses (a stray line break) would be quoted in its message.
		const problem = new RemoteUpstreamError(this.redact(found.message), found.code, found.status);
		if (!this.connected) {
			if (this.startFailed) return;
			this.startFailed = true;
			this.fact({ event: 'http-failed', url: this.options.url.href, code: problem.code, status: problem.status ?? null });
			const error = Object.assign(new Error(problem.message), { code: problem.code, remote: true }) as NodeJS.ErrnoException;
			this.handlers?.onStartError(error);
			return;
		}
		this.fact({ event: 'http-error', code: problem.code, status: problem.status ?? null, ids: outgoing.requestIds });
		for (const id of outgoing.requestIds) this.handlers?.onRequestFailed(id, problem.message);
		if (outgoing.requestIds.length === 0) this.handlers?.onStderr(Buffer.from(`mcprec: a notification could not be delivered: ${problem.message}\n`));
	}

	private async deleteSession(): Promise<void> {
		if (this.sessionId === undefined) return;
		const started = this.now();
		const signal = AbortSignal.timeout(2000);
		try {
			const response = await this.fetch(this.options.url, { method: 'DELETE', headers: this.headers({}), signal });
			await response.body?.cancel().catch(() => {});
			this.fact({ event: 'http-session-deleted', sessionId: this.sessionId, status: response.status, ms: round(this.now() - started) });
		} catch (error) {
			this.fact({ event: 'http-session-deleted', sessionId: this.sessionId, status: null, error: describeNetworkFailure(this.options.url, error).code });
		}
	}

	private learnProtocolVersion(text: string): void {
		try {
			const version = (JSON.parse(text) as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
			if (typeof version === 'string') this.protocolVersion = version;
		} catch {
			// Not the initialize result; the header stays unset.
		}
	}

	private emit(text: string): void {
		// Newlines in JSON can only be whitespace between tokens: as spaces, the message is one frame.
		const line = /[\r\n]/.test(text) ? text.replace(/\r\n|\r|\n/g, ' ') : text;
		this.handlers?.onData(Buffer.from(`${line}\n`, 'utf8'));
	}

	private fact(fact: Record<string, unknown>): void {
		this.handlers?.onFact(fact);
	}

	private exit(signal: NodeJS.Signals | null, code = 0): void {
		if (this.exited) return;
		this.exited = true;
		this.handlers?.onExit({ code: signal ? null : code, signal });
	}
}

// 401/403 and friends are about credentials, not the transport: no fallback for them.
function isFallbackStatus(status: number): boolean {
	return status >= 400 && status < 500 && ![401, 403, 407, 429].includes(status);
}

/** The `endpoint` event's URI, resolved against the stream's URL; only on the same origin (messages carry the session). */
function safeEndpoint(data: string, base: URL): URL | undefined {
	try {
		const endpoint = new URL(data.trim(), base);
		return endpoint.origin === base.origin ? endpoint : undefined;
	} catch {
		return undefined;
	}
}

function describeOutgoing(line: string): Outgoing {
	let parsed: unknown;
	try {
		parsed = JSON.parse(line);
	} catch {
		return { line, requestIds: [], isInitialize: false, isInitialized: false };
	}
	const messages = Array.isArray(parsed) ? parsed : [parsed];
	const requestIds: JsonRpcId[] = [];
	let isInitialize = false;
	let isInitialized = false;
	for (const message of messages) {
		if (typeof message !== 'object' || message === null) continue;
		const { method, id } = message as { method?: unknown; id?: unknown };
		if (typeof method !== 'string') continue;
		if (id !== undefined && (typeof id === 'string' || typeof id === 'number' || id === null)) requestIds.push(id);
		if (method === 'initialize') isInitialize = true;
		if (method === 'notifications/initialized') isInitialized = true;
	}
	return { line, requestIds, isInitialize, isInitialized, mirrored: Array.isArray(parsed) ? undefined : mirroredHeaders(parsed) };
}

// MCP 2026-07-28 (stateless, SEP-2243): every POST repeats in headers what its body says —
// the protocol version from `_meta`, the method, and for tools/call, prompts/get and
// resources/read the name or URI — so intermediaries can route without reading the body.
// Only for messages of that era (they carry the version in `_meta`); a value that cannot be
// a header value (not printable ASCII) is left to the body.
function mirroredHeaders(message: unknown): Record<string, string> | undefined {
	if (typeof message !== 'object' || message === null) return undefined;
	const { method, params } = message as { method?: unknown; params?: { _meta?: Record<string, unknown>; name?: unknown; uri?: unknown } };
	const version = params?._meta?.['io.modelcontextprotocol/protocolVersion'];
	if (typeof method !== 'string' || typeof version !== 'string') return undefined;
	const headers: Record<string, string> = {};
	const put = (name: string, value: unknown) => {
		if (typeof value === 'string' && /^[\x20-\x7e]*$/.test(value)) headers[name] = value;
	};
	put('mcp-protocol-version', version);
	put('mcp-method', method);
	if (method === 'tools/call' || method === 'prompts/get') put('mcp-name', params?.name);
	if (method === 'resources/read') put('mcp-name', params?.uri);
	return headers;
}

/** Ids of the responses in one message (or batch). */
function responseIdsOf(data: string): JsonRpcId[] {
	try {
		const parsed = JSON.parse(data) as unknown;
		const messages = Array.isArray(parsed) ? parsed : [parsed];
		return messages
			.filter((message) => typeof message === 'object' && message !== null && !('method' in message) && ('result' in message || 'error' in message))
			.map((message) => (message as { id: JsonRpcId }).id);
	} catch {
		return [];
	}
}

function lastSseMessage(text: string): string | undefined {
	let last: string | undefined;
	const parser = new SseParser({ onEvent: (event) => (last = event.event === 'message' && event.data.trim() !== '' ? event.data : last) });
	parser.push(Buffer.from(text));
	parser.push(Buffer.from('\n\n'));
	return last;
}

function mediaType(contentType: string | null): string {
	return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

async function readText(response: Response): Promise<string> {
	try {
		return await response.text();
	} catch {
		return '';
	}
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal.aborted) {
			reject(signal.reason);
			return;
		}
		const timer = setTimeout(resolve, ms).unref();
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			reject(signal.reason);
		}, { once: true });
	});
}

function round(ms: number): number {
	return Math.round(ms * 10) / 10;
}
