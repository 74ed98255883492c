// The official MCP SDK client, connected to a real server either directly or through the
// built `mcprec run` binary, so a test can compare what a client sees both ways.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, JSONRPCMessage, Notification } from '@modelcontextprotocol/sdk/types.js';
import { mcprecBin } from './mcprec.js';
import { waitForGone } from './raw-mcprec.js';

export type Route = 'direct' | 'mcprec';

export interface ConnectOptions {
	route: Route;
	/** The server command line; runs as `node <serverArgs…>`. */
	serverArgs: string[];
	/** MCPREC_HOME for the mcprec route. */
	home: string;
	/** The `--name` given to `mcprec run`. */
	name?: string;
	/** More `mcprec run` options (before `--`), e.g. ['--policy', file]. */
	runOptions?: string[];
	/** Put `--` before the server command (default); false leaves it out, as the MCP Inspector does. */
	separator?: boolean;
	/** Extra environment for mcprec and the server. */
	env?: Record<string, string>;
	capabilities?: ClientCapabilities;
	/** Installs request handlers before the handshake (server→client requests can come right after it). */
	setup?: (client: Client) => void;
}

/** A connected client plus everything it saw on the wire. */
export interface Connection {
	route: Route;
	client: Client;
	/** Every JSON-RPC message the client sent and received, in order. */
	wire: { sent: JSONRPCMessage[]; received: JSONRPCMessage[] };
	/** Notifications no specific handler took (list-changed, resources/updated…). */
	notifications: Notification[];
	stderr: () => string;
	close: () => Promise<void>;
}

export async function connectClient(options: ConnectOptions): Promise<Connection> {
	const args =
		options.route === 'direct'
			? options.serverArgs
			: [mcprecBin, 'run', '--name', options.name ?? 'test', ...(options.runOptions ?? []), ...(options.separator === false ? [] : ['--']), process.execPath, ...options.serverArgs];
	const transport = new StdioClientTransport({
		command: process.execPath,
		args,
		// The same environment both ways, so servers that look at it behave alike.
		env: { ...(process.env as Record<string, string>), MCPREC_HOME: options.home, ...options.env },
		stderr: 'pipe',
	});
	let stderr = '';
	transport.stderr?.on('data', (chunk: Buffer) => {
		stderr += chunk.toString('utf8');
	});
	return connectOver(transport, options, () => stderr);
}

export interface RemoteConnectOptions extends Omit<ConnectOptions, 'serverArgs' | 'separator'> {
	/** The remote server's MCP endpoint: the SDK's HTTP transport connects to it directly, or `mcprec run --url` does. */
	url: string;
	/** The direct route's transport: Streamable HTTP (default) or the 2024-11-05 HTTP+SSE one. */
	directTransport?: 'streamable-http' | 'sse';
}

/** Like connectClient, for a remote server: directly over Streamable HTTP, or through `mcprec run --url` on stdio. */
export async function connectRemoteClient(options: RemoteConnectOptions): Promise<Connection> {
	let stderr = '';
	let transport: Transport;
	if (options.route === 'direct') {
		transport = options.directTransport === 'sse' ? new SSEClientTransport(new URL(options.url)) : new StreamableHTTPClientTransport(new URL(options.url));
	}
	else {
		const stdio = new StdioClientTransport({
			command: process.execPath,
			args: [mcprecBin, 'run', ...(options.name ? ['--name', options.name] : []), '--url', options.url, ...(options.runOptions ?? [])],
			env: { ...(process.env as Record<string, string>), MCPREC_HOME: options.home, ...options.env },
			stderr: 'pipe',
		});
		stdio.stderr?.on('data', (chunk: Buffer) => {
			stderr += chunk.toString('utf8');
		});
		transport = stdio;
	}
	return connectOver(transport, options, () => stderr);
}

// The SDK client on a transport, every message on the wire kept, notifications collected.
async function connectOver(transport: Transport, options: Pick<ConnectOptions, 'route' | 'capabilities' | 'setup'>, stderr: () => string): Promise<Connection> {
	const wire = { sent: [] as JSONRPCMessage[], received: [] as JSONRPCMessage[] };
	const client = new Client({ name: 'mcprec-e2e', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
	const notifications: Notification[] = [];
	client.fallbackNotificationHandler = async (notification) => {
		notifications.push(notification);
	};
	options.setup?.(client);
	const tapped = new TappedTransport(transport, wire);
	try {
		await client.connect(tapped);
	} catch (error) {
		// The SDK closes a transport whose connect failed without waiting for it; a test that
		// removes the home next must find mcprec gone, not still writing to it.
		await client.close().catch(() => {});
		if (tapped.pid) await waitForGone(tapped.pid, 10_000);
		throw error;
	}
	return { route: options.route, client, wire, notifications, stderr, close: () => client.close() };
}

/** Resolves once `predicate` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

// Sees every message below the SDK's protocol layer, so tests can compare the client's
// view of the wire with mcprec's recording.
class TappedTransport implements Transport {
	/** The child's pid, when the transport started one (stdio). */
	pid: number | undefined;
	onclose?: () => void;
	onerror?: (error: Error) => void;
	onmessage?: Transport['onmessage'];

	constructor(
		private readonly inner: Transport,
		private readonly wire: Connection['wire'],
	) {}

	async start(): Promise<void> {
		this.inner.onmessage = (message, extra) => {
			this.wire.received.push(message);
			this.onmessage?.(message, extra);
		};
		this.inner.onclose = () => this.onclose?.();
		this.inner.onerror = (error) => this.onerror?.(error);
		await this.inner.start();
		this.pid = (this.inner as { pid?: number | null }).pid ?? undefined;
	}

	send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
		this.wire.sent.push(message);
		return this.inner.send(message, options);
	}

	close(): Promise<void> {
		return this.inner.close();
	}

	setProtocolVersion(version: string): void {
		this.inner.setProtocolVersion?.(version);
	}
}
