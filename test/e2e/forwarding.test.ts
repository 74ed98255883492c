// Faithful forwarding: the official SDK client sees exactly the same thing talking to a
// real MCP server directly and through `mcprec run`, and the recording holds every
// message of the session (DESIGN §3 data path, §5 local store).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
	CreateMessageRequestSchema,
	ElicitRequestSchema,
	ListRootsRequestSchema,
	type JSONRPCMessage,
	type Notification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, openDatabase, payloadOf, readEvents, readSessions, removeHome, servers, type StoredEventRow } from '../helpers/mcprec.js';
import { connectClient, waitFor, type Connection, type Route } from '../helpers/sdk-client.js';

const home = makeHome('mcprec-forwarding-');
afterAll(() => removeHome(home));
const everythingArgs = [servers.everything, 'stdio'];

/** What the client answers when the server asks it something; fixed so both routes can be compared. */
const clientAnswers = {
	sampling: { model: 'e2e-model', role: 'assistant', stopReason: 'endTurn' } as const,
	elicitation: { action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } } as const,
	roots: { roots: [{ uri: 'file:///work/e2e-project', name: 'e2e project' }] },
};

/** A client that declares sampling, elicitation and roots and answers them; counts what it was asked. */
function connectEverything(route: Route, name: string) {
	const asked: string[] = [];
	const connection = connectClient({
		route,
		home,
		name,
		serverArgs: everythingArgs,
		capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
		setup: (client) => {
			client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
				asked.push(request.method);
				const first = request.params.messages[0]?.content;
				const prompt = first && 'text' in first ? first.text : '';
				return { ...clientAnswers.sampling, content: { type: 'text', text: `sampled reply to: ${prompt}` } };
			});
			client.setRequestHandler(ElicitRequestSchema, async (request) => {
				asked.push(request.method);
				return clientAnswers.elicitation;
			});
			client.setRequestHandler(ListRootsRequestSchema, async (request) => {
				asked.push(request.method);
				return clientAnswers.roots;
			});
		},
	});
	return connection.then((connected) => Object.assign(connected, { asked }));
}

type EverythingConnection = Connection & { asked: string[] };

/** A result or the error it failed with, so failures can be compared as well. */
async function outcome(operation: Promise<unknown>): Promise<{ value: unknown } | { error: unknown }> {
	try {
		return { value: await operation };
	} catch (error) {
		const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
		return { error: { code, message, data } };
	}
}

function methodsOf(notifications: Notification[], prefix: string): string[] {
	return notifications.filter((notification) => notification.method.startsWith(prefix)).map((notification) => notification.method);
}

/** The log line server-everything sends once it has fetched the client's roots. */
function rootsLog(connection: Connection): Notification | undefined {
	return connection.notifications.find(
		(notification) => notification.method === 'notifications/message' && String(notification.params?.data).startsWith('Roots updated'),
	);
}

function sessionIdOf(name: string): string {
	const database = openDatabase(home);
	try {
		return database.prepare('SELECT id FROM sessions WHERE server = ? ORDER BY started_at DESC LIMIT 1').pluck().get(name) as string;
	} finally {
		database.close();
	}
}

function parsedPayload(row: StoredEventRow): Record<string, unknown> {
	return JSON.parse(payloadOf(row).toString('utf8')) as Record<string, unknown>;
}

