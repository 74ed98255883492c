// `mcprec run --url` (issue 16): the official SDK client on mcprec's stdio side, real
// servers on its HTTP side (server-everything in streamableHttp mode, and the SDK-built
// fixture for tokens, expired sessions, broken streams and wrong answers), compared with a
// direct connection, and checked in the store.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { makeHome, readEvents, removeHome, runMcprec, waitForEvents, type StoredEventRow } from '../helpers/mcprec.js';
import { connectRemoteClient, waitFor, type Connection, type Route } from '../helpers/sdk-client.js';
import { RawSession } from '../helpers/raw-mcprec.js';
import { freePort, startEverything, startFixture, type RemoteServer } from '../helpers/remote-server.js';

const credentialEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };

const lifecycle = (events: StoredEventRow[]) =>
	events.filter((event) => event.kind === 'lifecycle').map((event) => JSON.parse(Buffer.from(event.payload as Buffer).toString('utf8')) as Record<string, unknown>);
const ended = (events: StoredEventRow[]) => lifecycle(events).some((fact) => fact.event === 'end');
const decisionsOf = (events: StoredEventRow[]) =>
	events.filter((event) => event.kind === 'decision').map((event) => JSON.parse(Buffer.from(event.payload as Buffer).toString('utf8')) as Record<string, unknown>);

