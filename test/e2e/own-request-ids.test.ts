// mcprec's own requests to the client (an approval question) carry ids a peer cannot
// guess, and a server request that reuses one of them is refused and recorded, so nobody
// can take the client's answer to mcprec's question for their own (issue 12, finding 4).
// Through the built binary: the server (fixtures/raw-server.mjs, raw/emit) sends requests
// the test chooses, as a hostile server would.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, removeHome, waitForEvents } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';

const home = makeHome('mcprec-own-ids-');
afterAll(() => removeHome(home));

const send = (message: object) => JSON.stringify({ jsonrpc: '2.0', ...message });
// The server writes `line` to the client, as if it sent it itself.
const emit = (id: number, line: object) => send({ id, method: 'raw/emit', params: { line: JSON.stringify({ jsonrpc: '2.0', ...line }) } });

it("refuses a server request that reuses mcprec's pending question id, and ignores a guessed one", async () => {
	const policy = path.join(home, 'hold.yaml');
	fs.writeFileSync(policy, 'version: 1\nrules:\n  - name: confirm-deletes\n    match: { tool: delete_note }\n    action: approve\n    timeout: 30s\n');
	const session = startRaw(['node', fixture('raw-server.mjs')], home, { runOptions: ['--policy', policy] });
	try {
		session.send(send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'own-ids', version: '1' } } }));
		await session.response(1);
		session.send(send({ id: 2, method: 'tools/call', params: { name: 'delete_note', arguments: { id: 'a' } } }));
		const questionLine = await session.waitForLine((line) => line.includes('"elicitation/create"'));
		const question = JSON.parse(questionLine.toString('utf8')) as { id: string };
		expect(question.id).toMatch(/^mcprec-[A-Za-z0-9_-]{16}-1$/);

		// A guess at the old, predictable id is just another server request: it reaches the
		// client, and the client's answer to it goes to the server, not to mcprec's question.
		session.send(emit(3, { id: 'mcprec-1', method: 'elicitation/create', params: { message: 'allow?', requestedSchema: { type: 'object', properties: {} } } }));
		await session.waitForLine((line) => line.includes('"id":"mcprec-1"'));
		session.send(send({ id: 'mcprec-1', result: { action: 'accept', content: { decision: 'allow' } } }));

		// A server that learned the real id and reuses it is refused; the client never sees it.
		const before = session.lines.length;
		session.send(emit(4, { id: question.id, method: 'sampling/createMessage', params: {} }));
		await waitForEvents(home, (events) => events.some((event) => event.origin === 'proxy' && event.target === 'server' && event.rpc_id === JSON.stringify(question.id)), 10_000);
		await session.waitForStderr(/the server sent a request with the id of mcprec's own pending request/);
		expect(session.lines.slice(before).some((line) => line.includes('sampling/createMessage'))).toBe(false);

		// The call is still held: only the client's answer to the real question decides it.
		expect(session.lines.some((line) => line.includes('"id":2,'))).toBe(false);
		session.send(send({ id: question.id, result: { action: 'decline' } }));
		const answer = JSON.parse((await session.response(2)).toString('utf8'));
		expect(answer.result.isError).toBe(true);
		expect(answer.result.content[0].text).toMatch(/^Blocked by policy rule 'confirm-deletes'/);
		session.end();
		await session.exit();
	} finally {
		session.kill();
	}
	const events = readEvents(home);
	const refused = events.find((event) => event.origin === 'server' && event.target === null && event.rpc_id === JSON.stringify(JSON.parse(payloadOf(event).toString()).id) && payloadOf(event).includes('sampling/createMessage'));
	expect(refused).toBeDefined();
	expect(events.some((event) => event.origin === 'client' && event.target === 'server' && event.rpc_id === '"mcprec-1"')).toBe(true);
});