describe('server-everything: the same results directly and through mcprec', () => {
	let direct: EverythingConnection;
	let proxied: EverythingConnection;

	beforeAll(async () => {
		[direct, proxied] = await Promise.all([connectEverything('direct', 'everything'), connectEverything('mcprec', 'everything')]);
		// The server asks for roots 350 ms after the handshake; let that settle first so both
		// routes see the same sequence of server→client requests.
		await Promise.all([direct, proxied].map((connection) => waitFor('the roots-updated log line', () => rootsLog(connection))));
	});

	afterAll(async () => {
		await Promise.all([direct?.close(), proxied?.close()]);
	});

	/** Runs `operation` on both routes and returns [direct, proxied] outcomes. */
	async function bothWays(operation: (client: Client) => Promise<unknown>) {
		return Promise.all([outcome(operation(direct.client)), outcome(operation(proxied.client))]);
	}

	it('negotiates the same server info, capabilities and instructions', () => {
		expect(proxied.client.getServerVersion()).toEqual(direct.client.getServerVersion());
		expect(proxied.client.getServerCapabilities()).toEqual(direct.client.getServerCapabilities());
		expect(proxied.client.getInstructions()).toEqual(direct.client.getInstructions());
		expect(direct.client.getServerVersion()?.name).toBe('mcp-servers/everything');
	});

	// [capability, operation, what the direct outcome must show so a shared failure cannot pass]
	const cases: [string, (client: Client) => Promise<unknown>, (value: unknown) => void][] = [
		['ping', (client) => client.ping(), (value) => expect(value).toEqual({})],
		[
			'tools/list',
			(client) => client.listTools(),
			(value) => {
				const names = (value as { tools: { name: string }[] }).tools.map((tool) => tool.name);
				expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-sampling-request', 'trigger-elicitation-request', 'get-roots-list']));
			},
		],
		[
			'tools/call echo (non-ASCII text)',
			(client) => client.callTool({ name: 'echo', arguments: { message: 'héllo ✓ "quoted" \\ \u2028 🦀' } }),
			(value) => expect(value).toEqual({ content: [{ type: 'text', text: 'Echo: héllo ✓ "quoted" \\ \u2028 🦀' }] }),
		],
		[
			'tools/call get-sum',
			(client) => client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }),
			(value) => expect(JSON.stringify(value)).toContain('is 42'),
		],
		[
			'tools/call get-structured-content',
			(client) => client.callTool({ name: 'get-structured-content', arguments: { location: 'Chicago' } }),
			(value) => expect(value).toHaveProperty('structuredContent'),
		],
		[
			'tools/call get-tiny-image',
			(client) => client.callTool({ name: 'get-tiny-image', arguments: {} }),
			(value) => expect(JSON.stringify(value)).toContain('"type":"image"'),
		],
		[
			'tools/call with invalid arguments (isError result)',
			(client) => client.callTool({ name: 'get-sum', arguments: { a: 'two' } }),
			(value) => expect(value).toHaveProperty('isError', true),
		],
		[
			'resources/list',
			(client) => client.listResources(),
			(value) => expect((value as { resources: unknown[] }).resources.length).toBeGreaterThan(0),
		],
		[
			'resources/read',
			(client) => client.readResource({ uri: 'demo://resource/static/document/features.md' }),
			(value) => expect(JSON.stringify(value)).toContain('text/markdown'),
		],
		[
			'resources/read of an unknown uri (JSON-RPC error)',
			(client) => client.readResource({ uri: 'demo://no/such/resource' }),
			() => expect.unreachable('an unknown resource must fail'),
		],
		[
			'resources/templates/list',
			(client) => client.listResourceTemplates(),
			(value) => expect(JSON.stringify(value)).toContain('demo://resource/dynamic/text/{resourceId}'),
		],
		[
			'prompts/list',
			(client) => client.listPrompts(),
			(value) => expect(JSON.stringify(value)).toContain('args-prompt'),
		],
		[
			'prompts/get simple-prompt',
			(client) => client.getPrompt({ name: 'simple-prompt' }),
			(value) => expect(JSON.stringify(value)).toContain('simple prompt without arguments'),
		],
		[
			'prompts/get args-prompt',
			(client) => client.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris', state: 'TX' } }),
			(value) => expect(JSON.stringify(value)).toContain("What's weather in Paris, TX?"),
		],
		[
			'completion/complete',
			(client) => client.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: 'S' } }),
			(value) => expect(value).toMatchObject({ completion: { values: ['Sales', 'Support'] } }),
		],
		[
			'sampling/createMessage answered by the client (trigger-sampling-request)',
			(client) => client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'Say hi', maxTokens: 20 } }),
			(value) => expect(JSON.stringify(value)).toContain('sampled reply to: Resource trigger-sampling-request context: Say hi'),
		],
		[
			'elicitation/create answered by the client (trigger-elicitation-request)',
			(client) => client.callTool({ name: 'trigger-elicitation-request', arguments: {} }),
			(value) => expect(JSON.stringify(value)).toContain('Name: Ada Lovelace'),
		],
		[
			'roots/list answered by the client (get-roots-list)',
			(client) => client.callTool({ name: 'get-roots-list', arguments: {} }),
			(value) => expect(JSON.stringify(value)).toContain('file:///work/e2e-project'),
		],
	];

	it.each(cases)('%s', async (_capability, operation, checkDirect) => {
		const [directOutcome, proxiedOutcome] = await bothWays(operation);
		expect(proxiedOutcome).toEqual(directOutcome);
		if ('value' in directOutcome) checkDirect(directOutcome.value);
		else expect((directOutcome.error as { code?: unknown }).code).toEqual(expect.any(Number));
	});

	it('routes each server→client request to the client exactly as often both ways', () => {
		expect(proxied.asked).toEqual(direct.asked);
		expect(direct.asked).toEqual(['roots/list', 'sampling/createMessage', 'elicitation/create']);
	});

	it('forwards progress notifications of a long-running tool call', async () => {
		const progress: Record<Route, unknown[]> = { direct: [], mcprec: [] };
		const [directOutcome, proxiedOutcome] = await Promise.all(
			[direct, proxied].map((connection) =>
				outcome(
					connection.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 4 } }, undefined, {
						onprogress: (update) => progress[connection.route].push(update),
					}),
				),
			),
		);
		expect(proxiedOutcome).toEqual(directOutcome);
		expect(directOutcome).toHaveProperty('value.content.0.text', 'Long running operation completed. Duration: 0.4 seconds, Steps: 4.');
		// Compared on the wire: the SDK runs progress handlers a microtask late, so when the last
		// progress line and the response arrive in one read it drops that update (either route).
		const progressOnWire = (connection: Connection) =>
			connection.wire.received.filter((message) => 'method' in message && message.method === 'notifications/progress');
		expect(progressOnWire(proxied)).toEqual(progressOnWire(direct));
		expect(progressOnWire(direct).map((message) => 'params' in message && message.params)).toEqual(
			[1, 2, 3, 4].map((step) => ({ progress: step, total: 4, progressToken: expect.anything() })),
		);
		for (const route of ['direct', 'mcprec'] as const) {
			expect(progress[route].length, `${route} onprogress calls`).toBeGreaterThanOrEqual(3);
			expect(progress[route]).toEqual([1, 2, 3, 4].slice(0, progress[route].length).map((step) => ({ progress: step, total: 4 })));
		}
	});

	it('forwards logging notifications and logging/setLevel', async () => {
		// The roots sync right after the handshake logs a fixed line.
		const [directRootsLog, proxiedRootsLog] = [rootsLog(direct), rootsLog(proxied)];
		expect(proxiedRootsLog).toEqual(directRootsLog);
		expect(directRootsLog?.params).toMatchObject({ level: 'info', data: 'Roots updated: 1 root(s) received from client' });

		const [directLevel, proxiedLevel] = await bothWays((client) => client.setLoggingLevel('debug'));
		expect(proxiedLevel).toEqual(directLevel);
		expect(directLevel).toEqual({ value: {} });

		const before = { direct: direct.notifications.length, mcprec: proxied.notifications.length };
		const [directToggle, proxiedToggle] = await bothWays((client) => client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
		expect(proxiedToggle).toEqual(directToggle);
		// The simulated log line has a random level, so only its shape is compared.
		const simulatedLog = (connection: Connection) =>
			waitFor('a simulated log line', () =>
				connection.notifications.slice(before[connection.route]).find((notification) => notification.method === 'notifications/message'),
			);
		for (const log of await Promise.all([simulatedLog(direct), simulatedLog(proxied)])) {
			expect(log.params).toEqual({ level: expect.any(String), data: expect.stringMatching(/^\w+[- ]level[- ]message$/i) });
		}
		const [directStop, proxiedStop] = await bothWays((client) => client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
		expect(proxiedStop).toEqual(directStop);
	});

	it('forwards list-changed and resource-updated notifications', async () => {
		// Tools that depend on client capabilities are registered after the handshake.
		expect(methodsOf(proxied.notifications, 'notifications/tools/')).toEqual(methodsOf(direct.notifications, 'notifications/tools/'));
		expect(methodsOf(direct.notifications, 'notifications/tools/')).toContain('notifications/tools/list_changed');

		const uri = 'demo://resource/static/document/features.md';
		const [directSubscribe, proxiedSubscribe] = await bothWays((client) => client.subscribeResource({ uri }));
		expect(proxiedSubscribe).toEqual(directSubscribe);
		await bothWays((client) => client.callTool({ name: 'toggle-subscriber-updates', arguments: {} }));
		const updated = (connection: Connection) =>
			waitFor('notifications/resources/updated', () => connection.notifications.find((notification) => notification.method === 'notifications/resources/updated'));
		const [directUpdated, proxiedUpdated] = await Promise.all([updated(direct), updated(proxied)]);
		expect(proxiedUpdated).toEqual(directUpdated);
		expect(directUpdated.params).toEqual({ uri });
		await bothWays((client) => client.callTool({ name: 'toggle-subscriber-updates', arguments: {} }));
		await bothWays((client) => client.unsubscribeResource({ uri }));
	});

	it('cancels a tool call: the client gets its abort error, mcprec records notifications/cancelled and keeps working', async () => {
		const cancelled = await Promise.all(
			[direct, proxied].map((connection) => {
				const controller = new AbortController();
				const call = connection.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } }, undefined, {
					signal: controller.signal,
					// Cancel once the server has shown it is working on the call.
					onprogress: () => controller.abort(new Error('user gave up')),
				});
				return outcome(call);
			}),
		);
		expect(cancelled[1]).toEqual(cancelled[0]);
		expect(cancelled[0]).toEqual({ error: { code: -32001, message: expect.stringContaining('user gave up'), data: undefined } });

		const [directEcho, proxiedEcho] = await bothWays((client) => client.callTool({ name: 'echo', arguments: { message: 'still here' } }));
		expect(proxiedEcho).toEqual(directEcho);
		expect(proxiedEcho).toEqual({ value: { content: [{ type: 'text', text: 'Echo: still here' }] } });

		const sessionId = sessionIdOf('everything');
		const call = await waitFor('the recorded long-running call', () =>
			readEvents(home, sessionId).findLast((row) => row.origin === 'client' && row.tool === 'trigger-long-running-operation' && row.method === 'tools/call'),
		);
		const cancel = await waitFor('the recorded notifications/cancelled', () =>
			readEvents(home, sessionId).find((row) => row.origin === 'client' && row.method === 'notifications/cancelled'),
		);
		expect(cancel).toMatchObject({ target: 'server', kind: 'message', rpc_id: null });
		expect(JSON.stringify((parsedPayload(cancel).params as { requestId: unknown }).requestId)).toBe(call.rpc_id);
		// The server drops the cancelled call's response, so the client never sees one.
		const callId = (parsedPayload(call) as { id: unknown }).id;
		expect(proxied.wire.received.some((message) => 'id' in message && message.id === callId && !('method' in message))).toBe(false);
	});
});