/** A client that can be asked for sampling, roots and elicitation, answering the same way on both routes. */
function answeringClient(client: Client): void {
	client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
		model: 'test-model',
		role: 'assistant',
		content: { type: 'text', text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}` },
	}));
	client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
	client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
}

// What a person's session does with server-everything; every answer is kept for comparison.
async function everythingScript(connection: Connection) {
	const { client } = connection;
	const progress: unknown[] = [];
	const tools = await client.listTools();
	const toolNames = tools.tools.map((tool) => tool.name).sort();
	const calls: Record<string, unknown> = {};
	calls.echo = await client.callTool({ name: 'echo', arguments: { message: 'hello ünïcode ✓' } });
	calls.sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
	calls.image = await client.callTool({ name: 'get-tiny-image', arguments: {} });
	calls.longRunning = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1.2, steps: 3 } }, undefined, {
		onprogress: (update) => progress.push(update),
	});
	calls.sampling = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
	calls.roots = await client.callTool({ name: 'get-roots-list', arguments: {} });
	const resources = await client.listResources();
	const firstResource = resources.resources[0]!;
	const read = await client.readResource({ uri: firstResource.uri });
	const prompts = await client.listPrompts();
	const prompt = await client.getPrompt({ name: prompts.prompts[0]!.name, arguments: {} }).catch((error: Error) => ({ error: error.message }));
	return { toolNames, calls, progress, resources: resources.resources.map((resource) => resource.uri), read, prompts: prompts.prompts.map((p) => p.name), prompt };
}

describe('run --url with server-everything over Streamable HTTP', () => {
	let server: RemoteServer;
	let home: string;
	const results: Partial<Record<Route, Awaited<ReturnType<typeof everythingScript>>>> = {};
	let stderr = '';

	beforeAll(async () => {
		server = await startEverything('streamableHttp');
		home = makeHome();
		for (const route of ['direct', 'mcprec'] as const) {
			const connection = await connectRemoteClient({
				route,
				url: server.url,
				home,
				capabilities: { sampling: {}, roots: { listChanged: true }, elicitation: {} },
				setup: answeringClient,
			});
			try {
				results[route] = await everythingScript(connection);
			} finally {
				await connection.close();
				if (route === 'mcprec') stderr = connection.stderr();
			}
		}
	}, 60_000);
	afterAll(async () => {
		await server?.stop();
		removeHome(home);
	});

	it('gives the client the same answers as a direct connection', () => {
		expect(results.mcprec).toBeDefined();
		// The SDK client drops a progress notification that arrives together with the answer
		// (it handles notifications a microtask late); which ones it kept is compared in the store below.
		const withoutProgress = (result: typeof results.direct) => ({ ...result, progress: undefined });
		expect(withoutProgress(results.mcprec)).toEqual(withoutProgress(results.direct));
		// The conditional tools exist only for a client with sampling: the capabilities went through.
		expect(results.mcprec!.toolNames).toContain('trigger-sampling-request');
		expect(JSON.stringify(results.mcprec!.calls.sampling)).toContain('sampled:');
		// 400 ms apart, the first updates reach the client alone even on a loaded machine (CI once
		// saw the first two arrive in one read with the answer, and the SDK kept only one).
		expect(results.mcprec!.progress.length).toBeGreaterThanOrEqual(1);
		expect(stderr).not.toMatch(/mcprec:/);
	});

	it('records every message, the HTTP session and its end', async () => {
		const events = await waitForEvents(home, ended);
		const facts = lifecycle(events);
		const connect = facts.find((fact) => fact.event === 'http-connect');
		expect(connect).toMatchObject({ status: 200, url: server.url, contentType: 'text/event-stream' });
		expect(connect!.sessionId).toMatch(/^[0-9a-f-]{36}$/);
		expect(connect!.ms).toEqual(expect.any(Number));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'http-get-stream', status: 200, open: true }));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'http-session-deleted', sessionId: connect!.sessionId, status: 200 }));
		const messages = events.filter((event) => event.kind === 'message');
		// Every progress notification of the long-running call reached the client's pipe.
		expect(messages.filter((event) => event.method === 'notifications/progress' && event.target === 'client')).toHaveLength(3);
		// The server→client requests came back from the client and went on to the server.
		expect(messages.filter((event) => event.origin === 'server' && event.method === 'sampling/createMessage')).toHaveLength(1);
		expect(messages.filter((event) => event.origin === 'client' && event.method === 'sampling/createMessage')).toHaveLength(1);
		const sessions = JSON.parse((await runMcprec(['sessions', '--json'], home)).stdout) as Record<string, unknown>[];
		expect(sessions[0]).toMatchObject({ server: new URL(server.url).host, url: server.url, command: null, endReason: 'client-closed', exitCode: 0 });
		expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
	});
});

describe('run --url with server-everything over the 2024-11-05 HTTP+SSE transport', () => {
	let server: RemoteServer;
	let home: string;
	const results: Record<string, Awaited<ReturnType<typeof everythingScript>>> = {};
	const stderr: Record<string, string> = {};
	const routes = [
		['direct', 'direct', []],
		['auto', 'mcprec', []],
		['sse', 'mcprec', ['--transport', 'sse']],
	] as const;

	beforeAll(async () => {
		server = await startEverything('sse');
		home = makeHome();
		for (const [label, route, runOptions] of routes) {
			const connection = await connectRemoteClient({
				route,
				url: server.url,
				home,
				directTransport: 'sse',
				runOptions: [...runOptions],
				capabilities: { sampling: {}, roots: { listChanged: true }, elicitation: {} },
				setup: answeringClient,
			});
			try {
				results[label] = await everythingScript(connection);
			} finally {
				await connection.close();
				stderr[label] = connection.stderr();
			}
			if (route === 'mcprec') await waitForEvents(home, ended);
		}
	}, 90_000);
	afterAll(async () => {
		await server?.stop();
		removeHome(home);
	});

	it('falls back from Streamable HTTP by itself (auto) or on request, and answers as a direct connection does', () => {
		const withoutProgress = (result: (typeof results)[string] | undefined) => ({ ...result, progress: undefined });
		expect(results.auto).toBeDefined();
		expect(withoutProgress(results.auto)).toEqual(withoutProgress(results.direct));
		expect(withoutProgress(results.sse)).toEqual(withoutProgress(results.direct));
		expect(JSON.stringify(results.auto!.calls.sampling)).toContain('sampled:');
		expect(stderr.auto).not.toMatch(/mcprec:/);
		expect(stderr.sse).not.toMatch(/mcprec:/);
	});

	it('records which transport was spoken and why', async () => {
		const database = (await import('../helpers/mcprec.js')).openDatabase(home);
		const ids = database.prepare('SELECT id FROM sessions ORDER BY started_at').pluck().all() as string[];
		database.close();
		expect(ids).toHaveLength(2);
		const [auto, sse] = ids.map((id) => lifecycle(readEvents(home, id)));
		// auto: the POST got 404 (no such route on an old server), then the GET named the endpoint.
		expect(auto).toContainEqual(expect.objectContaining({ event: 'http-connect', status: 404 }));
		expect(auto).toContainEqual(expect.objectContaining({ event: 'http-fallback', from: 'streamable-http', to: 'sse', status: 404 }));
		expect(auto).toContainEqual(expect.objectContaining({ event: 'http-connect', transport: 'sse', status: 200, endpoint: '/message' }));
		expect(sse!.filter((fact) => fact.event === 'http-connect')).toEqual([expect.objectContaining({ transport: 'sse', status: 200 })]);
		expect(sse).not.toContainEqual(expect.objectContaining({ event: 'http-fallback' }));
		expect(sse!.at(-1)).toMatchObject({ event: 'end', reason: 'client-closed', status: 0 });
	});

	it('--transport streamable-http does not fall back', async () => {
		const session = new RawSession(home, [], { runOptions: ['--url', server.url, '--transport', 'streamable-http'], separator: false });
		try {
			session.send(initializeLine(1));
			const answer = JSON.parse((await session.response(1)).toString('utf8'));
			expect(answer.error.message).toMatch(/answered 404 Not Found/);
			session.end();
			await session.exit();
		} finally {
			session.kill();
		}
	}, 30_000);
});

describe('run --url with the SDK-built fixture', () => {
	const secretValue = `sk-live-${randomBytes(16).toString('hex')}`;
	let home: string;
	let server: RemoteServer;
	let log: string;

	beforeAll(async () => {
		home = makeHome();
		log = path.join(home, 'http.log');
		server = await startFixture(['--token', secretValue, '--log', log]);
		const set = await runMcprec(['secret', 'set', 'API_TOKEN'], home, { env: credentialEnv, input: `${secretValue}\n` });
		expect(set.exitCode, set.stderr).toBe(0);
	}, 30_000);
	afterAll(async () => {
		await server?.stop();
		removeHome(home);
	});

	it('sends a header made from a secret, which is never stored or shown', async () => {
		const connection = await connectRemoteClient({
			route: 'mcprec',
			url: server.url,
			home,
			env: credentialEnv,
			runOptions: ['--secret', 'API_TOKEN', '--header', 'Authorization: Bearer ${API_TOKEN}', '--header', 'X-Team: blue'],
		});
		const team = await connection.client.callTool({ name: 'header', arguments: { name: 'x-team' } });
		expect(team.content).toEqual([{ type: 'text', text: '"blue"' }]);
		expect(await connection.client.callTool({ name: 'echo', arguments: { text: 'hi' } })).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
		await connection.close();
		await waitForEvents(home, ended);
		const requests = fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(requests.length).toBeGreaterThanOrEqual(4);
		expect(requests.every((request) => request.authorized)).toBe(true);
		// MCP-Protocol-Version on every request after initialize (spec: protocol version header).
		expect(requests.slice(1).every((request) => request.protocolVersion === '2025-11-25')).toBe(true);
		expect(requests.at(-1)).toMatchObject({ method: 'DELETE', status: 200 });
		expect(connection.stderr()).not.toContain(secretValue);
		// The raw bytes of everything mcprec keeps: the database, its WAL, journals, the config.
		for (const file of listFiles(home).filter((name) => !name.endsWith('credentials.json') && !name.endsWith('http.log'))) {
			const bytes = fs.readFileSync(file);
			for (const form of [secretValue, Buffer.from(secretValue).toString('base64'), secretValue.slice(8)]) {
				expect(bytes.includes(form), `${file} holds the secret`).toBe(false);
			}
		}
		const replay = await runMcprec(['replay', 'last', '--json'], home);
		expect(replay.stdout).not.toContain(secretValue);
		expect(replay.stdout).not.toMatch(/authorization/i);
	}, 30_000);

	it('answers initialize with the 401 and one stderr line when the header is missing', async () => {
		const session = new RawSession(home, [], { runOptions: ['--url', server.url], separator: false, env: credentialEnv });
		try {
			session.send(initializeLine(1));
			const answer = JSON.parse((await session.response(1)).toString('utf8'));
			expect(answer.error.code).toBe(-32000);
			expect(answer.error.message).toMatch(/answered 401 Unauthorized: it needs credentials; pass them in a header, e\.g\. --header "Authorization: Bearer \$\{TOKEN\}"/);
			session.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
			expect(JSON.parse((await session.response(2)).toString('utf8')).error.message).toBe(answer.error.message);
			session.end();
			expect((await session.exit()).code).toBe(126);
			expect(mcprecLines(session.stderr)).toEqual([`mcprec: ${answer.error.message}`]);
		} finally {
			session.kill();
		}
	}, 30_000);

	it('refuses a header that names a secret not given with --secret, before connecting', async () => {
		const session = new RawSession(home, [], { runOptions: ['--url', server.url, '--header', 'Authorization: Bearer ${OTHER}'], separator: false, env: credentialEnv });
		try {
			session.send(initializeLine(1));
			const answer = JSON.parse((await session.response(1)).toString('utf8'));
			expect(answer.error.message).toMatch(/header 'Authorization' uses \$\{OTHER\}, but --secret OTHER was not given/);
			session.end();
			expect((await session.exit()).code).toBe(2);
		} finally {
			session.kill();
		}
	}, 30_000);
});

describe('run --url when the server cannot be used', () => {
	let home: string;
	const servers: RemoteServer[] = [];
	beforeAll(() => {
		home = makeHome();
	});
	afterAll(async () => {
		for (const server of servers) await server.stop();
		removeHome(home);
	});

	const cases: [string, () => Promise<string>, RegExp, string][] = [
		['nothing listens on the port', async () => `http://127.0.0.1:${await freePort()}/mcp`, /connection refused on 127\.0\.0\.1:\d+; is the server running\?/, 'ECONNREFUSED'],
		// A name that does not resolve is asked of the system's DNS, which may leave the machine: see
		// test/unit/upstream/describe-http-failure.test.ts for the DNS sentence instead.
		['the path is wrong (404)', async () => (await fixtureUrl([])).replace('/mcp', '/wrong'), /answered 404 Not Found: there is no MCP endpoint at this URL; check the path/, 'HTTP_404'],
		['the credentials are not allowed (403)', async () => fixtureUrl(['--forbidden']), /answered 403 Forbidden: the credentials sent are not allowed to use it; check the token and its scopes \(the server said: \{"error":"insufficient_scope"\}\)/, 'HTTP_403'],
		['the answer is an HTML page', async () => fixtureUrl(['--html']), /answered with content type 'text\/html', not application\/json or text\/event-stream; is this URL an MCP endpoint\?/, 'EBADCONTENT'],
		['TLS to a server that speaks plain HTTP', async () => (await fixtureUrl([])).replace('http:', 'https:'), /TLS failed \(ERR_SSL_WRONG_VERSION_NUMBER\): the server does not speak TLS on port \d+; is the URL http:\/\/ rather than https:\/\/\?$/, 'ERR_SSL_WRONG_VERSION_NUMBER'],
	];

	async function fixtureUrl(flags: string[]): Promise<string> {
		const server = await startFixture(flags);
		servers.push(server);
		return server.url;
	}

	it.each(cases)('%s: initialize gets the reason, stderr one line, the store the fact', async (_case, urlOf, pattern, code) => {
		const url = await urlOf();
		const session = new RawSession(home, [], { runOptions: ['--url', url], separator: false });
		try {
			session.send(initializeLine(7));
			const answer = JSON.parse((await session.response(7, 20_000)).toString('utf8'));
			expect(answer).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32000 } });
			expect(answer.error.message).toMatch(pattern);
			expect(answer.error.message).toContain(url.replace(/\/wrong$/, ''));
			session.end();
			expect((await session.exit()).code).toBe(126);
			expect(mcprecLines(session.stderr)).toEqual([`mcprec: ${answer.error.message}`]);
			const facts = lifecycle(readEvents(home));
			const failed = facts.find((fact) => fact.event === 'http-failed');
			expect(failed).toMatchObject({ url });
			if (code) expect(failed!.code).toBe(code);
			expect(facts).toContainEqual(expect.objectContaining({ event: 'spawn-failed', message: answer.error.message }));
		} finally {
			session.kill();
		}
	}, 30_000);
});

