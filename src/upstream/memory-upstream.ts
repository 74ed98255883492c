// An upstream that lives in memory, for tests of the proxy without a process: the test
// plays the server (reads what was sent, writes answers and stderr, exits).

import type { Upstream, UpstreamExit, UpstreamHandlers } from './upstream.js';

export interface MemoryServer {
	/** Everything sent to the server so far, as one string per send. */
	readonly received: string[];
	/** Every line sent to the server so far, parsed. */
	lines(): unknown[];
	/** Writes bytes (a line, part of one, several) as the server's output. */
	write(text: string | Buffer): void;
	stderr(text: string): void;
	exit(exit?: Partial<UpstreamExit>): void;
	/** True once the proxy closed the server's input. */
	readonly closed: boolean;
	/** Signals the proxy passed on. */
	readonly signals: NodeJS.Signals[];
}

export function createMemoryUpstream(options: { startError?: NodeJS.ErrnoException } = {}): { upstream: Upstream; server: MemoryServer } {
	let handlers: UpstreamHandlers | undefined;
	let gone = false;
	const received: string[] = [];
	const server = {
		received,
		closed: false,
		signals: [] as NodeJS.Signals[],
		lines: () => received.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line)),
		write: (text: string | Buffer) => handlers?.onData(Buffer.isBuffer(text) ? text : Buffer.from(text)),
		stderr: (text: string) => handlers?.onStderr(Buffer.from(text)),
		exit: (exit: Partial<UpstreamExit> = {}) => {
			if (gone) return;
			gone = true;
			handlers?.onExit({ code: exit.code ?? 0, signal: exit.signal ?? null });
		},
	};
	const upstream: Upstream = {
		pid: undefined,
		start(attached) {
			handlers = attached;
			if (options.startError) {
				gone = true;
				attached.onStartError(options.startError);
			}
		},
		send(pieces) {
			if (!gone) received.push(Buffer.concat(pieces).toString('utf8'));
			return true;
		},
		onDrain() {},
		pause() {},
		resume() {},
		close() {
			server.closed = true;
		},
		signal(signal) {
			server.signals.push(signal);
		},
	};
	return { upstream, server };
}
