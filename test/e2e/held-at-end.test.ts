// A session that ends while a call is held for approval: the request, the hold and its
// final outcome are all in the store (not in a spill file), before the session's end, and
// the chain verifies.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, readSessions, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';

const home = makeHome('mcprec-held-end-');
afterAll(() => removeHome(home));

it('records the held request, the hold and "the session ended" as its outcome', async () => {
	const policy = path.join(home, 'hold.yaml');
	fs.writeFileSync(policy, 'version: 1\nrules:\n  - name: hold-deletes\n    match: { tool: delete_note }\n    action: approve\n    timeout: 60s\n');
	const session = startRaw(['node', fixture('raw-server.mjs')], home, { runOptions: ['--policy', policy] });
	try {
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'held', version: '1' } } }));
		await session.response(1);
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'delete_note', arguments: { id: 'a' } } }));
		await session.waitForStderr(/mcprec approve/);
		session.end();
		expect((await session.exit(20_000)).code).toBe(0);
	} finally {
		session.kill();
	}
	const events = readEvents(home).filter((event) => event.rpc_id === '2');
	const details = (kind: string) => events.filter((event) => event.kind === kind).map((event) => JSON.parse(payloadOf(event).toString('utf8')));
	expect(events.some((event) => event.kind === 'message' && event.origin === 'client' && event.target === null)).toBe(true);
	expect(details('decision')).toEqual([
		expect.objectContaining({ action: 'approve', status: 'held', rule: 'hold-deletes' }),
		expect.objectContaining({ step: 'asked', channel: 'out-of-band' }),
		expect.objectContaining({ status: 'denied', via: 'session-end', reason: 'the session ended' }),
	]);
	expect(events.some((event) => event.kind === 'message' && event.origin === 'proxy' && payloadOf(event).includes('not approved: the session ended'))).toBe(true);
	// The outcome is told before the session's end, which is its last event.
	const all = readEvents(home);
	const endSeq = all.find((event) => event.kind === 'lifecycle' && JSON.parse(payloadOf(event).toString('utf8')).event === 'end')!.seq;
	expect(endSeq).toBe(all.at(-1)!.seq);
	expect(Math.max(...events.map((event) => event.seq))).toBeLessThan(endSeq);
	expect(readSessions(home)[0]).toMatchObject({ blocked: 0, denied: 1, approvals: 1, end_reason: 'client-closed' });
	expect(fs.readdirSync(home).filter((name) => name.includes('unrecorded'))).toEqual([]);
	expect(fs.readdirSync(path.join(home, 'journal'))).toEqual([]);
	expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
});