describe('run --url keeps a session going', () => {
	let home: string;
	const servers: RemoteServer[] = [];
	beforeAll(() => {
		home = makeHome();
	});
	afterAll(async () => {
		for (const server of servers) await server.stop();
		removeHome(home);
	});
	const start = async (flags: string[]) => {
		const server = await startFixture(flags);
		servers.push(server);
		return server;
	};

	it.each([['an event stream', []], ['JSON answers', ['--json']]])('carries a server→client request and a GET-stream notification with %s', async (_case, flags) => {
		const server = await start(flags);
		for (const route of ['direct', 'mcprec'] as const) {
			const connection = await connectRemoteClient({ route, url: server.url, home, capabilities: { sampling: {}, roots: {}, elicitation: {} }, setup: answeringClient });
			try {
				const asked = await connection.client.callTool({ name: 'ask', arguments: {} });
				expect(asked.content, route).toEqual([{ type: 'text', text: 'client said: sampled: {"type":"text","text":"say hi"}' }]);
				await connection.client.callTool({ name: 'notify-later', arguments: {} });
				await waitFor(`the log notification (${route})`, () => connection.notifications.find((note) => note.method === 'notifications/message'));
			} finally {
				await connection.close();
			}
		}
	}, 30_000);

	it.each([['an event stream', []], ['JSON answers', ['--json']]])(
		'carries elicitation and list-changed notifications on the GET stream with %s, as a direct connection does',
		async (_case, flags) => {
			const server = await start(flags);
			const seen: Partial<Record<Route, unknown>> = {};
			for (const route of ['direct', 'mcprec'] as const) {
				const connection = await connectRemoteClient({ route, url: server.url, home, capabilities: { sampling: {}, roots: {}, elicitation: { form: {} } }, setup: answeringClient });
				const methods = () => connection.notifications.map((note) => note.method);
				const logged = () => connection.notifications.filter((note) => note.method === 'notifications/message').map((note) => (note.params as { data: unknown }).data);
				try {
					// Asked while the tool runs (the SDK server sends it on the GET stream: it names no request).
					// (A request dropped on the way never gets an answer: fail in 10 s with the SDK's timeout, not the test's.)
					const elicited = await connection.client.callTool({ name: 'elicit', arguments: {} }, undefined, { timeout: 10_000 });
					// Asked after the answer, belonging to no request at all; the answer comes back as a log line.
					const later = await connection.client.callTool({ name: 'elicit-later', arguments: {} });
					await waitFor(`the later elicitation's outcome (${route})`, () => logged().length > 0);
					const before = { tools: (await connection.client.listTools()).tools.map((tool) => tool.name), prompts: (await connection.client.listPrompts()).prompts.map((prompt) => prompt.name) };
					await connection.client.callTool({ name: 'change-lists', arguments: {} });
					const changed = ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'];
					await waitFor(`three list_changed notifications (${route})`, () => changed.every((method) => methods().includes(method)));
					seen[route] = {
						elicited,
						later,
						logged: logged(),
						before,
						after: {
							tools: (await connection.client.listTools()).tools.map((tool) => tool.name),
							prompts: (await connection.client.listPrompts()).prompts.map((prompt) => prompt.name),
							resources: (await connection.client.listResources()).resources.map((resource) => resource.uri),
						},
						listChanged: methods().filter((method) => method.endsWith('/list_changed')).sort(),
					};
				} finally {
					await connection.close();
				}
			}
			expect(seen.mcprec).toEqual(seen.direct);
			expect(seen.mcprec).toMatchObject({
				elicited: { content: [{ type: 'text', text: 'client said: accept {"name":"Ada"}' }] },
				logged: ['elicited later: accept {"name":"Ada"}'],
				after: { tools: expect.arrayContaining(['added-tool']), prompts: ['greet', 'added-prompt'], resources: ['fixture://readme', 'fixture://added'] },
				listChanged: ['notifications/prompts/list_changed', 'notifications/resources/list_changed', 'notifications/tools/list_changed'],
			});
			// The store has both directions of both elicitations, and each change the client was told of.
			const messages = (await waitForEvents(home, ended)).filter((event) => event.kind === 'message');
			expect(messages.filter((event) => event.method === 'elicitation/create' && event.origin === 'server')).toHaveLength(2);
			expect(messages.filter((event) => event.method === 'elicitation/create' && event.origin === 'client')).toHaveLength(2);
			for (const method of ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed']) {
				expect(messages.filter((event) => event.method === method && event.target === 'client'), method).toHaveLength(1);
			}
		},
		30_000,
	);

	it('reopens a GET stream the server closed with Last-Event-ID, and gets what was sent meanwhile, as a direct connection does', async () => {
		const server = await start(['--resumable']);
		for (const route of ['direct', 'mcprec'] as const) {
			const connection = await connectRemoteClient({ route, url: server.url, home });
			try {
				await connection.client.setLoggingLevel('debug');
				expect(await connection.client.callTool({ name: 'break-get', arguments: {} }), route).toMatchObject({ content: [{ text: 'broken' }] });
				const logged = () => connection.notifications.filter((note) => note.method === 'notifications/message').map((note) => (note.params as { data: unknown }).data);
				await waitFor(`the notification sent while the GET stream was down (${route})`, () => logged().includes('while the stream was down'), 15_000);
				expect(logged(), route).toEqual(['before the break', 'while the stream was down']);
			} finally {
				await connection.close();
			}
		}
		const facts = lifecycle(await waitForEvents(home, ended));
		const lost = facts.find((fact) => fact.event === 'http-get-stream-lost');
		expect(lost).toMatchObject({ reason: 'ended by the server' });
		expect(lost!.lastEventId).toEqual(expect.any(String));
	}, 45_000);

	it('answers every call of a pipelined burst larger than the POSTs it keeps open at once', async () => {
		const server = await start(['--json']);
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home });
		try {
			const texts = Array.from({ length: 300 }, (_, index) => `burst ${index} ${'x'.repeat(index % 7)}`);
			const answers = await Promise.all(texts.map((text) => connection.client.callTool({ name: 'echo', arguments: { text } })));
			expect(answers.map((answer) => (answer.content as { text: string }[])[0]!.text)).toEqual(texts);
		} finally {
			await connection.close();
		}
		const events = await waitForEvents(home, ended);
		expect(events.filter((event) => event.kind === 'message' && event.origin === 'server' && event.method === 'tools/call')).toHaveLength(300);
	}, 60_000);

	it('renews an expired session (404) with the client’s own initialize and re-sends the call', async () => {
		const server = await start(['--expire-after', '3']);
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home });
		try {
			for (let index = 0; index < 6; index++) {
				expect(await connection.client.callTool({ name: 'echo', arguments: { text: `call ${index}` } })).toMatchObject({ content: [{ text: `call ${index}` }] });
			}
		} finally {
			await connection.close();
		}
		const events = await waitForEvents(home, ended);
		const renewed = lifecycle(events).filter((fact) => fact.event === 'http-session-renewed');
		expect(renewed.length).toBeGreaterThanOrEqual(1);
		expect(renewed[0]!.sessionId).not.toBe(renewed[0]!.expired);
		// The renewal's own initialize is mcprec's business: the client saw one initialize answer.
		expect(connection.wire.received.filter((message) => 'result' in message && (message.result as { protocolVersion?: unknown }).protocolVersion)).toHaveLength(1);
		expect(connection.stderr()).not.toMatch(/mcprec:/);
	}, 30_000);

	it('passes a signal on: the HTTP session is deleted and mcprec exits as if the server was signalled', async () => {
		const log = path.join(home, 'signal.log');
		const server = await start(['--log', log]);
		const session = new RawSession(home, [], { runOptions: ['--url', server.url], separator: false });
		try {
			session.send(initializeLine(1));
			await session.response(1);
			session.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
			await waitFor('the GET stream', () => lifecycle(readEvents(home)).some((fact) => fact.event === 'http-get-stream'));
			session.child.kill('SIGTERM');
			expect(await session.exit()).toEqual({ code: 143, signal: null });
		} finally {
			session.kill();
		}
		const requests = fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { method: string; status: number });
		expect(requests).toContainEqual(expect.objectContaining({ method: 'DELETE', status: 200 }));
		const facts = lifecycle(readEvents(home));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'signal', signal: 'SIGTERM' }));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'http-session-deleted', status: 200 }));
		expect(facts.at(-1)).toMatchObject({ event: 'end', reason: 'signal', status: 143 });
	}, 30_000);

	it('ends the session when an HTTP+SSE server goes away (that transport cannot resume)', async () => {
		const server = await startEverything('sse');
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home, runOptions: ['--transport', 'sse'] });
		let closed = false;
		connection.client.onclose = () => {
			closed = true;
		};
		expect((await connection.client.listTools()).tools.length).toBeGreaterThan(0);
		await server.stop();
		await waitFor('mcprec to end the session', () => closed, 15_000);
		expect(connection.stderr()).toMatch(/mcprec: the MCP server at http:\/\/127\.0\.0\.1:\d+\/sse closed its event stream \(.*\); the HTTP\+SSE transport cannot resume it/);
		const facts = lifecycle(await waitForEvents(home, ended));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'http-sse-stream-lost' }));
		expect(facts.at(-1)).toMatchObject({ event: 'end', reason: 'upstream-exited', status: 1 });
	}, 30_000);

	it('answers a call whose stream breaks with no event id to resume from', async () => {
		const server = await start([]);
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home });
		try {
			const error = await connection.client.callTool({ name: 'drop', arguments: {} }).then(
				() => undefined,
				(thrown: Error) => thrown,
			);
			expect(error?.message).toMatch(/closed the answer stream before answering \(the connection broke .*; no event id to resume from\)/);
			// The session goes on.
			expect(await connection.client.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({ content: [{ text: 'still here' }] });
		} finally {
			await connection.close();
		}
		const facts = lifecycle(await waitForEvents(home, ended));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'http-stream-lost', lastEventId: null }));
	}, 30_000);

	it('resumes a stream the server closes mid-call (Last-Event-ID) and delivers the answer, as a direct connection does', async () => {
		const server = await start(['--resumable']);
		const answers: Record<string, unknown> = {};
		for (const route of ['direct', 'mcprec'] as const) {
			const connection = await connectRemoteClient({ route, url: server.url, home });
			try {
				answers[route] = await connection.client.callTool({ name: 'drop', arguments: {} });
			} finally {
				await connection.close();
			}
		}
		expect(answers.mcprec).toEqual({ content: [{ type: 'text', text: 'finished after the stream broke' }] });
		expect(answers.mcprec).toEqual(answers.direct);
		const facts = lifecycle(await waitForEvents(home, ended));
		expect(facts).toContainEqual(expect.objectContaining({ event: 'http-stream-resume', attempt: 1 }));
	}, 30_000);
});

