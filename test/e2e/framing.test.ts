// Framing seen from the outside: exact bytes in on mcprec's stdin reach the server and the
// store unchanged, exact bytes from the server reach the client and the store (DESIGN §3).

import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, payloadOf, readEvents, readSessions, removeHome, type StoredEventRow } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const rawServer = ['node', fixture('raw-server.mjs')];
const INITIALIZE =
	'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"framing-test","version":"1.0.0"}}}';

let sessions: RawSession[] = [];

function start(command = rawServer): RawSession {
	const session = startRaw(command);
	sessions.push(session);
	return session;
}

afterEach(() => {
	for (const session of sessions) {
		session.kill();
		removeHome(session.home);
	}
	sessions = [];
});

/** Ends the session the way a client does and returns its recorded events. */
async function finish(session: RawSession): Promise<StoredEventRow[]> {
	session.end();
	const exit = await session.exit();
	expect(exit.code).toBe(0);
	return readEvents(session.home);
}

function messages(events: StoredEventRow[], origin: string, target: string | null): StoredEventRow[] {
	return events.filter((event) => event.kind === 'message' && event.origin === origin && event.target === target);
}

/** What raw-server says it received, as exact bytes. */
function receivedBy(server: Buffer): Buffer {
	const { result } = JSON.parse(server.toString('utf8')) as { result: { receivedBase64: string } };
	return Buffer.from(result.receivedBase64, 'base64');
}

function sha256(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

/** Every stdout line is one JSON-RPC message or batch. */
function expectOnlyJsonRpc(lines: Buffer[]): void {
	expect(lines.length).toBeGreaterThan(0);
	for (const line of lines) {
		const parsed = JSON.parse(line.toString('utf8')) as unknown;
		const items = Array.isArray(parsed) ? parsed : [parsed];
		for (const item of items) expect(item).toHaveProperty('jsonrpc', '2.0');
	}
}

describe('byte-for-byte forwarding', () => {
	it('forwards and records client lines exactly: key order, number spelling, escapes, UTF-8, whitespace', async () => {
		const lines = [
			'{"params":{"zeta":1,"alpha":2},"method":"test/echo","id":1,"jsonrpc":"2.0"}',
			'{"jsonrpc":"2.0","id":2,"method":"test/echo","params":{"a":1.0,"b":1e3,"c":-0,"d":1E-7,"e":12345678901234567890123,"f":0.10}}',
			'{"jsonrpc":"2.0","id":3,"method":"test/echo","params":{"escaped":"caf\\u00e9 \\ud83c\\udf89 \\/ \\t","raw":"café 日本語 🎉"}}',
			'{ "jsonrpc" : "2.0" ,\t"id" :  "four" ,  "method":"test/echo",\t"params" : { "x" : [ 1 , 2 ] } }   ',
			// Above the 1 MiB parse limit: scanned, not parsed, and still forwarded exactly.
			`{"id":5,"jsonrpc":"2.0","method":"test/echo","params":{"blob":"${'é'.repeat(600_000)}"}}`,
		];
		const session = start();
		for (const line of lines) session.send(line);
		const ids = [1, 2, 3, 'four', 5];
		const responses = await Promise.all(ids.map((id) => session.response(id)));
		responses.forEach((response, index) => expect(receivedBy(response).equals(Buffer.from(lines[index]))).toBe(true));

		const events = await finish(session);
		const fromClient = messages(events, 'client', 'server');
		expect(fromClient.map((event) => payloadOf(event).toString('utf8'))).toEqual(lines);
		expect(fromClient.map((event) => event.rpc_id)).toEqual(ids.map((id) => JSON.stringify(id)));
		expect(fromClient.every((event) => event.method === 'test/echo')).toBe(true);
		// The server's answers reach the client and the store as the same bytes.
		const fromServer = messages(events, 'server', 'client');
		for (const response of responses) {
			expect(fromServer.some((event) => payloadOf(event).equals(response))).toBe(true);
		}
	});

	it('forwards and records server lines exactly, including \\r\\n endings', async () => {
		const odd = [
			'{"result" : {"a":1.0,"b":1e3,"c":-0,"s":"caf\\u00e9 café"} ,"id":10,  "jsonrpc":"2.0"}',
			'{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"日本語 \\u00e9"}}',
			'{"jsonrpc":"2.0","id":12,"result":{"crlf":true}}\r',
		];
		const session = start();
		odd.forEach((line, index) => session.send(JSON.stringify({ jsonrpc: '2.0', id: 100 + index, method: 'raw/emit', params: { line } })));
		await session.waitForLine((line) => line.includes('"crlf"'));

		expect(session.lines.map(String)).toEqual([odd[0], odd[1], odd[2].slice(0, -1)]);
		const events = await finish(session);
		expect(messages(events, 'server', 'client').map((event) => payloadOf(event).toString('utf8'))).toEqual([
			odd[0],
			odd[1],
			odd[2].slice(0, -1),
		]);
	});

	it('passes JSON-RPC batches through and records them', async () => {
		const batch =
			'[{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"echo","arguments":{"x":1.0}}}, {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}},{"jsonrpc":"2.0","id":21,"method":"tools/list"}]';
		const session = start();
		session.send(batch);
		const answer = await session.waitForLine((line) => line[0] === 0x5b);
		const items = JSON.parse(answer.toString('utf8')) as { id: number; result: Record<string, unknown> }[];
		expect(items.map((item) => item.id)).toEqual([20, 21]);
		expect(items[0].result.structuredContent).toEqual({ x: 1 });
		expect(items[1].result.tools).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'big' })]));

		const events = await finish(session);
		const [sent] = messages(events, 'client', 'server');
		expect(payloadOf(sent).toString('utf8')).toBe(batch);
		expect(sent.method).toBe('batch');
		const [received] = messages(events, 'server', 'client');
		expect(payloadOf(received).equals(answer)).toBe(true);
		expect(received.method).toBe('batch');
	});

	it('passes modern 2026-07-28 messages through: server/discover, _meta protocol version, input_required', async () => {
		const meta = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"modern-client","version":"2.0.0"}}';
		const discover = `{"jsonrpc":"2.0","id":"d1","method":"server/discover","params":{${meta}}}`;
		const call = `{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"needs_input","arguments":{},${meta}}}`;
		const session = start();
		session.send(discover);
		const discovered = await session.response('d1');
		expect(JSON.parse(discovered.toString()).result.supportedVersions).toEqual(['2026-07-28']);
		session.send(call);
		const needsInput = await session.response('c1');
		const result = JSON.parse(needsInput.toString()).result;
		expect(result.resultType).toBe('input_required');
		expect(result.inputRequests.confirm.method).toBe('elicitation/create');

		const events = await finish(session);
		const sent = messages(events, 'client', 'server');
		expect(sent.map((event) => payloadOf(event).toString('utf8'))).toEqual([discover, call]);
		expect(sent.map((event) => event.method)).toEqual(['server/discover', 'tools/call']);
		expect(sent[1].tool).toBe('needs_input');
		const received = messages(events, 'server', 'client');
		expect(received.map((event) => payloadOf(event))).toEqual([discovered, needsInput]);
		expect(received[1].latency_us).toBeGreaterThanOrEqual(0);
		const [row] = readSessions(session.home);
		expect(row).toMatchObject({ protocol_version: '2026-07-28', client_name: 'modern-client' });
	});
});

