// The seam between the proxy and the real server (the MCP SDK's Transport is the model):
// start with handlers, send bytes, close with the shutdown recipe. A stdio child process
// is one kind (stdio-upstream.ts); a remote server over HTTP is another; tests use an
// in-memory one (memory-upstream.ts). The proxy knows nothing else about the server.

import { constants as osConstants } from 'node:os';
import type { JsonRpcId } from '../jsonrpc/classify.js';

export interface UpstreamExit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface UpstreamHandlers {
	/** Bytes of newline-delimited JSON-RPC from the server, split anywhere. */
	onData(chunk: Buffer): void;
	/** The server's diagnostic output (a child's stderr), split anywhere. */
	onStderr(chunk: Buffer): void;
	/** The server could not be started at all. */
	onStartError(error: NodeJS.ErrnoException): void;
	/** The server is gone; nothing more arrives after this. */
	onExit(exit: UpstreamExit): void;
	/**
	 * A fact about the connection worth keeping with the session (a remote server's HTTP
	 * status, session id, timing): recorded as a lifecycle event. Never holds a secret.
	 */
	onFact(fact: Record<string, unknown>): void;
	/**
	 * The server will never answer this forwarded request (a remote server's HTTP exchange
	 * failed or its stream ended before the answer): the client gets `message` as the error.
	 */
	onRequestFailed(id: JsonRpcId, message: string): void;
}

export interface Upstream {
	/** The server's process id, when it is a local process. */
	readonly pid: number | undefined;
	/** Attaches the handlers and starts the server (if it is not running yet). */
	start(handlers: UpstreamHandlers): void;
	/** Sends bytes (whole frames, newlines included) in one go; false: wait for onDrain. */
	send(pieces: readonly Buffer[]): boolean;
	/** Runs `listener` once the server can take bytes again. */
	onDrain(listener: () => void): void;
	/** Stops / restarts the flow of `onData` (back-pressure towards the server). */
	pause(): void;
	resume(): void;
	/** No more input for the server: end it gracefully, then by force (the shutdown recipe). */
	close(): void;
	/** Passes a signal sent to mcprec on to the server. */
	signal(signal: NodeJS.Signals): void;
}

/** The exit status a shell would report for this exit (128 + signal number when signalled). */
export function exitStatus(exit: UpstreamExit): number {
	if (exit.code !== null) return exit.code;
	if (exit.signal) return 128 + (osConstants.signals[exit.signal] ?? 0);
	return 1;
}
