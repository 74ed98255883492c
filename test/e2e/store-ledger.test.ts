// Local tamper evidence without a collector (issue 13, README "The store ledger"): sessions
// recorded by the built binary carry the device's checkpoint signature, the store ledger
// records their opening and closing, and `mcprec verify --all` reports every kind of
// after-the-fact change: edits, removed or reordered events, a cut-off tail with its head
// fixed up, a consistent rewrite, stripped signatures and seals, a deleted session, the
// ledger's own tail removed, and a session copied in from elsewhere.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, genesisHash } from '../../src/event/hash-chain.js';
import { fromRow } from '../../src/event/event-forms.js';
import { fixture, makeHome, removeHome, runMcprec, type StoredEventRow } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';

const rawServer = ['node', fixture('raw-server.mjs')];
const line = (message: object) => JSON.stringify({ jsonrpc: '2.0', ...message });

async function recordSession(home: string, name: string, calls: number): Promise<void> {
	const session = startRaw(rawServer, home, { runOptions: ['--name', name] });
	session.send(line({ id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'vitest', version: '9.9' } } }));
	await session.response(0, 30_000);
	session.send(line({ method: 'notifications/initialized' }));
	for (let id = 1; id <= calls; id++) session.send(line({ id, method: 'tools/call', params: { name: 'echo', arguments: { n: id } } }));
	await session.response(calls, 30_000);
	session.end();
	expect((await session.exit()).code).toBe(0);
}

type Row = Record<string, unknown>;

// Rewrites a session's events from `fromSeq` on with hashes that add up again, as someone
// without the device key but with the store file could: the chain verifies, the signatures cannot.
function rechain(database: Database.Database, sessionId: string): void {
	const rows = database.prepare('SELECT * FROM events WHERE session_id = ? ORDER BY seq').all(sessionId) as StoredEventRow[];
	let previous = genesisHash(sessionId);
	const update = database.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE session_id = ? AND seq = ?');
	for (const row of rows) {
		const event = fromRow(row);
		const hash = chainHash(previous, { sessionId, ...event }, event.payload);
		update.run(previous, hash, sessionId, row.seq);
		previous = hash;
	}
	database.prepare('UPDATE sessions SET event_count = ?, head_hash = ? WHERE id = ?').run(rows.length, rows.length > 0 ? previous : null, sessionId);
}