describe('large and fragmented lines', () => {
	it('delivers and records a 64 MiB result intact', async () => {
		const bytes = 64 * 1024 * 1024;
		const session = start();
		session.send(INITIALIZE);
		await session.response(0);
		session.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"big","arguments":{"bytes":${bytes}}}}`);
		const line = await session.waitForLine((candidate) => candidate.length > bytes, 60_000);

		const expectedText = Buffer.alloc(bytes, 'abcdefghijklmnopqrstuvwxyz0123456789');
		const head = Buffer.from('{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"');
		const tail = Buffer.from('"}]}}');
		expect(line.length).toBe(head.length + bytes + tail.length);
		expect(line.subarray(0, head.length).equals(head)).toBe(true);
		expect(line.subarray(line.length - tail.length).equals(tail)).toBe(true);
		expect(sha256(line.subarray(head.length, head.length + bytes))).toBe(sha256(expectedText));

		const events = await finish(session);
		const recorded = messages(events, 'server', 'client').find((event) => event.rpc_id === '7');
		expect(recorded).toBeDefined();
		expect(recorded!.size).toBe(line.length);
		expect(recorded!.encoding).toBe('deflate-raw');
		const stored = payloadOf(recorded!);
		expect(stored.length).toBe(line.length);
		expect(sha256(stored)).toBe(sha256(line));
		expect(recorded!.method).toBe('tools/call');
	}, 120_000);

	it('reassembles a message written in three pieces with pauses', async () => {
		const line = '{"jsonrpc":"2.0","id":30,"method":"test/echo","params":{"text":"split across writes, 日本語"}}';
		const bytes = Buffer.from(line);
		// Cut inside a multi-byte character too, so nothing may decode a piece on its own.
		const cuts = [17, bytes.indexOf(Buffer.from('日')) + 1];
		const session = start();
		session.write(bytes.subarray(0, cuts[0]));
		await delay(60);
		session.write(bytes.subarray(cuts[0], cuts[1]));
		await delay(60);
		expect(session.lines).toEqual([]);
		session.write(Buffer.concat([bytes.subarray(cuts[1]), Buffer.from('\n')]));
		expect(receivedBy(await session.response(30)).equals(bytes)).toBe(true);

		// Two messages in one write, and a newline that arrives alone.
		session.write('{"jsonrpc":"2.0","id":31,"method":"test/echo"}\n{"jsonrpc":"2.0","id":32,"method":"test/echo"}');
		expect(receivedBy(await session.response(31)).toString()).toBe('{"jsonrpc":"2.0","id":31,"method":"test/echo"}');
		await delay(60);
		session.write('\n');
		expect(receivedBy(await session.response(32)).toString()).toBe('{"jsonrpc":"2.0","id":32,"method":"test/echo"}');

		const events = await finish(session);
		expect(messages(events, 'client', 'server').map((event) => payloadOf(event).toString('utf8'))).toEqual([
			line,
			'{"jsonrpc":"2.0","id":31,"method":"test/echo"}',
			'{"jsonrpc":"2.0","id":32,"method":"test/echo"}',
		]);
	});

	it('accepts \\r\\n line endings from the client', async () => {
		const session = start();
		session.write(`${INITIALIZE}\r\n`);
		session.write('{"jsonrpc":"2.0","id":40,"method":"test/echo","params":{"crlf":true}}\r\n');
		await session.response(0);
		expect(receivedBy(await session.response(40)).toString()).toBe('{"jsonrpc":"2.0","id":40,"method":"test/echo","params":{"crlf":true}}');

		const events = await finish(session);
		const sent = messages(events, 'client', 'server');
		expect(sent.map((event) => event.method)).toEqual(['initialize', 'test/echo']);
		expect(payloadOf(sent[1]).toString()).toBe('{"jsonrpc":"2.0","id":40,"method":"test/echo","params":{"crlf":true}}');
		expect(sent.every((event) => !payloadOf(event).includes('\r'))).toBe(true);
	});
});

describe('bad input and side channels', () => {
	it('answers a non-JSON line with -32700 and a non-JSON-RPC object with -32600, then keeps working', async () => {
		const session = start();
		session.send('this is not json');
		const parseError = await session.waitForLine((line) => line.includes('-32700'));
		expect(JSON.parse(parseError.toString())).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
		session.send('{"foo":1}');
		const invalid = await session.waitForLine((line) => line.includes('-32600'));
		expect(JSON.parse(invalid.toString())).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
		session.send('{"id":9,"method":"tools/list"}');
		const invalidWithId = await session.response(9);
		expect(JSON.parse(invalidWithId.toString())).toMatchObject({ id: 9, error: { code: -32600 } });

		session.send(INITIALIZE);
		expect(JSON.parse((await session.response(0)).toString()).result.serverInfo.name).toBe('raw-server');

		const events = await finish(session);
		const refused = messages(events, 'client', null).map((event) => payloadOf(event).toString());
		expect(refused).toEqual(['this is not json', '{"foo":1}', '{"id":9,"method":"tools/list"}']);
		expect(messages(events, 'proxy', 'client')).toHaveLength(3);
		// None of the refused lines reached the server.
		expect(messages(events, 'client', 'server').map((event) => event.method)).toEqual(['initialize']);
	});

	it("records the server's stdout garbage, warns on stderr, and does not forward it", async () => {
		const session = start();
		session.send('{"jsonrpc":"2.0","id":50,"method":"tools/call","params":{"name":"garbage","arguments":{}}}');
		const answer = await session.response(50);
		expect(JSON.parse(answer.toString()).result.content[0].text).toBe('wrote garbage');
		await session.waitForStderr(/not JSON-RPC.*this line is not JSON-RPC/);

		const events = await finish(session);
		expect(session.lines.some((line) => line.includes('this line is not JSON-RPC'))).toBe(false);
		expectOnlyJsonRpc(session.lines);
		const garbage = messages(events, 'server', null);
		expect(garbage.map((event) => payloadOf(event).toString())).toEqual(['this line is not JSON-RPC']);
	});

	it("passes the server's stderr to mcprec's stderr and records it, keeping stdout pure JSON-RPC", async () => {
		const session = start();
		session.send(INITIALIZE);
		session.send(
			'{"jsonrpc":"2.0","id":60,"method":"tools/call","params":{"name":"stderr","arguments":{"lines":["server says hello","déjà vu on stderr"]}}}',
		);
		await session.response(60);
		await session.waitForStderr(/déjà vu on stderr/);
		expect(session.stderr).toContain('server says hello\n');

		const events = await finish(session);
		const stderrEvents = events.filter((event) => event.kind === 'stderr');
		expect(stderrEvents.map((event) => payloadOf(event).toString())).toEqual(['server says hello', 'déjà vu on stderr']);
		expect(stderrEvents.every((event) => event.origin === 'server' && event.target === null)).toBe(true);
		expectOnlyJsonRpc(session.lines);
		expect(session.lines).toHaveLength(2);
	});
});
