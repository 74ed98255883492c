// HTTP to the collector (README "Collector API") for `mcprec sync`: bearer token on every
// request, and bounded retries with exponential back-off on whatever may pass by itself
// (connection refused or reset, timeouts, 5xx, 429). Other answers are returned as
// CollectorError for the caller to act on (409 carries `expectedSeq`).

import type { DevicePublicKey } from '../event/device-signature.js';

export interface CollectorClientOptions {
	/** http(s)://host:port, without a trailing slash. */
	endpoint: string;
	/** The bearer token, asked for before each request (refreshed when it expires). */
	accessToken: () => Promise<string>;
	/** Attempts per request before giving up (`sync --retries`). */
	attempts: number;
	/** First back-off delay; doubles each time, capped at 8 s (default 250 ms). */
	baseDelayMs?: number;
	/** Per request (default 60 s). */
	timeoutMs?: number;
	/** Told about every retry, for the progress line. */
	onRetry?: (problem: string, delayMs: number) => void;
}

/** The collector answered, but not with success. */
export class CollectorError extends Error {
	override name = 'CollectorError';
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly body: Record<string, unknown>,
	) {
		super(message);
	}
}

/** The collector could not be reached (or kept failing) after every retry. */
export class CollectorUnreachableError extends Error {
	override name = 'CollectorUnreachableError';
}

export interface PutSessionAnswer {
	stored: { events: number; ackSeq: number; headHash: string | null };
	integrity: string;
	sealProblem?: string;
}

export interface PostEventsAnswer {
	ackSeq: number;
	stored: number;
	duplicates: number;
	integrity: string;
}

export class CollectorClient {
	private readonly attempts: number;
	private readonly baseDelayMs: number;

	constructor(private readonly options: CollectorClientOptions) {
		this.attempts = Math.max(1, options.attempts);
		this.baseDelayMs = options.baseDelayMs ?? 250;
	}

	putSession(id: string, document: Record<string, unknown>): Promise<PutSessionAnswer> {
		return this.request<PutSessionAnswer>('PUT', `/api/v1/sessions/${encodeURIComponent(id)}`, JSON.stringify(document), 'application/json');
	}

	postEvents(id: string, ndjson: string): Promise<PostEventsAnswer> {
		return this.request<PostEventsAnswer>('POST', `/api/v1/sessions/${encodeURIComponent(id)}/events`, ndjson, 'application/x-ndjson');
	}

	putDevice(id: string, publicKey: DevicePublicKey, name: string): Promise<unknown> {
		return this.request('PUT', `/api/v1/devices/${encodeURIComponent(id)}`, JSON.stringify({ publicKey, name }), 'application/json');
	}

	/** The device as registered for the signed-in user; a CollectorError with status 404 when it is not. */
	getDevice(id: string): Promise<{ id: string; publicKey: DevicePublicKey }> {
		return this.request('GET', `/api/v1/devices/${encodeURIComponent(id)}`, undefined, undefined);
	}

	private async request<T = Record<string, unknown>>(method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<T> {
		const url = `${this.options.endpoint}${path}`;
		for (let attempt = 1; ; attempt++) {
			let problem: string;
			// Outside the try: a login that cannot be renewed is not worth retrying.
			const token = await this.options.accessToken();
			try {
				const response = await fetch(url, {
					method,
					headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}), accept: 'application/json' },
					body,
					signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
				});
				const answer = await readJson(response);
				if (response.ok) return answer as T;
				const error = (answer.error ?? {}) as { code?: string; message?: string };
				if (response.status < 500 && response.status !== 429) {
					throw new CollectorError(response.status, error.code ?? 'error', `${method} ${path}: ${response.status} ${error.message ?? response.statusText}`, answer);
				}
				problem = `HTTP ${response.status}${error.message ? ` (${error.message})` : ''}`;
			} catch (error) {
				if (error instanceof CollectorError) throw error;
				problem = describeNetworkError(error);
			}
			if (attempt >= this.attempts) {
				throw new CollectorUnreachableError(`the collector at ${this.options.endpoint} did not answer ${method} ${path} after ${attempt} attempts (last: ${problem})`);
			}
			const delayMs = backOffMs(this.baseDelayMs, attempt);
			this.options.onRetry?.(problem, delayMs);
			await new Promise((resolve) => setTimeout(resolve, delayMs));
		}
	}
}

/** Exponential, capped at 8 s, with jitter so many clients do not retry in step. */
export function backOffMs(baseDelayMs: number, attempt: number): number {
	const ceiling = Math.min(8000, baseDelayMs * 2 ** (attempt - 1));
	return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
	const text = await response.text();
	if (text === '') return {};
	try {
		return JSON.parse(text) as Record<string, unknown>;
	} catch {
		return { error: { code: 'not_json', message: `the answer is not JSON: ${text.slice(0, 200)}` } };
	}
}

function describeNetworkError(error: unknown): string {
	const failure = error as Error & { cause?: { code?: string; message?: string } };
	if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') return 'the request timed out';
	return failure?.cause?.code ?? failure?.cause?.message ?? failure?.message ?? String(error);
}
