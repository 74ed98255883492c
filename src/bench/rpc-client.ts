// A raw JSON-RPC client over a child's pipes: no SDK, no schema validation, so the bench
// measures the path and not the client. Responses are matched by the numeric id that the
// fixture server writes right after "jsonrpc" (it is ours, so that is safe to rely on).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { BenchPath } from './bench-paths.js';

const NEWLINE = 0x0a;
const STDERR_TAIL_BYTES = 4096;
/** A path that stops answering fails its measure instead of hanging the bench. */
const ANSWER_TIMEOUT_MS = 60_000;

export class RpcClient {
	readonly child: ChildProcessWithoutNullStreams;
	/** Resolves with the exit code once the child has exited and its pipes closed. */
	readonly closed: Promise<number | null>;
	private readonly waiting = new Map<number, (line: Buffer) => void>();
	private readonly exitedEarly = new Set<(error: Error) => void>();
	private pending: Buffer[] = [];
	private pendingBytes = 0;
	private nextId = 1;
	private counter: { expected: number; seen: number; resolve: () => void } | undefined;
	private stderrTail = '';

	constructor(readonly path: BenchPath) {
		this.child = spawn(path.command, path.args, { env: path.env, stdio: ['pipe', 'pipe', 'pipe'] });
		this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
		this.child.stderr.on('data', (chunk: Buffer) => {
			this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
		});
		this.child.stdin.on('error', () => {
			// EPIPE when the child died; `closed` reports it.
		});
		this.closed = new Promise((resolve, reject) => {
			this.child.on('error', reject);
			this.child.on('close', (code) => {
				resolve(code);
				const error = new Error(`${path.name} exited (${code}) before answering; its stderr: ${this.stderrTail.slice(-800)}`);
				for (const reject of this.exitedEarly) reject(error);
			});
		});
	}

	get stderr(): string {
		return this.stderrTail;
	}

	/** Sends one request and resolves with the raw response line (without its newline). */
	call(method: string, params?: unknown): Promise<Buffer> {
		const id = this.nextId++;
		const line = `${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`;
		return this.answerWithin(`${method} #${id}`, (resolve) => {
			this.waiting.set(id, resolve);
			this.child.stdin.write(line);
		});
	}

	initialize(): Promise<Buffer> {
		return this.call('initialize', {
			protocolVersion: '2025-06-18',
			capabilities: {},
			clientInfo: { name: 'mcprec-bench', version: '1.0.0' },
		});
	}

	// Throughput mode: write a prepared stream of requests and only count answer lines, so the
	// client parses nothing while the clock runs.
	stream(requests: Buffer, expected: number): Promise<void> {
		return this.answerWithin(`${expected} pipelined requests`, (resolve) => {
			this.counter = { expected, seen: 0, resolve: () => resolve() };
			this.child.stdin.write(requests);
		});
	}

	private answerWithin<T>(what: string, start: (resolve: (value: T) => void) => void): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			const settle = () => {
				clearTimeout(timer);
				this.exitedEarly.delete(fail);
			};
			const fail = (error: Error) => {
				settle();
				reject(error);
			};
			const timer = setTimeout(() => {
				fail(new Error(`${this.path.name}: no answer to ${what} within ${ANSWER_TIMEOUT_MS / 1000} s; its stderr: ${this.stderr.slice(-500)}`));
				this.child.kill('SIGKILL');
			}, ANSWER_TIMEOUT_MS);
			this.exitedEarly.add(fail);
			start((value) => {
				settle();
				resolve(value);
			});
		});
	}

	/** Ends the child's stdin (the client goes away) and waits for it to exit. */
	async close(): Promise<number | null> {
		this.child.stdin.end();
		return this.closed;
	}

	private onData(chunk: Buffer): void {
		if (this.counter) {
			this.countLines(chunk);
			return;
		}
		let start = 0;
		for (let end; (end = chunk.indexOf(NEWLINE, start)) !== -1; start = end + 1) {
			let line = chunk.subarray(start, end);
			if (this.pending.length > 0) {
				this.pending.push(line);
				line = Buffer.concat(this.pending, this.pendingBytes + line.length);
				this.pending = [];
				this.pendingBytes = 0;
			}
			this.onLine(line);
		}
		if (start < chunk.length) {
			this.pending.push(chunk.subarray(start));
			this.pendingBytes += chunk.length - start;
		}
	}

	private countLines(chunk: Buffer): void {
		const counter = this.counter!;
		for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) counter.seen++;
		if (counter.seen >= counter.expected) {
			this.counter = undefined;
			counter.resolve();
		}
	}

	private onLine(line: Buffer): void {
		const match = /"id":(\d+)/.exec(line.toString('latin1', 0, Math.min(line.length, 64)));
		if (!match) throw new Error(`bench client: a line without a numeric id: ${line.toString('utf8', 0, 200)}`);
		const id = Number(match[1]);
		const resolve = this.waiting.get(id);
		if (!resolve) throw new Error(`bench client: an answer to unknown request ${id}`);
		this.waiting.delete(id);
		resolve(line);
	}
}

/** Newline-delimited `tools/call echo` requests with ids first..first+count-1, as one buffer. */
export function echoRequests(options: { first: number; count: number; text?: string }): Buffer {
	const text = JSON.stringify(options.text ?? 'hello');
	const lines: string[] = [];
	for (let id = options.first; id < options.first + options.count; id++) {
		lines.push(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":${text}}}}\n`);
	}
	return Buffer.from(lines.join(''));
}
