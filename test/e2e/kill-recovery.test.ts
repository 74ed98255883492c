// An agent that can run shell commands can kill the recorder to hide what it just did.
// Write-ahead (DESIGN §3): whatever reached the client or the server is in the journal
// before it was forwarded, so after `kill -9` of mcprec at any instant the next mcprec that
// opens the store recovers it, closes the session as crashed, and the chain verifies.
// Seeded, so a failing instant can be replayed.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, openDatabase, readEvents, readSessions, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';
import { seededRandom as random } from '../helpers/seeded-random.js';

const RUNS = 50;
const homes: string[] = [];
afterAll(() => {
	for (const home of homes) removeHome(home);
});

const initialize = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'kill-test', version: '1' } } });
const echo = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id, pad: 'x'.repeat(id % 7 === 0 ? 3000 : 40) } } });

interface Outcome {
	/** Ids of the responses the client got before mcprec died. */
	answered: number[];
	/** Ids of the requests the server got. */
	received: number[];
	/** How many calls the client sent. */
	calls: number;
}

// One session: a pipelined flood of echo calls, and kill -9 of mcprec somewhere inside it
// (now and then before the first answer, mostly after it).
async function floodThenKill(home: string, seed: number): Promise<Outcome> {
	const next = random(seed);
	const log = path.join(home, `server-received-${seed}.ndjson`);
	let calls = 0;
	const session = startRaw(['node', fixture('raw-server.mjs')], home, { env: { RAW_SERVER_LOG: log } });
	try {
		session.send(initialize);
		await session.response(0);
		calls = 500 + Math.floor(next() * 1500);
		const early = next() < 0.2;
		const delayMs = Math.floor(next() * 60);
		for (let id = 1; id <= calls; id++) session.send(echo(id));
		if (!early) await session.response(1, 10_000);
		await new Promise((resolve) => setTimeout(resolve, delayMs));
		session.child.kill('SIGKILL');
		await new Promise<void>((resolve) => (session.child.exitCode !== null || session.child.signalCode !== null ? resolve() : session.child.once('exit', () => resolve())));
	} finally {
		session.kill();
	}
	// What the client saw: every complete line on mcprec's stdout.
	const answered = session.lines.map((line) => JSON.parse(line.toString('utf8')) as { id?: number }).map((message) => message.id).filter((id): id is number => typeof id === 'number' && id > 0);
	// The server, orphaned, sees its stdin close, answers what it holds and exits; it may still
	// be appending to its log, so wait until the log stops growing, and count only whole lines.
	const received = completeLines(await settled(log)).map((line) => (JSON.parse(line) as { id?: number }).id).filter((id): id is number => typeof id === 'number' && id > 0);
	return { answered, received, calls };
}