describe('the store ledger and signed checkpoints', () => {
	let template: string;
	let first: string;
	let second: string;

	beforeAll(async () => {
		template = makeHome('mcprec-ledger-');
		await recordSession(template, 'first', 6);
		await recordSession(template, 'second', 4);
		const database = new Database(path.join(template, 'mcprec.db'), { readonly: true });
		[first, second] = (database.prepare('SELECT id FROM sessions ORDER BY started_at').pluck().all() as string[]);
		database.close();
	}, 120_000);
	afterAll(() => removeHome(template));

	// A copy of the recorded home (store, ledger head file, device key) for one tampering.
	function copyHome(): string {
		const home = makeHome('mcprec-ledger-copy-');
		fs.cpSync(template, home, { recursive: true });
		return home;
	}

	it('signs every session and records its opening and closing; verify says so', async () => {
		const database = new Database(path.join(template, 'mcprec.db'), { readonly: true });
		try {
			const sessions = database.prepare('SELECT id, event_count, head_hash, checkpoint_event_count, checkpoint_head_hash, checkpoint_signature FROM sessions').all() as Row[];
			for (const session of sessions) {
				expect(session.checkpoint_signature).toEqual(expect.any(String));
				expect(session.checkpoint_event_count).toBe(session.event_count);
				expect(session.checkpoint_head_hash).toBe(session.head_hash);
			}
			const ledger = database.prepare('SELECT seq, kind, session_id, event_count, signature FROM ledger ORDER BY seq').all() as Row[];
			expect(ledger.map((entry) => [entry.kind, entry.session_id])).toEqual([
				['open', first],
				['close', first],
				['open', second],
				['close', second],
			]);
			expect(ledger.every((entry) => typeof entry.signature === 'string')).toBe(true);
		} finally {
			database.close();
		}
		const head = JSON.parse(fs.readFileSync(path.join(template, 'ledger-head.json'), 'utf8')) as Row;
		expect(head.seq).toBe(3);
		const result = await runMcprec(['verify', '--all'], template);
		expect(result.exitCode, String(result.stdout) + String(result.stderr)).toBe(0);
		expect(String(result.stdout)).toMatch(/intact \(\d+ events, signed by this device\)/);
	});

	type Tampering = { name: string; change: (database: Database.Database, home: string) => void; expected: RegExp };
	const tamperings: Tampering[] = [
		{
			name: 'the tail cut off with the head fixed up',
			change: (database) => {
				database.prepare('DELETE FROM events WHERE session_id = ? AND seq >= 8').run(first);
				rechain(database, first);
			},
			expected: /truncated: the device signed \d+ events, the store holds 8/,
		},
		{
			name: 'a payload rewritten and the chain recomputed',
			change: (database) => {
				const row = database.prepare("SELECT seq, payload FROM events WHERE session_id = ? AND origin = 'client' AND method = 'tools/call' ORDER BY seq LIMIT 1").get(first) as { seq: number; payload: Buffer };
				const rewritten = Buffer.from(String(row.payload).replace('"echo"', '"wipe"'));
				expect(rewritten.equals(row.payload)).toBe(false);
				database.prepare('UPDATE events SET payload = ?, size = ? WHERE session_id = ? AND seq = ?').run(rewritten, rewritten.length, first, row.seq);
				rechain(database, first);
			},
			expected: /rewritten after the device signed them/,
		},
		{
			name: 'events appended after the last checkpoint',
			change: (database) => {
				const last = database.prepare('SELECT * FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(first) as Row;
				database.prepare('INSERT INTO events SELECT session_id, seq + 1, ts, origin, target, kind, method, rpc_id, tool, payload, encoding, size, latency_us, prev_hash, hash FROM events WHERE session_id = ? AND seq = ?').run(first, last.seq);
				rechain(database, first);
			},
			expected: /1 events were added after the device's last signed checkpoint/,
		},
		{
			name: 'the checkpoint stripped and the events rewritten',
			change: (database) => {
				database.prepare('UPDATE sessions SET checkpoint_device_id = NULL, checkpoint_event_count = NULL, checkpoint_head_hash = NULL, checkpoint_signature = NULL WHERE id = ?').run(first);
				database.prepare('DELETE FROM events WHERE session_id = ? AND seq >= 5').run(first);
				rechain(database, first);
			},
			expected: /checkpoint signature was removed/,
		},
		{
			name: 'the checkpoint re-pointed at a shorter head',
			change: (database) => database.prepare('UPDATE sessions SET checkpoint_event_count = 3 WHERE id = ?').run(first),
			expected: /checkpoint's signature does not verify/,
		},
		{
			name: 'a seal stripped from a synced session',
			change: (database) => database.prepare("UPDATE sessions SET sync_state = 'synced', seal_sent = 1 WHERE id = ?").run(first),
			expected: /seal was removed/,
		},
		{
			name: 'a whole session deleted',
			change: (database) => {
				database.prepare('DELETE FROM events WHERE session_id = ?').run(first);
				database.prepare('DELETE FROM sessions WHERE id = ?').run(first);
			},
			expected: /session \S+ is missing from the store .*it was deleted/,
		},
		{
			name: 'the newest session deleted with its ledger entries',
			change: (database) => {
				database.prepare('DELETE FROM events WHERE session_id = ?').run(second);
				database.prepare('DELETE FROM sessions WHERE id = ?').run(second);
				database.prepare('DELETE FROM ledger WHERE session_id = ?').run(second);
			},
			expected: /the store ledger ends at entry 1, but entry 3 was written: its newest entries were removed/,
		},
		{
			name: 'an older session deleted with its ledger entries',
			change: (database) => {
				database.prepare('DELETE FROM events WHERE session_id = ?').run(first);
				database.prepare('DELETE FROM sessions WHERE id = ?').run(first);
				database.prepare('DELETE FROM ledger WHERE session_id = ?').run(first);
			},
			expected: /the store ledger was altered at entry 0/,
		},
		{
			name: 'a closing ledger entry removed',
			change: (database) => database.prepare("DELETE FROM ledger WHERE session_id = ? AND kind = 'close'").run(second),
			expected: /ledger ends at entry 2, but entry 3 was written/,
		},
		{
			name: 'the ledger head file removed',
			change: (_database, home) => fs.rmSync(path.join(home, 'ledger-head.json')),
			expected: /ledger head file beside the store is missing/,
		},
		{
			name: 'a session copied in from elsewhere',
			change: (database) => {
				const copy = '01999999-0000-7000-8000-000000000000';
				database.prepare("INSERT INTO sessions (id, server, started_at, ended_at, end_reason) SELECT ?, server, started_at + 1000000, ended_at, end_reason FROM sessions WHERE id = ?").run(copy, second);
				database.prepare('INSERT INTO events SELECT ?, seq, ts + 1000000, origin, target, kind, method, rpc_id, tool, payload, encoding, size, latency_us, prev_hash, hash FROM events WHERE session_id = ?').run(copy, second);
				rechain(database, copy);
			},
			expected: /not in the store ledger/,
		},
	];

	for (const tampering of tamperings) {
		it(`reports ${tampering.name}`, async () => {
			const home = copyHome();
			try {
				const database = new Database(path.join(home, 'mcprec.db'));
				tampering.change(database, home);
				database.close();
				const result = await runMcprec(['verify', '--all'], home);
				expect(result.exitCode, String(result.stdout) + String(result.stderr)).toBe(1);
				expect(String(result.stdout)).toMatch(tampering.expected);
				const json = JSON.parse(String((await runMcprec(['verify', '--all', '--json'], home)).stdout)) as Row[];
				expect(json.some((entry) => entry.intact === false)).toBe(true);
			} finally {
				removeHome(home);
			}
		});
	}

	it('prune deletes closed sessions with a signed tombstone: verify --all reports them as pruned, not missing', async () => {
		const home = copyHome();
		try {
			const dry = await runMcprec(['prune', '--older-than', '1ms', '--include-unsynced', '--dry-run'], home);
			expect(dry.exitCode, String(dry.stderr)).toBe(0);
			expect(String(dry.stdout)).toMatch(/Would prune 2 session\(s\)/);
			// By default only sessions the collector holds go: none here.
			const synced = await runMcprec(['prune', '--older-than', '1ms'], home);
			expect(String(synced.stdout)).toMatch(/Nothing to prune/);
			const pruned = await runMcprec(['prune', '--older-than', '1ms', '--include-unsynced'], home);
			expect(pruned.exitCode, String(pruned.stderr)).toBe(0);
			expect(String(pruned.stdout)).toMatch(/Pruned 2 session\(s\)/);
			const verify = await runMcprec(['verify', '--all'], home);
			expect(verify.exitCode, String(verify.stdout) + String(verify.stderr)).toBe(0);
			expect(String(verify.stdout)).toContain(`${first} pruned by policy on`);
			expect(String(verify.stdout)).toContain(`${second} pruned by policy on`);
			const json = JSON.parse(String((await runMcprec(['verify', '--all', '--json'], home)).stdout)) as Row[];
			expect(json).toContainEqual(expect.objectContaining({ sessionId: first, pruned: true, intact: true }));
			// A tombstone is signed like every ledger entry: removing one is tampering.
			const database = new Database(path.join(home, 'mcprec.db'));
			database.prepare("DELETE FROM ledger WHERE kind = 'prune' AND session_id = ?").run(first);
			database.close();
			expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(1);
		} finally {
			removeHome(home);
		}
	});
});
