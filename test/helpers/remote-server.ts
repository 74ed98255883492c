// Real MCP servers on HTTP for `run --url`'s tests: server-everything in its
// streamableHttp and sse modes, and the SDK-built fixture (fixtures/http-server.mjs) for
// what server-everything cannot be told to do. All listen on this machine only.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fixture, servers } from './mcprec.js';

export interface RemoteServer {
	/** The MCP endpoint. */
	url: string;
	/** Everything the server wrote on stderr and stdout so far. */
	output: () => string;
	stop: () => Promise<void>;
}

/** server-everything over HTTP; it reads its port from $PORT, so a free one is chosen first (retried if taken meanwhile). */
export async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<RemoteServer> {
	for (let attempt = 0; ; attempt++) {
		const port = await freePort();
		const path = mode === 'sse' ? '/sse' : '/mcp';
		try {
			return await startServer([servers.everything, mode], { PORT: String(port) }, /listening on port|running on port/i, () => `http://127.0.0.1:${port}${path}`);
		} catch (error) {
			if (attempt >= 2 || !/EADDRINUSE|already in use/.test(String(error))) throw error;
		}
	}
}

/** The SDK-built fixture with its flags (see fixtures/http-server.mjs). */
export function startFixture(flags: string[] = []): Promise<RemoteServer> {
	return startServer([fixture('http-server.mjs'), ...flags], {}, /listening on (https?:\S+)/, (match) => match[1]!);
}

function startServer(args: string[], env: Record<string, string>, ready: RegExp, urlOf: (match: RegExpMatchArray) => string): Promise<RemoteServer> {
	const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => fail(new Error(`the server did not start within 15 s: ${output}`)), 15_000);
		const fail = (error: Error) => {
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(error);
		};
		const onOutput = (chunk: Buffer) => {
			output += chunk.toString('utf8');
			const match = output.match(ready);
			if (match) {
				clearTimeout(timer);
				resolve({ url: urlOf(match), output: () => output, stop: () => stopChild(child) });
			}
		};
		child.stdout!.on('data', onOutput);
		child.stderr!.on('data', onOutput);
		child.on('exit', (code) => fail(new Error(`the server exited (${code}) before it listened: ${output}`)));
	});
}

function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		child.once('exit', () => resolve());
		child.kill('SIGKILL');
	});
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** The OAuth-protected SDK fixture (fixtures/oauth-http-server.mjs) on `port`, trusting `issuer`. */
export function startOAuthFixture(options: { port: number; issuer: string; flags?: string[] }): Promise<RemoteServer> {
	return startServer(
		[fixture('oauth-http-server.mjs'), '--port', String(options.port), '--issuer', options.issuer, ...(options.flags ?? [])],
		{},
		/listening on (http:\S+)/,
		(match) => match[1]!,
	);
}

/** The hand-written 2026-07-28 stateless server (fixtures/stateless-http-server.mjs). */
export function startStatelessFixture(flags: string[] = []): Promise<RemoteServer> {
	return startServer([fixture('stateless-http-server.mjs'), ...flags], {}, /listening on (http:\S+)/, (match) => match[1]!);
}
