// Tool errors are errors (issue 20): a tools/call the server answers with `isError: true`
// counts as an error in `sessions` (table and --json) and reads as a tool error in `replay`
// (--json and --plain), apart from JSON-RPC errors; a store recorded before the change is
// counted again when it opens. The official client calls server-everything through mcprec.

import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, readSessions, removeHome, runMcprec, servers } from '../helpers/mcprec.js';
import { connectClient } from '../helpers/sdk-client.js';

describe('tool errors are errors', () => {
	let home: string;
	let sessionId: string;
	beforeAll(async () => {
		home = makeHome();
		const connection = await connectClient({ route: 'mcprec', serverArgs: [servers.everything], home, name: 'everything' });
		try {
			// Invalid arguments and an unknown tool: the server answers both with isError results.
			expect(await connection.client.callTool({ name: 'echo', arguments: { message: 42 } })).toMatchObject({ isError: true });
			expect(await connection.client.callTool({ name: 'no-such-tool', arguments: {} })).toMatchObject({ isError: true });
			expect(await connection.client.callTool({ name: 'echo', arguments: { message: 'fine' } })).not.toHaveProperty('isError', true);
			// A JSON-RPC error for comparison: an unknown method.
			await expect(connection.client.request({ method: 'no/such-method', params: {} }, (await import('@modelcontextprotocol/sdk/types.js')).ResultSchema)).rejects.toThrow();
		} finally {
			await connection.close();
		}
		sessionId = String(readSessions(home)[0]!.id);
	}, 60_000);
	afterAll(() => removeHome(home));

	it('counts them in `sessions --json` as errors and as tool errors', async () => {
		const [session] = JSON.parse(String((await runMcprec(['sessions', '--json'], home)).stdout));
		expect(session.counts).toMatchObject({ errors: 3, toolErrors: 2 });
	});

	it('shows them in the `sessions` table', async () => {
		const table = String((await runMcprec(['sessions'], home)).stdout);
		expect(table).toMatch(/ERRS/);
		expect(table).toContain('3 (2 tool)');
	});

	it('marks them in `replay --json` (outcome) and `replay --plain` (label), apart from JSON-RPC errors', async () => {
		const events = String((await runMcprec(['replay', sessionId, '--json'], home)).stdout)
			.trim()
			.split('\n')
			.map((text) => JSON.parse(text));
		const answers = events.filter((event) => event.origin === 'server' && event.kind === 'message' && event.outcome !== undefined && event.method !== 'initialize');
		expect(answers.map((event) => [event.method, event.tool, event.outcome])).toEqual([
			['tools/call', 'echo', 'tool-error'],
			['tools/call', 'no-such-tool', 'tool-error'],
			['tools/call', 'echo', 'ok'],
			['no/such-method', null, 'error'],
		]);
		// The readable timeline: one block per call, the result's first line under it.
		const plain = String((await runMcprec(['replay', sessionId, '--plain'], home)).stdout);
		expect(plain.match(/tools\/call echo #\d+ [\d.]+ ms tool error\n\s+args .*\n\s+tool error \S/g)).toHaveLength(1);
		expect(plain).toMatch(/tools\/call no-such-tool #\d+ [\d.]+ ms tool error\n\s+args .*\n\s+tool error \S/);
		expect(plain).toMatch(/tools\/call echo #\d+ [\d.]+ ms ok\n\s+args .*\n\s+result  \S/);
		expect(plain).toMatch(/no\/such-method #\d+ [\d.]+ ms error\n(\s+args .*\n)?\s+error\s+-32601: /);
		// Every event, as before, with --raw.
		const raw = String((await runMcprec(['replay', sessionId, '--raw'], home)).stdout);
		expect(raw.match(/server → client\s+tools\/call echo #\d+ [\d.]+ ms tool error/g)).toHaveLength(1);
		expect(raw).toMatch(/server → client\s+tools\/call no-such-tool #\d+ [\d.]+ ms tool error/);
		expect(raw).toMatch(/server → client\s+no\/such-method #\d+ [\d.]+ ms error/);
	});

	it('counts them again in a store recorded before tool errors were counted (migration 7)', async () => {
		const database = new Database(path.join(home, 'mcprec.db'));
		// Back to version 6: the columns of migrations 7 to 9 go.
		database.exec('ALTER TABLE sessions DROP COLUMN tool_errors; ALTER TABLE approvals DROP COLUMN reason; ALTER TABLE sessions DROP COLUMN denied; UPDATE sessions SET errors = 1; PRAGMA user_version = 6;');
		database.close();
		const [session] = JSON.parse(String((await runMcprec(['sessions', '--json'], home)).stdout));
		expect(session.counts).toMatchObject({ errors: 3, toolErrors: 2 });
	});
});
