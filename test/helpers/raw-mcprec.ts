// Drives the built `mcprec run` over raw bytes: tests write exact JSON-RPC lines to its
// stdin and read exact lines from its stdout, with no MCP client in between.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { makeHome, mcprecBin } from './mcprec.js';

export interface RawExit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

/** Extra options of `mcprec run` (before `--`) and the user to run it as. */
export interface RawOptions {
	runOptions?: string[];
	/** Put `--` between run's options and the command (default); false leaves it out, as some launchers do. */
	separator?: boolean;
	/** Extra environment for mcprec and the server it starts. */
	env?: Record<string, string>;
	uid?: number;
	gid?: number;
}

/** One running `mcprec run -- <command>` with byte-level access to its pipes. */
export class RawSession {
	readonly child: ChildProcessWithoutNullStreams;
	/** Every complete stdout line, without its `\n`. */
	readonly lines: Buffer[] = [];
	readonly exited: Promise<RawExit>;
	private pendingStdout: Buffer[] = [];
	private stderrChunks: Buffer[] = [];
	private waiters: (() => void)[] = [];

	constructor(
		readonly home: string,
		command: string[],
		options: RawOptions = {},
	) {
		const separator = options.separator === false ? [] : ['--'];
		this.child = spawn(process.execPath, [mcprecBin, 'run', ...(options.runOptions ?? []), ...separator, ...command], {
			env: { ...process.env, MCPREC_HOME: home, NO_COLOR: '1', ...options.env },
			uid: options.uid,
			gid: options.gid,
		});
		this.child.stdin.on('error', () => {});
		this.child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
		this.child.stderr.on('data', (chunk: Buffer) => {
			this.stderrChunks.push(chunk);
			this.notify();
		});
		this.exited = new Promise((resolve) => {
			this.child.on('close', (code, signal) => {
				this.notify();
				resolve({ code, signal });
			});
		});
	}

	get stderr(): string {
		return Buffer.concat(this.stderrChunks).toString('utf8');
	}

	/** Writes bytes exactly as given (add the `\n` yourself). */
	write(data: string | Buffer): void {
		this.child.stdin.write(data);
	}

	/** Writes one message line: a string is sent verbatim followed by `\n`. */
	send(line: string): void {
		this.write(`${line}\n`);
	}

	/** Closes mcprec's stdin, as a client does when it quits. */
	end(): void {
		this.child.stdin.end();
	}

	/** The first stdout line (from `from` on) that matches, waiting up to `timeoutMs`. */
	async waitForLine(match: (line: Buffer) => boolean, timeoutMs = 10_000, from = 0): Promise<Buffer> {
		return this.waitUntil(() => this.lines.slice(from).find(match), `a stdout line matching ${match}`, timeoutMs);
	}

	/** The raw stdout line answering request `id` (single responses only). */
	async response(id: number | string, timeoutMs = 10_000): Promise<Buffer> {
		return this.waitForLine((line) => responseId(line) === JSON.stringify(id), timeoutMs);
	}

	async waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
		return this.waitUntil(() => this.stderr.match(pattern) ?? undefined, `stderr matching ${pattern}`, timeoutMs);
	}

	/** Resolves with the exit, or fails the test if mcprec is still running after `timeoutMs`. */
	async exit(timeoutMs = 10_000): Promise<RawExit> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`mcprec still running after ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs);
		});
		try {
			return await Promise.race([this.exited, timeout]);
		} finally {
			clearTimeout(timer);
		}
	}

	/** Kills mcprec if a failed test left it running. */
	kill(): void {
		if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
	}

	private onStdout(chunk: Buffer): void {
		let start = 0;
		for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
			this.pendingStdout.push(chunk.subarray(start, end));
			this.lines.push(Buffer.concat(this.pendingStdout));
			this.pendingStdout = [];
			start = end + 1;
		}
		if (start < chunk.length) this.pendingStdout.push(chunk.subarray(start));
		this.notify();
	}

	private notify(): void {
		for (const waiter of this.waiters.splice(0)) waiter();
	}

	private async waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = probe();
			if (found !== undefined) return found;
			const left = deadline - Date.now();
			const gone = (this.child.exitCode !== null || this.child.signalCode !== null) && this.stdoutDone;
			if (left <= 0 || gone) {
				throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr}`);
			}
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, Math.min(left, 250));
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	private get stdoutDone(): boolean {
		return this.child.stdout.readableEnded;
	}
}

/** Starts `mcprec run -- <command>` in a fresh MCPREC_HOME (or the given one). */
export function startRaw(command: string[], home = makeHome(), options: RawOptions = {}): RawSession {
	return new RawSession(home, command, options);
}

const responseIds = new WeakMap<Buffer, string | undefined>();

/** The id of a single JSON-RPC response line in its stable text form, or undefined. */
export function responseId(line: Buffer): string | undefined {
	if (!responseIds.has(line)) responseIds.set(line, parseResponseId(line));
	return responseIds.get(line);
}

function parseResponseId(line: Buffer): string | undefined {
	if (line.length > 32 << 20 || line[0] !== 0x7b) return undefined;
	try {
		const message = JSON.parse(line.toString('utf8')) as { id?: unknown; method?: unknown };
		if (message.method !== undefined || message.id === undefined) return undefined;
		return JSON.stringify(message.id);
	} catch {
		return undefined;
	}
}

/** True while a process with this pid runs (signal 0 probes; a zombie counts as gone). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
	try {
		// /proc/<pid>/stat: "pid (comm) state …"; an unreaped zombie still answers signal 0.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return true;
	}
}

/** Resolves once the pid is gone, or fails after `timeoutMs`. */
export async function waitForGone(pid: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (isAlive(pid)) {
		if (Date.now() > deadline) throw new Error(`process ${pid} still alive after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
