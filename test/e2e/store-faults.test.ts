// Record or refuse: when the store cannot be written, new requests get a clear JSON-RPC
// error instead of being forwarded unrecorded, and nothing already seen is lost.

import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, makeHome, readEvents, removeHome, runMcprec, waitForEvents } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const rawServer = ['node', fixture('raw-server.mjs')];
const initialize = (id: number) =>
	JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'store-faults', version: '1' } } });
const echo = (id: number, text = 'hello') => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });

function parse(line: Buffer): { id: unknown; result?: unknown; error?: { code: number; message: string } } {
	return JSON.parse(line.toString('utf8'));
}

let session: RawSession | undefined;
const cleanups: (() => void)[] = [];

afterEach(() => {
	session?.kill();
	session = undefined;
	for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function expectRefusedThenRecovered(run: RawSession, recover: () => void, reason: RegExp): Promise<void> {
	// Keep asking until the store's failure is noticed: the answer must then be mcprec's refusal.
	let id = 100;
	let refused: ReturnType<typeof parse> | undefined;
	const deadline = Date.now() + 15_000;
	while (!refused && Date.now() < deadline) {
		run.send(echo(++id, 'x'.repeat(2000)));
		const answer = parse(await run.response(id));
		if (answer.error) refused = answer;
		else await new Promise((resolve) => setTimeout(resolve, 100));
	}
	expect(refused?.error?.code).toBe(-32010);
	expect(refused?.error?.message).toMatch(/cannot be recorded/);
	expect(refused?.error?.message).toMatch(reason);
	await run.waitForStderr(/recording failed/);
	recover();
	await run.waitForStderr(/recording works again/, 15_000);
	run.send(echo(9999, 'after recovery'));
	expect(parse(await run.response(9999)).result).toBeDefined();
	run.end();
	await run.exit();
}

describe('a store that cannot be written', () => {
	it('locked past the timeout: requests are refused, then forwarded again, and nothing is lost', async () => {
		const home = makeHome();
		cleanups.push(() => removeHome(home));
		// Create the store, then hold its write lock from another connection.
		expect((await runMcprec(['sessions'], home)).exitCode).toBe(0);
		const first = startRaw(rawServer, home);
		first.send(initialize(1));
		await first.response(1);
		first.end();
		await first.exit();
		const holder = new Database(path.join(home, 'mcprec.db'));
		cleanups.push(() => holder.close());
		holder.exec('BEGIN IMMEDIATE');

		session = startRaw(rawServer, home, { runOptions: ['--lock-timeout', '800'] });
		session.send(initialize(1));
		await session.response(1);
		await expectRefusedThenRecovered(session, () => holder.exec('COMMIT'), /locked by another process/);

		const events = readEvents(home);
		const refusedRequests = events.filter((event) => event.origin === 'client' && event.target === null && event.method === 'tools/call');
		expect(refusedRequests.length).toBeGreaterThan(0);
		expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
		expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
	});

	// With a journal the store opens after the client's first chunk (proxy.ts start): the
	// first request does not wait for it, and is recorded all the same once the store is free.
	it('locked when the session starts: the first request is forwarded from the journal, and recorded once the lock goes', async () => {
		const home = makeHome();
		cleanups.push(() => removeHome(home));
		expect((await runMcprec(['sessions'], home)).exitCode).toBe(0);
		const holder = new Database(path.join(home, 'mcprec.db'));
		cleanups.push(() => holder.close());
		holder.exec('BEGIN IMMEDIATE');

		session = startRaw(rawServer, home, { runOptions: ['--lock-timeout', '800'] });
		session.send(initialize(1));
		const answer = parse(await session.response(1));
		expect(answer.error).toBeUndefined();
		expect(answer.result).toMatchObject({ serverInfo: { name: 'raw-server' } });
		holder.exec('COMMIT');
		session.end();
		await session.exit();

		// Whatever the session could not commit itself, the next command recovers from its journal.
		expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
		const forwarded = readEvents(home).filter((event) => event.method === 'initialize' && event.origin === 'client');
		expect(forwarded.map((event) => event.target)).toEqual(['server']);
	});

	const rootOnly = process.getuid?.() === 0 ? it : it.skip;

	rootOnly('disk full: refused with a message about space, recovered once space is freed', async () => {
		const mount = makeHome('mcprec-full-');
		cleanups.push(() => removeHome(mount));
		execSync(`mount -t tmpfs -o size=4m tmpfs ${mount}`);
		cleanups.push(() => execSync(`umount -l ${mount}`));
		const home = path.join(mount, 'home');
		session = startRaw(rawServer, home);
		session.send(initialize(1));
		await session.response(1);
		const filler = path.join(mount, 'filler');
		// Fill the file system so the next batch cannot be written.
		try {
			execSync(`dd if=/dev/zero of=${filler} bs=64k 2>/dev/null`);
		} catch {
			// dd stops with "No space left on device": that is the point.
		}
		await expectRefusedThenRecovered(session, () => fs.rmSync(filler), /disk .* is full/);
		const events = readEvents(home);
		expect(events.some((event) => event.method === 'tools/call' && event.target === null)).toBe(true);
		expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
	});

	rootOnly('read-only database file: refused with a message about permissions', async () => {
		const home = makeHome();
		cleanups.push(() => removeHome(home));
		expect((await runMcprec(['sessions'], home)).exitCode).toBe(0);
		const first = startRaw(rawServer, home);
		first.send(initialize(1));
		await first.response(1);
		first.end();
		await first.exit();
		// As root, file modes don't stop writes; run mcprec as `nobody` against a root-owned store.
		fs.chmodSync(home, 0o755);
		for (const name of fs.readdirSync(home)) fs.chmodSync(path.join(home, name), 0o644);
		session = startRaw(rawServer, home, { uid: 65534, gid: 65534 });
		session.send(initialize(1));
		const answer = parse(await session.response(1));
		expect(answer.error?.code).toBe(-32010);
		expect(answer.error?.message).toMatch(/cannot be written|read-?only|permission/i);
		await session.waitForStderr(/recording failed/);
		session.end();
		const exit = await session.exit();
		expect(exit.code).toBe(0);
		const saved = /could not be recorded.*saved to (\S+unrecorded\S*\.ndjson)/.exec(session.stderr);
		expect(saved).not.toBeNull();
		fs.rmSync(saved![1], { force: true });
		expect(session.stderr).not.toMatch(/\n\s+at /);
	});

	it('a flood bigger than the recording backlog is slowed to the store, not lost (MCPREC_RECORD_BACKLOG_MB)', async () => {
		const home = makeHome();
		cleanups.push(() => removeHome(home));
		session = startRaw(rawServer, home, { env: { MCPREC_RECORD_BACKLOG_MB: '0.25' } });
		session.send(initialize(1));
		await session.response(1);
		// 2000 calls of 2 KiB in one write: ~8 MiB both ways, 32 times the backlog allowed.
		const count = 2000;
		const text = 'y'.repeat(2048);
		session.write(Array.from({ length: count }, (_, index) => `${echo(index + 2, text)}\n`).join(''));
		await session.response(count + 1, 60_000);
		expect(session.lines.filter((line) => parse(line).result !== undefined)).toHaveLength(count + 1);
		session.end();
		expect((await session.exit()).code).toBe(0);
		const calls = readEvents(home).filter((event) => event.method === 'tools/call' && event.kind === 'message');
		expect(calls).toHaveLength(2 * count);
		expect((await runMcprec(['verify', '--all'], home)).exitCode).toBe(0);
	});

	it('a backlog limit that is not a number is a clear usage error', async () => {
		const home = makeHome();
		cleanups.push(() => removeHome(home));
		session = startRaw(rawServer, home, { env: { MCPREC_RECORD_BACKLOG_MB: 'lots' } });
		const exit = await session.exit();
		expect(exit.code).toBe(2);
		expect(session.stderr).toMatch(/MCPREC_RECORD_BACKLOG_MB must be a positive number/);
	});
});

describe('a store changed under mcprec by something other than SQLite', () => {
	const changes: [string, (file: string) => void, RegExp][] = [
		['its write-ahead log truncated', (file) => fs.truncateSync(`${file}-wal`, 0), /write-ahead log .* was truncated/],
		[
			'the database file replaced',
			(file) => {
				fs.copyFileSync(file, `${file}.copy`);
				fs.renameSync(`${file}.copy`, file);
			},
			/was replaced by another file/,
		],
	];

	it.each(changes)('%s: noticed within a commit, new requests refused, nothing the client saw is lost', async (_name, change, reason) => {
		const home = makeHome();
		cleanups.push(() => removeHome(home));
		const file = path.join(home, 'mcprec.db');
		session = startRaw(rawServer, home);
		session.send(initialize(1));
		await session.response(1);
		const answered: number[] = [];
		for (let id = 2; id <= 21; id++) {
			session.send(echo(id));
			await session.response(id);
			answered.push(id);
		}
		await waitForEvents(home, (events) => events.some((event) => event.origin === 'server' && event.rpc_id === '21'));
		change(file);
		let id = 100;
		let refused: ReturnType<typeof parse> | undefined;
		const deadline = Date.now() + 15_000;
		while (!refused && Date.now() < deadline) {
			session.send(echo(++id));
			const answer = parse(await session.response(id));
			if (answer.error) refused = answer;
			else {
				answered.push(id);
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		}
		expect(refused?.error?.code).toBe(-32010);
		expect(refused?.error?.message).toMatch(reason);
		session.end();
		await session.exit();
		expect(session.stderr).toMatch(/write-ahead journal/);
		// Failed for good: the store is not reported as working again.
		expect(session.stderr).not.toMatch(/recording works again/);
		// The next command imports the journal; verify says what the store lost, never a stack trace or exit 3.
		const verify = await runMcprec(['verify', '--all'], home);
		expect([0, 1], String(verify.stdout) + String(verify.stderr)).toContain(verify.exitCode);
		expect(String(verify.stderr)).not.toMatch(/\n\s+at /);
		const stored = new Set(readEvents(home).filter((event) => event.origin === 'server').map((event) => Number(event.rpc_id)));
		expect(answered.filter((answeredId) => !stored.has(answeredId))).toEqual([]);
	});
});
