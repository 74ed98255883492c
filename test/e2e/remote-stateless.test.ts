// `run --url` in the 2026-07-28 era (issue 16, item 2): a stateless server (no initialize,
// no session, no GET stream) that refuses a POST whose headers do not repeat its body
// (SEP-2243). The same requests sent directly, as a 2026-07-28 client would, and through
// mcprec must get the same answers, in JSON and in event-stream form; mcprec opens no GET
// stream, sends no DELETE and no session id, and records the exchange.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, payloadOf, removeHome, waitForEvents } from '../helpers/mcprec.js';
import { RawSession } from '../helpers/raw-mcprec.js';
import { startStatelessFixture, type RemoteServer } from '../helpers/remote-server.js';

const credentialEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };
const VERSION = '2026-07-28';
const meta = {
	'io.modelcontextprotocol/protocolVersion': VERSION,
	'io.modelcontextprotocol/clientInfo': { name: 'stateless-e2e', version: '1.0.0' },
	'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};
const requests = [
	{ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta } },
	{ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: meta } },
	{ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'stateless ✓' }, _meta: meta } },
	{ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'confirm', arguments: {}, _meta: meta } },
	{ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'confirm', arguments: {}, inputResponses: { sure: { action: 'accept', content: {} } }, _meta: meta } },
];

/** What a 2026-07-28 client sends for one message (SEP-2243 headers). */
async function sendDirect(url: string, message: (typeof requests)[number]): Promise<unknown> {
	const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': VERSION, 'mcp-method': message.method };
	if (message.method === 'tools/call') headers['mcp-name'] = (message.params as { name: string }).name;
	const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
	const text = await response.text();
	return JSON.parse(response.headers.get('content-type')?.startsWith('text/event-stream') ? text.match(/^data: (.*)$/m)![1]! : text);
}

function logged(file: string): { method: string; status: number; headers: Record<string, string> }[] {
	return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

/** Waits (up to 5 s) until the log holds `count` lines; the assertions then say what they hold. */
async function loggedCount(file: string, count: number): Promise<void> {
	for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
		if (fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length >= count) return;
	}
}

describe.each(['json', 'sse'] as const)('run --url with a 2026-07-28 stateless server answering %s', (mode) => {
	let server: RemoteServer;
	let folder: string;
	let log: string;

	beforeAll(async () => {
		folder = makeHome('mcprec-stateless-');
		log = path.join(folder, 'server.log');
		server = await startStatelessFixture(['--log', log, ...(mode === 'sse' ? ['--sse'] : [])]);
	}, 30_000);

	afterAll(async () => {
		await server?.stop();
		removeHome(folder);
	});

	it('answers as directly, with the headers the server requires, no session and no GET stream, and records it', async () => {
		const direct: unknown[] = [];
		for (const message of requests) direct.push(await sendDirect(server.url, message));
		expect((direct[3] as { result: { resultType: string } }).result.resultType).toBe('input_required');
		expect(direct[4]).toMatchObject({ result: { content: [{ text: 'answered: accept' }] } });
		// The fixture logs a request once its response has finished, which may be after the
		// client read the answer: wait for every line before starting the log over.
		await loggedCount(log, requests.length);
		fs.writeFileSync(log, '');

		const home = makeHome();
		try {
			const session = new RawSession(home, [], { runOptions: ['--url', server.url], separator: false, env: credentialEnv });
			const through: unknown[] = [];
			try {
				for (const message of requests) {
					session.send(JSON.stringify(message));
					through.push(JSON.parse((await session.response(message.id)).toString('utf8')));
				}
				session.end();
				expect((await session.exit()).code).toBe(0);
			} finally {
				session.kill();
			}
			expect(through).toEqual(direct);
			await loggedCount(log, requests.length);
			const seen = logged(log);
			expect(seen.map((entry) => `${entry.method} ${entry.status}`)).toEqual(requests.map(() => 'POST 200'));
			expect(seen.map((entry) => entry.headers)).toEqual(
				requests.map((message) => ({
					'mcp-protocol-version': VERSION,
					'mcp-method': message.method,
					...(message.method === 'tools/call' ? { 'mcp-name': (message.params as { name: string }).name } : {}),
				})),
			);
			const events = await waitForEvents(home, (rows) => rows.filter((row) => row.kind === 'message' && row.origin === 'server').length >= requests.length);
			const answered = events.filter((row) => row.kind === 'message' && row.origin === 'server').map((row) => JSON.parse(payloadOf(row).toString('utf8')) as { id: number });
			expect(answered.map((message) => message.id)).toEqual([1, 2, 3, 4, 5]);
		} finally {
			removeHome(home);
		}
	}, 30_000);
});