describe('the recording of a session through mcprec', () => {
	let connection: EverythingConnection;

	beforeAll(async () => {
		connection = await connectEverything('mcprec', 'everything-recorded');
		const client = connection.client;
		await client.listTools();
		await client.callTool({ name: 'echo', arguments: { message: 'recorded' } });
		await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'recorded', maxTokens: 5 } });
		await client.callTool({ name: 'get-roots-list', arguments: {} });
		await expect(client.readResource({ uri: 'demo://no/such/resource' })).rejects.toThrow();
		await client.ping();
		await connection.close();
		await waitFor('the session to end', () => readSessions(home).find((session) => session.server === 'everything-recorded' && session.ended_at !== null));
	});

	afterAll(async () => {
		await connection?.close();
	});

	function recorded() {
		const sessionId = sessionIdOf('everything-recorded');
		const session = readSessions(home).find((row) => row.id === sessionId)!;
		const events = readEvents(home, sessionId);
		const messages = events.filter((row) => row.kind === 'message');
		return { session, events, messages };
	}

	it('holds every message the client sent and received, in order, byte for byte', () => {
		const { messages } = recorded();
		const fromClient = messages.filter((row) => row.origin === 'client');
		const fromServer = messages.filter((row) => row.origin === 'server');
		// The SDK writes JSON.stringify(message) + "\n", so the client's bytes are known exactly.
		expect(fromClient.map((row) => payloadOf(row).toString('utf8'))).toEqual(connection.wire.sent.map((message) => JSON.stringify(message)));
		expect(fromServer.map(parsedPayload)).toEqual(connection.wire.received);
		expect(fromClient.every((row) => row.target === 'server')).toBe(true);
		expect(fromServer.every((row) => row.target === 'client')).toBe(true);
		expect(messages.filter((row) => row.origin === 'proxy')).toEqual([]);
	});

	it('fills method, rpc_id, tool and latency columns', () => {
		const { messages } = recorded();
		const requestMethods = new Map<string, string>();
		for (const row of messages) {
			const message = parsedPayload(row) as JSONRPCMessage & { id?: unknown; method?: string; params?: { name?: string } };
			if ('method' in message && message.method !== undefined) {
				expect(row.method).toBe(message.method);
				expect(row.latency_us).toBeNull();
				if ('id' in message) {
					expect(row.rpc_id).toBe(JSON.stringify(message.id));
					requestMethods.set(`${row.origin}:${row.rpc_id}`, message.method);
				} else {
					expect(row.rpc_id).toBeNull();
				}
			} else {
				// A response: paired with its request from the other side.
				const requester = row.origin === 'server' ? 'client' : 'server';
				expect(row.rpc_id).toBe(JSON.stringify(message.id));
				expect(row.method, `method of response ${row.origin}:${row.rpc_id}`).toBe(requestMethods.get(`${requester}:${row.rpc_id}`));
				expect(row.latency_us).toEqual(expect.any(Number));
				expect(row.latency_us).toBeGreaterThanOrEqual(0);
			}
		}
		const echoRows = messages.filter((row) => row.tool === 'echo');
		expect(echoRows.map((row) => [row.origin, row.method])).toEqual([
			['client', 'tools/call'],
			['server', 'tools/call'],
		]);
		const clientAnswers = messages.filter((row) => row.origin === 'client' && row.rpc_id !== null && !('method' in parsedPayload(row)));
		// roots/list may come twice: once after the handshake and once from get-roots-list.
		expect(new Set(clientAnswers.map((row) => row.method))).toEqual(new Set(['roots/list', 'sampling/createMessage']));
	});

	it('keeps session counters and a hash chain whose head is the last event', () => {
		const { session, events, messages } = recorded();
		expect(session.messages).toBe(messages.length);
		const clientRequests = messages.filter((row) => row.origin === 'client' && row.rpc_id !== null && 'method' in parsedPayload(row));
		expect(session.requests).toBe(clientRequests.length);
		expect(session.requests).toBe(7); // initialize, tools/list, 3× tools/call, resources/read, ping
		expect(session.errors).toBe(1);
		expect(session.event_count).toBe(events.length);
		expect(session.head_hash).toBe(events.at(-1)!.hash);
		events.forEach((row, index) => {
			expect(row.seq).toBe(index);
			if (index > 0) expect(row.prev_hash).toBe(events[index - 1].hash);
		});
		expect(session).toMatchObject({ client_name: 'mcprec-e2e', client_version: '1.0.0', end_reason: 'client-closed' });
		const initializeResult = connection.wire.received[0] as unknown as { result: { protocolVersion: string } };
		expect(session.protocol_version).toBe(initializeResult.result.protocolVersion);
	});

	it('wrote no warnings of its own to stderr', () => {
		expect(connection.stderr()).not.toContain('mcprec:');
	});
});

