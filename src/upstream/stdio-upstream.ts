// The upstream MCP server as a child process on stdio. node:child_process rather than
// execa here: `mcprec run` must start fast (DESIGN §8) and execa costs ~100 ms to load.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants as osConstants } from 'node:os';

export interface UpstreamExit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface StdioUpstreamOptions {
	command: string;
	args: string[];
	env?: NodeJS.ProcessEnv;
	/** Grace periods of the shutdown recipe (DESIGN §3). */
	stdinGraceMs?: number;
	termGraceMs?: number;
}

export interface UpstreamHandlers {
	onStdout(chunk: Buffer): void;
	onStderr(chunk: Buffer): void;
	onSpawnError(error: NodeJS.ErrnoException): void;
	onExit(exit: UpstreamExit): void;
}

/** A spawned stdio server in its own process group, with the shutdown recipe built in. */
export class StdioUpstream {
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
				this.whenAttached((handlers) => handlers.onSpawnError(error));
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
		child.stdout.on('data', handlers.onStdout);
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

	/** Writes a frame; false means wait for `drain` (back-pressure). */
	write(frame: Buffer): boolean {
		if (!this.child || this.exited || this.child.stdin.destroyed) return true;
		return this.child.stdin.write(frame);
	}

	/** Holds writes until `uncork`, so the frames of one incoming chunk leave in one writev. */
	cork(): void {
		this.child?.stdin.cork();
	}

	uncork(): void {
		this.child?.stdin.uncork();
	}

	onDrain(listener: () => void): void {
		this.child?.stdin.once('drain', listener);
	}

	pauseOutput(): void {
		this.child?.stdout.pause();
	}

	resumeOutput(): void {
		this.child?.stdout.resume();
	}

	/** stdin end → grace → SIGTERM to the group → grace → SIGKILL to the group. */
	shutdown(): void {
		if (!this.child || this.exited) return;
		this.child.stdin.end();
		const stdinGrace = this.options.stdinGraceMs ?? 2000;
		const termGrace = this.options.termGraceMs ?? 2000;
		this.shutdownTimers.push(
			setTimeout(() => this.signalGroup('SIGTERM'), stdinGrace),
			setTimeout(() => this.signalGroup('SIGKILL'), stdinGrace + termGrace),
		);
	}

	/** Sends a signal to the whole process group (falls back to the child alone). */
	signalGroup(signal: NodeJS.Signals): void {
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

/** The exit status a shell would report for this exit (128 + signal number when signalled). */
export function exitStatus(exit: UpstreamExit): number {
	if (exit.code !== null) return exit.code;
	if (exit.signal) return 128 + (osConstants.signals[exit.signal] ?? 0);
	return 1;
}