describe('run --url applies the policy as for a local server', () => {
	let home: string;
	let server: RemoteServer;
	beforeAll(async () => {
		home = makeHome();
		server = await startFixture([]);
	}, 30_000);
	afterAll(async () => {
		await server?.stop();
		removeHome(home);
	});

	it('blocks a denied tool without reaching the server, and masks a token in an answer', async () => {
		const policy = path.join(home, 'policy.yaml');
		fs.writeFileSync(policy, 'version: 1\nrules:\n  - name: no-header-peeking\n    match: { tool: header }\n    action: deny\n    message: not here\n');
		const token = 'ghp_R8x2Lq0vNw4Tz7Kp1Ys9Hc3Md6Fb5Ja0Ue2W';
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home, runOptions: ['--policy', policy] });
		try {
			const blocked = await connection.client.callTool({ name: 'header', arguments: { name: 'x' } });
			expect(blocked).toMatchObject({ isError: true, content: [{ type: 'text', text: "Blocked by policy rule 'no-header-peeking': not here" }] });
			const echoed = await connection.client.callTool({ name: 'echo', arguments: { text: `token ${token}` } });
			expect(JSON.stringify(echoed)).not.toContain(token);
			expect(JSON.stringify(echoed)).toMatch(/\[REDACTED:github[\w-]*\]/);
		} finally {
			await connection.close();
		}
		const events = await waitForEvents(home, ended);
		expect(events.some((event) => event.kind === 'message' && event.origin === 'client' && event.tool === 'header' && event.target === null)).toBe(true);
		const stored = events.filter((event) => event.kind === 'message' && event.origin === 'server').map((event) => Buffer.from(event.payload as Buffer).toString('utf8'));
		expect(stored.join('\n')).not.toContain(token);
	}, 30_000);
});