/** The file's text once its size has not changed for 150 ms (at most 5 s); empty when it never appeared. */
async function settled(file: string): Promise<string> {
	let size = -1;
	for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
		await new Promise((resolve) => setTimeout(resolve, 150));
		const now = fs.existsSync(file) ? fs.statSync(file).size : 0;
		if (now === size) break;
		size = now;
	}
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Newline-terminated lines only: a line still being written has no newline yet. */
function completeLines(text: string): string[] {
	return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

describe('kill -9 of mcprec at a random instant', () => {
	it(`loses nothing that reached the client or the server, ${RUNS} seeded runs`, async () => {
		// One store for every run: each new mcprec recovers the session the previous one left.
		const home = makeHome('mcprec-kill-');
		homes.push(home);
		const outcomes: Outcome[] = [];
		for (let seed = 1; seed <= RUNS; seed++) outcomes.push(await floodThenKill(home, seed));

		const first = await runMcprec(['sessions', '--json', '--limit', String(RUNS)], home);
		expect(first.exitCode, first.stderr).toBe(0);
		// The last session is recovered by this command; the others by the run after them.
		expect(first.stderr).toMatch(/recovered session .* closed as crashed/);
		const second = await runMcprec(['sessions', '--json', '--limit', String(RUNS)], home);
		expect(second.stderr, 'recovery happens once').not.toMatch(/recovered session/);
		expect(second.stdout).toBe(first.stdout);
		const listed = (JSON.parse(first.stdout) as { id: string; endReason: string | null; endedAt: string | null }[]).reverse();
		expect(listed).toHaveLength(RUNS);

		let midFlood = 0;
		for (const [index, outcome] of outcomes.entries()) {
			const seed = index + 1;
			const session = listed[index]!;
			expect(session, `seed ${seed}`).toMatchObject({ endReason: 'crashed' });
			expect(session.endedAt, `seed ${seed}`).not.toBeNull();
			const events = readEvents(home, session.id);
			const delivered = new Set(events.filter((event) => event.origin === 'server' && event.target === 'client' && event.kind === 'message').map((event) => Number(event.rpc_id)));
			const forwarded = new Set(events.filter((event) => event.origin === 'client' && event.target === 'server' && event.kind === 'message').map((event) => Number(event.rpc_id)));
			expect(outcome.answered.filter((id) => !delivered.has(id)), `seed ${seed}: answers the client got but the record lacks`).toEqual([]);
			expect(outcome.received.filter((id) => !forwarded.has(id)), `seed ${seed}: requests the server got but the record lacks`).toEqual([]);
			expect(events.map((event) => event.seq), `seed ${seed}`).toEqual(events.map((_event, position) => position));
			if (outcome.answered.length > 0 && outcome.answered.length < outcome.calls) midFlood++;
		}
		expect(readSessions(home).every((row) => row.event_count === readEvents(home, row.id as string).length)).toBe(true);
		// Every recovered session is signed and in the store ledger once: opened, closed with what the store holds.
		const database = openDatabase(home);
		try {
			const ledger = database.prepare('SELECT kind, session_id AS sessionId, event_count AS eventCount FROM ledger ORDER BY seq').all() as { kind: string; sessionId: string; eventCount: number | null }[];
			for (const row of readSessions(home)) {
				const entries = ledger.filter((entry) => entry.sessionId === row.id);
				expect(entries.map((entry) => entry.kind).sort(), String(row.id)).toEqual(['close', 'open']);
				expect(entries.find((entry) => entry.kind === 'close')!.eventCount).toBe(row.event_count);
				expect(row.checkpoint_event_count).toBe(row.event_count);
			}
		} finally {
			database.close();
		}
		const verify = await runMcprec(['verify', '--all'], home);
		expect(verify.exitCode, `${verify.stdout}${verify.stderr}`).toBe(0);
		expect(verify.stdout).not.toMatch(/not signed/);
		// No journal is left behind once recovered.
		expect(fs.readdirSync(path.join(home, 'journal'))).toEqual([]);
		// The runs did kill mid-flood (some answers out, not all), not always before the first
		// answer or after the last: counted per run, since how many answers fit in the delay
		// depends on the machine and the Node version.
		expect(midFlood).toBeGreaterThanOrEqual(RUNS / 2);
	}, 300_000);
});

describe('a long session', () => {
	it('starts its journal over once the store holds it; kill -9 afterwards still loses nothing and the counters add up', async () => {
		const home = makeHome('mcprec-kill-restart-');
		homes.push(home);
		// ~30 KiB instead of 64 MiB: the journal starts over many times in a few thousand calls.
		const session = startRaw(['node', fixture('raw-server.mjs')], home, { env: { MCPREC_JOURNAL_RESTART_MB: '0.03' } });
		const restarts: number[] = [];
		try {
			session.send(initialize);
			await session.response(0);
			const journalFile = path.join(home, 'journal', `${readSessions(home)[0]!.id}.journal`);
			let id = 0;
			for (let wave = 0; wave < 5; wave++) {
				for (let index = 0; index < 300; index++) session.send(echo(++id));
				await session.response(id, 20_000);
				// ~90 KiB went through; once the writer has committed it, the journal starts over.
				const deadline = Date.now() + 20_000;
				while (fs.statSync(journalFile).size > 4096 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
				restarts.push(fs.statSync(journalFile).size);
			}
			for (let index = 0; index < 300; index++) session.send(echo(++id));
			await session.response(id - 150, 20_000);
			session.child.kill('SIGKILL');
			await new Promise<void>((resolve) => (session.child.exitCode !== null || session.child.signalCode !== null ? resolve() : session.child.once('exit', () => resolve())));
		} finally {
			session.kill();
		}
		// After each wave the journal was back to its header and one restart entry.
		expect(restarts.every((size) => size <= 4096), String(restarts)).toBe(true);
		const answered = session.lines.map((line) => (JSON.parse(line.toString('utf8')) as { id?: number }).id).filter((id): id is number => typeof id === 'number' && id > 0);
		const recovered = await runMcprec(['verify', '--all'], home);
		expect(recovered.exitCode, `${recovered.stdout}${recovered.stderr}`).toBe(0);
		expect(recovered.stderr).toMatch(/recovered session .* closed as crashed/);
		const events = readEvents(home);
		const delivered = new Set(events.filter((event) => event.origin === 'server' && event.target === 'client' && event.kind === 'message').map((event) => Number(event.rpc_id)));
		expect(answered.filter((answeredId) => !delivered.has(answeredId))).toEqual([]);
		const [row] = readSessions(home);
		const messages = events.filter((event) => event.kind === 'message');
		expect(row).toMatchObject({ messages: messages.length, requests: messages.filter((event) => event.origin === 'client' && event.rpc_id !== null).length });
		expect(row!.bytes).toBe(messages.reduce((sum, event) => sum + event.size, 0));
	}, 120_000);
});
