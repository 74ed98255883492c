// The upstream MCP server as a child process on stdio. node:child_process rather than
// execa here: `mcprec run` must start fast (DESIGN §8) and execa costs ~100 ms to load.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Upstream, UpstreamExit, UpstreamHandlers } from './upstream.js';

export interface StdioUpstreamOptions {
	command: string;
	args: string[];
	env?: NodeJS.ProcessEnv;
	/** Grace periods of the shutdown recipe (DESIGN §3). */
	stdinGraceMs?: number;
	termGraceMs?: number;
}

/** A spawned stdio server in its own process group, with the shutdown recipe built in. */
export class StdioUpstream implements Upstream {
	private child: ChildProcessWithoutNullStreams | undefined;
	private exited = false;
	private shutdownTimers: NodeJS.Timeout[] = [];

	constructor(private readonly options: StdioUpstreamOptions) {}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	/**
	 * Spawns the server now; what it says waits until start() attaches the handlers (its
	 * output stays in the pipe meanwhile). `run` launches before it has loaded the proxy,
	 * so the server boots while mcprec still does.
	 */
	launch(): void {
		if (this.child) return;
		const child = spawn(this.options.command, this.options.args, {
			stdio: ['pipe', 'pipe', 'pipe'],
			env: this.options.env ?? process.env,
			// Its own process group, so shutdown reaches grandchildren (npx → node → server).
			detached: true,
		});
		this.child = child;
		let spawnFailed = false;
		child.on('error', (error: NodeJS.ErrnoException) => {
			if (child.pid === undefined && !spawnFailed) {
				spawnFailed = true;
				this.exited = true;
				this.whenAttached((handlers) => handlers.onStartError(error));
			}
		});
		child.stdin.on('error', () => {
			// EPIPE after the child died: its exit is reported through onExit.
		});
		let exit: UpstreamExit | undefined;
		child.on('exit', (code, signal) => {
			exit = { code, signal };
			// A grandchild that still holds the pipes would delay 'close' forever.
			const pid = child.pid;
			setTimeout(() => {
				if (pid !== undefined) killGroup(pid, 'SIGKILL');
			}, 1000).unref();
		});
		child.on('close', (code, signal) => {
			if (spawnFailed) return;
			this.exited = true;
			for (const timer of this.shutdownTimers) clearTimeout(timer);
			const report = () => this.whenAttached((handlers) => handlers.onExit(exit ?? { code, signal }));
			const pid = child.pid;
			if (pid === undefined || !groupAlive(pid)) {
				report();
				return;
			}
			// The server is gone but helpers it started still run in its process group, where
			// nobody else will stop them: they get the rest of the recipe before mcprec exits.
			void stopGroup(pid, this.options.termGraceMs ?? 2000).then(report);
		});
	}

	/** Attaches the handlers (spawning the server if launch() did not). */
	start(handlers: UpstreamHandlers): void {
		this.launch();
		const child = this.child!;
		child.stdout.on('data', handlers.onData);
		child.stderr.on('data', handlers.onStderr);
		this.handlers = handlers;
		for (const deliver of this.waiting.splice(0)) deliver(handlers);
	}

	private handlers: UpstreamHandlers | undefined;
	private readonly waiting: ((handlers: UpstreamHandlers) => void)[] = [];

	private whenAttached(deliver: (handlers: UpstreamHandlers) => void): void {
		if (this.handlers) deliver(this.handlers);
		else this.waiting.push(deliver);
	}

	/** Writes the pieces of one incoming chunk in one writev; false means wait for `drain` (back-pressure). */
	send(pieces: readonly Buffer[]): boolean {
		const stdin = this.child?.stdin;
		if (!stdin || this.exited || stdin.destroyed) return true;
		if (pieces.length === 1) return stdin.write(pieces[0]!);
		stdin.cork();
		let ready = true;
		for (const piece of pieces) ready = stdin.write(piece) && ready;
		stdin.uncork();
		return ready;
	}

	onDrain(listener: () => void): void {
		this.child?.stdin.once('drain', listener);
	}

	pause(): void {
		this.child?.stdout.pause();
	}

	resume(): void {
		this.child?.stdout.resume();
	}

	/** stdin end → grace → SIGTERM to the group → grace → SIGKILL to the group. */
	close(): void {
		if (!this.child || this.exited) return;
		this.child.stdin.end();
		const stdinGrace = this.options.stdinGraceMs ?? 2000;
		const termGrace = this.options.termGraceMs ?? 2000;
		this.shutdownTimers.push(
			setTimeout(() => this.signal('SIGTERM'), stdinGrace),
			setTimeout(() => this.signal('SIGKILL'), stdinGrace + termGrace),
		);
	}

	/** Sends a signal to the whole process group (falls back to the child alone). */
	signal(signal: NodeJS.Signals): void {
		const pid = this.child?.pid;
		if (pid === undefined || this.exited) return;
		killGroup(pid, signal);
	}
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		try {
			process.kill(pid, signal);
		} catch {
			// Already gone.
		}
	}
}

/** True while any process is left in the group (zombies included). */
function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** SIGTERM → up to `graceMs` → SIGKILL, to the group only (its leader's pid may be reused). */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
	const signalGroupOnly = (signal: NodeJS.Signals) => {
		try {
			process.kill(-pgid, signal);
		} catch {
			// Already gone.
		}
	};
	signalGroupOnly('SIGTERM');
	const deadline = Date.now() + graceMs;
	while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
	signalGroupOnly('SIGKILL');
}