describe('run --url keeps tools hidden, and holds calls for a person, as for a local server', () => {
	let home: string;
	let server: RemoteServer;
	beforeAll(async () => {
		home = makeHome();
		server = await startFixture([]);
		fs.writeFileSync(
			path.join(home, 'policy.yaml'),
			'version: 1\nrules:\n  - name: confirm-echo\n    match: { tool: echo }\n    action: approve\n    timeout: 20s\ntools:\n  hide: [header, "break-*"]\n',
		);
	}, 30_000);
	afterAll(async () => {
		await server?.stop();
		removeHome(home);
	});

	it('hides tools from tools/list and refuses calls to them', async () => {
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home, runOptions: ['--policy', path.join(home, 'policy.yaml')] });
		try {
			const names = (await connection.client.listTools()).tools.map((tool) => tool.name);
			expect(names).toContain('echo');
			expect(names.filter((name) => name === 'header' || name.startsWith('break-'))).toEqual([]);
			const refused = await connection.client.callTool({ name: 'header', arguments: { name: 'authorization' } });
			expect(refused).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/^Blocked by policy rule 'tools.hide'/) }] });
		} finally {
			await connection.close();
		}
		const sessions = (await runMcprec(['sessions', '--json'], home)).stdout;
		expect(JSON.parse(sessions)[0]).toMatchObject({ url: server.url, counts: { blocked: 1 } });
	}, 30_000);

	it('holds a call until `mcprec approve` from another terminal, then forwards it', async () => {
		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home, runOptions: ['--policy', path.join(home, 'policy.yaml')] });
		try {
			const answer = connection.client.callTool({ name: 'echo', arguments: { text: 'approved remotely' } });
			const id = await waitFor('the approval id on stderr', () => /mcprec approve ([0-9a-f]+)/.exec(connection.stderr())?.[1]);
			const approved = await runMcprec(['approve', id, '--reason', 'checked'], home);
			expect(approved.exitCode, String(approved.stderr)).toBe(0);
			expect(await answer).toMatchObject({ content: [{ type: 'text', text: 'approved remotely' }] });
		} finally {
			await connection.close();
		}
		const decisions = decisionsOf(await waitForEvents(home, ended));
		expect(decisions).toContainEqual(expect.objectContaining({ action: 'approve', status: 'approved', via: 'cli', approverReason: 'checked' }));
	}, 30_000);

	it('asks the client itself when it can be asked (elicitation), and forwards the call it allows', async () => {
		const connection = await connectRemoteClient({
			route: 'mcprec',
			url: server.url,
			home,
			runOptions: ['--policy', path.join(home, 'policy.yaml')],
			capabilities: { elicitation: {} },
			setup: (client) => client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { decision: 'allow-once' } })),
		});
		try {
			expect(await connection.client.callTool({ name: 'echo', arguments: { text: 'allowed in the client' } })).toMatchObject({ content: [{ type: 'text', text: 'allowed in the client' }] });
		} finally {
			await connection.close();
		}
		const decisions = decisionsOf(await waitForEvents(home, ended));
		expect(decisions).toContainEqual(expect.objectContaining({ action: 'approve', status: 'approved', via: 'elicitation', authority: 'local' }));
	}, 30_000);
});

function initializeLine(id: number): string {
	return JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
}

function mcprecLines(stderr: string): string[] {
	return stderr.split('\n').filter((line) => line.startsWith('mcprec:'));
}

function listFiles(folder: string): string[] {
	return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(folder, entry.name);
		return entry.isDirectory() ? listFiles(full) : [full];
	});
}