describe('server-filesystem: the same results directly and through mcprec', () => {
	const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-fs-')));
	let direct: Connection;
	let proxied: Connection;

	beforeAll(async () => {
		fs.mkdirSync(path.join(root, 'docs'));
		fs.writeFileSync(path.join(root, 'notes.txt'), 'first line\nsecond line — ünïcode\n');
		fs.writeFileSync(path.join(root, 'docs', 'readme.md'), '# Readme\n');
		// No roots capability: the server keeps the directory given on its command line.
		const connect = (route: Route) => connectClient({ route, home, name: 'filesystem', serverArgs: [servers.filesystem, root] });
		[direct, proxied] = await Promise.all([connect('direct'), connect('mcprec')]);
	});

	afterAll(async () => {
		await Promise.all([direct?.close(), proxied?.close()]);
		fs.rmSync(root, { recursive: true, force: true });
	});

	const cases: [string, (client: Client) => Promise<unknown>, string][] = [
		['tools/list', (client) => client.listTools(), 'read_text_file'],
		['list_allowed_directories', (client) => client.callTool({ name: 'list_allowed_directories', arguments: {} }), root],
		['list_directory', (client) => client.callTool({ name: 'list_directory', arguments: { path: root } }), '[FILE] notes.txt'],
		['read_text_file', (client) => client.callTool({ name: 'read_text_file', arguments: { path: path.join(root, 'notes.txt') } }), 'second line — ünïcode'],
		['directory_tree', (client) => client.callTool({ name: 'directory_tree', arguments: { path: root } }), 'readme.md'],
		['read_text_file outside the allowed directory', (client) => client.callTool({ name: 'read_text_file', arguments: { path: '/etc/hostname' } }), 'denied'],
	];

	it.each(cases)('%s', async (_capability, operation, expected) => {
		const [directOutcome, proxiedOutcome] = await Promise.all([outcome(operation(direct.client)), outcome(operation(proxied.client))]);
		expect(proxiedOutcome).toEqual(directOutcome);
		expect(JSON.stringify(directOutcome)).toContain(JSON.stringify(expected).slice(1, -1));
	});
});
