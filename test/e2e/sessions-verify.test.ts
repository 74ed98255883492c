// The reading side of the store as a user sees it: `sessions`, `replay --json/--plain`
// and `verify`, including tampering of every kind and eight concurrent writers.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, readEvents, readSessions, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';

const rawServer = ['node', fixture('raw-server.mjs')];
const line = (message: object) => JSON.stringify({ jsonrpc: '2.0', ...message });

async function recordSession(home: string, name: string, calls: number): Promise<void> {
	const session = startRaw(rawServer, home, { runOptions: ['--name', name] });
	session.send(line({ id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'vitest', version: '9.9' } } }));
	await session.response(0);
	session.send(line({ method: 'notifications/initialized' }));
	for (let id = 1; id <= calls; id++) session.send(line({ id, method: 'tools/call', params: { name: 'echo', arguments: { n: id } } }));
	await session.response(calls);
	session.end();
	expect((await session.exit()).code).toBe(0);
}

describe('sessions, replay and verify', () => {
	let home: string;
	beforeAll(async () => {
		home = makeHome();
		await recordSession(home, 'alpha', 3);
		await recordSession(home, 'beta', 2);
	});
	afterAll(() => removeHome(home));

	it('lists sessions newest first as JSON with the contract fields, and filters them', async () => {
		const result = await runMcprec(['sessions', '--json'], home);
		expect(result.exitCode).toBe(0);
		const sessions = JSON.parse(String(result.stdout));
		expect(sessions.map((session: { server: string }) => session.server)).toEqual(['beta', 'alpha']);
		const alpha = sessions[1];
		for (const key of ['id', 'server', 'command', 'startedAt', 'endedAt', 'endReason', 'exitCode', 'user', 'client', 'protocolVersion', 'counts', 'headHash', 'synced']) {
			expect(alpha).toHaveProperty(key);
		}
		expect(alpha.client).toEqual({ name: 'vitest', version: '9.9' });
		expect(alpha.protocolVersion).toBe('2025-06-18');
		expect(alpha.counts).toMatchObject({ requests: 4, messages: 9, errors: 0 });
		expect(alpha.endReason).toBe('client-closed');
		expect(alpha.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

		const filtered = JSON.parse(String((await runMcprec(['sessions', '--json', '--server', 'al*'], home)).stdout));
		expect(filtered.map((session: { server: string }) => session.server)).toEqual(['alpha']);
		const limited = JSON.parse(String((await runMcprec(['sessions', '--json', '--limit', '1'], home)).stdout));
		expect(limited).toHaveLength(1);
		const future = JSON.parse(String((await runMcprec(['sessions', '--json', '--since', '2999-01-01'], home)).stdout));
		expect(future).toEqual([]);
		const recent = JSON.parse(String((await runMcprec(['sessions', '--json', '--since', '1h'], home)).stdout));
		expect(recent).toHaveLength(2);
	});

	it('prints a readable table without colour codes when not on a terminal', async () => {
		const result = await runMcprec(['sessions'], home);
		expect(String(result.stdout)).toMatch(/^SESSION\s+STARTED\s+DURATION\s+SERVER/);
		expect(String(result.stdout)).toContain('alpha');
		expect(String(result.stdout)).not.toMatch(/\x1b\[/);
		const bad = await runMcprec(['sessions', '--since', 'yesterday-ish'], home);
		expect(bad.exitCode).toBe(2);
		expect(String(bad.stderr)).toMatch(/--since expects a duration/);
	});

	it('replays a session as NDJSON with the contract fields, by prefix and by `last`', async () => {
		const [alpha] = readSessions(home);
		const result = await runMcprec(['replay', String(alpha.id).slice(0, 30), '--json'], home);
		expect(result.exitCode).toBe(0);
		const events = String(result.stdout).trim().split('\n').map((text) => JSON.parse(text));
		expect(events.map((event) => event.seq)).toEqual(events.map((_: unknown, index: number) => index));
		const call = events.find((event) => event.method === 'tools/call' && event.origin === 'client');
		expect(call).toMatchObject({ kind: 'message', target: 'server', tool: 'echo', id: 1, decision: null, masked: null });
		expect(call.message.params.arguments).toEqual({ n: 1 });
		const answer = events.find((event) => event.origin === 'server' && event.id === 1 && event.method === 'tools/call');
		expect(answer.latencyMs).toBeGreaterThan(0);
		for (const key of ['ts', 'hash', 'prevHash']) expect(answer).toHaveProperty(key);
		expect(events[1].prevHash).toBe(events[0].hash);

		const last = await runMcprec(['replay', 'last', '--plain'], home);
		expect(String(last.stdout)).toMatch(/tools\/call echo #1 [\d.]+ ms ok\n\s+args +n: 1\n\s+result +\S/);
		expect(String(last.stdout)).toMatch(/· \d+ protocol messages? folded \(initialize/);
		const raw = await runMcprec(['replay', 'last', '--raw'], home);
		expect(String(raw.stdout)).toMatch(/client → server\s+tools\/call echo #1/);
		expect(String(raw.stdout)).toMatch(/server → client\s+tools\/call echo #1 [\d.]+ ms/);
	});

	it('explains an unknown or ambiguous session reference', async () => {
		const missing = await runMcprec(['replay', 'ffffffff'], home);
		expect(missing.exitCode).toBe(2);
		expect(String(missing.stderr)).toBe("mcprec: no session matches 'ffffffff' (see `mcprec sessions`)");
		const ambiguous = await runMcprec(['replay', '0', '--json'], home);
		expect(ambiguous.exitCode).toBe(2);
		expect(String(ambiguous.stderr)).toMatch(/matches several sessions/);
	});

	it('verify passes on an untouched store', async () => {
		const result = await runMcprec(['verify', '--all'], home);
		expect(result.exitCode).toBe(0);
		expect(String(result.stdout)).toMatch(/2 of 2 sessions intact/);
	});
});

describe('verify finds tampering', () => {
	type Tamper = { name: string; change: (database: Database.Database, sessionId: string) => void; seq: number };
	const tampers: Tamper[] = [
		{
			name: 'one altered payload byte',
			change: (database, id) => {
				const row = database.prepare('SELECT payload FROM events WHERE session_id = ? AND seq = 5').get(id) as { payload: Buffer };
				const payload = Buffer.from(row.payload);
				payload[payload.length - 3] ^= 1;
				database.prepare('UPDATE events SET payload = ? WHERE session_id = ? AND seq = 5').run(payload, id);
			},
			seq: 5,
		},
		{ name: 'an altered column', change: (database, id) => database.prepare("UPDATE events SET tool = 'rm' WHERE session_id = ? AND seq = 4").run(id), seq: 4 },
		{ name: 'a removed event', change: (database, id) => database.prepare('DELETE FROM events WHERE session_id = ? AND seq = 3').run(id), seq: 3 },
		{
			name: 'two events swapped',
			change: (database, id) => {
				database.prepare('UPDATE events SET seq = -1 WHERE session_id = ? AND seq = 6').run(id);
				database.prepare('UPDATE events SET seq = 6 WHERE session_id = ? AND seq = 7').run(id);
				database.prepare('UPDATE events SET seq = 7 WHERE session_id = ? AND seq = -1').run(id);
			},
			seq: 6,
		},
		{
			name: 'the last event removed',
			change: (database, id) => database.prepare('DELETE FROM events WHERE session_id = ? AND seq = (SELECT max(seq) FROM events WHERE session_id = ?)').run(id, id),
			seq: -1,
		},
	];

	for (const tamper of tampers) {
		it(`names the first bad seq after ${tamper.name}`, async () => {
			const home = makeHome();
			try {
				await recordSession(home, 'victim', 4);
				const [session] = readSessions(home);
				const total = readEvents(home).length;
				const database = new Database(path.join(home, 'mcprec.db'));
				tamper.change(database, String(session.id));
				database.close();
				const result = await runMcprec(['verify', 'last'], home);
				expect(result.exitCode).toBe(1);
				const seq = tamper.seq === -1 ? total - 1 : tamper.seq;
				expect(String(result.stdout)).toContain(`tampered at seq ${seq}`);
				const json = JSON.parse(String((await runMcprec(['verify', '--all', '--json'], home)).stdout));
				expect(json[0]).toMatchObject({ intact: false, firstBadSeq: seq });
			} finally {
				removeHome(home);
			}
		});
	}
});

describe('eight mcprec processes writing one store', () => {
	it('lose and reorder nothing', async () => {
		const home = makeHome();
		try {
			const calls = 600;
			await Promise.all(Array.from({ length: 8 }, (_, index) => recordSession(home, `writer-${index}`, calls)));
			const sessions = readSessions(home);
			expect(sessions).toHaveLength(8);
			for (const session of sessions) {
				const events = readEvents(home, String(session.id));
				expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
				const requests = events.filter((event) => event.origin === 'client' && event.method === 'tools/call');
				const responses = events.filter((event) => event.origin === 'server' && event.method === 'tools/call');
				expect(requests.map((event) => Number(event.rpc_id))).toEqual(Array.from({ length: calls }, (_, index) => index + 1));
				expect(responses).toHaveLength(calls);
				expect(session.event_count).toBe(events.length);
			}
			expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
		} finally {
			removeHome(home);
		}
	});
});

describe('verify on a store damaged outside SQLite', () => {
	let home: string;
	beforeAll(async () => {
		home = makeHome();
		await recordSession(home, 'gamma', 200);
	});
	afterAll(() => removeHome(home));

	it.each([
		['pages overwritten in the middle', (file: string) => {
			const bytes = fs.readFileSync(file);
			// Past the header and the schema: scribble over the pages that hold events.
			bytes.fill(0x5a, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 8192);
			fs.writeFileSync(file, bytes);
		}],
		['the file replaced by something else', (file: string) => fs.writeFileSync(file, Buffer.alloc(64 * 1024, 0x42))],
	])('names the damage and exits 1 when %s', async (_name, damage) => {
		const copy = makeHome('mcprec-damaged-');
		try {
			fs.copyFileSync(path.join(home, 'mcprec.db'), path.join(copy, 'mcprec.db'));
			damage(path.join(copy, 'mcprec.db'));
			const result = await runMcprec(['verify', '--all'], copy);
			expect(result.exitCode, result.stderr).toBe(1);
			expect(result.stdout).toMatch(/✗ the store .* is damaged \((database disk image is malformed|file is not a database)\)/);
			expect(result.stderr).not.toMatch(/\n\s+at /);
		} finally {
			removeHome(copy);
		}
	});
});
