// `mcprec sync` end to end (DESIGN §7, issue 5): sessions recorded by the built binary,
// a login through a real OIDC provider that mints JWT access tokens for the collector's
// audience (RFC 8707 resource), a real collector on 127.0.0.1 (SQLite), then uploads that
// are interrupted every way we can (kill -9 mid-run, collector restarted, connection
// refused) and must still end with exactly the local events on the collector, sealed.

import { testCollectorSettings } from '../helpers/collector-fixtures.js';
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerSettings } from '../../src/server/resolve-server-settings.js';
import { startCollector, type RunningCollector } from '../../src/server/start-collector.js';
import { CLIENT_ID, TestProvider } from '../helpers/oidc-provider.js';
import { fixture, makeHome, mcprecBin, payloadOf, readEvents, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const AUDIENCE = 'urn:mcprec:collector';
const rawServer = ['node', fixture('raw-server.mjs')];
const baseEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };
const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const initialize = () => request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sync-test', version: '1' } });
const echo = (id: number, args: object = {}) => request(id, 'tools/call', { name: 'echo', arguments: args });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let provider: TestProvider;
let folder: string;
let collector: RunningCollector;
let port: number;
/** A home signed in as alice, never synced: fresh homes copy its login and config. */
let signedIn: string;
let accessToken: string;
const homes: string[] = [];

function collectorSettings(): ServerSettings {
	return testCollectorSettings({ folder, port, issuer: provider.issuer, audience: AUDIENCE });
}

async function restartCollector(): Promise<void> {
	collector = await startCollector({ settings: collectorSettings() });
}

/** A new MCPREC_HOME with alice's login and the identity config (and `extra` config lines). */
function freshHome(extra = ''): string {
	const home = makeHome('mcprec-sync-');
	homes.push(home);
	fs.copyFileSync(path.join(signedIn, 'credentials.json'), path.join(home, 'credentials.json'));
	fs.chmodSync(path.join(home, 'credentials.json'), 0o600);
	fs.writeFileSync(path.join(home, 'config.yaml'), `${fs.readFileSync(path.join(signedIn, 'config.yaml'), 'utf8')}${extra}`);
	return home;
}

/** Records one closed session: initialize, then `calls` echo calls of `bytes` each (pipelined). */
async function recordSession(home: string, calls = 3, bytes = 64): Promise<string> {
	const session = startRaw(rawServer, home, { env: baseEnv });
	try {
		session.send(initialize());
		await session.response(1);
		for (let index = 0; index < calls; index++) session.send(echo(10 + index, { index, text: 'x'.repeat(bytes) }));
		if (calls > 0) await session.response(10 + calls - 1, 30_000);
		session.end();
		expect((await session.exit(30_000)).code).toBe(0);
	} finally {
		session.kill();
	}
	return lastSessionId(home);
}

function lastSessionId(home: string): string {
	const database = new Database(path.join(home, 'mcprec.db'), { readonly: true });
	try {
		return database.prepare('SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1').pluck().get() as string;
	} finally {
		database.close();
	}
}

function syncState(home: string, id: string): { synced_seq: number; sync_state: string; seal_signature: string | null } {
	const database = new Database(path.join(home, 'mcprec.db'), { readonly: true, timeout: 5000 });
	try {
		return database.prepare('SELECT synced_seq, sync_state, seal_signature FROM sessions WHERE id = ?').get(id) as never;
	} finally {
		database.close();
	}
}

const sync = (home: string, args: string[] = []) => runMcprec(['sync', '--endpoint', collector.url, ...args], home, { env: baseEnv, timeout: 60_000 });

function spawnSync(home: string, args: string[]) {
	const child = spawn(process.execPath, [mcprecBin, 'sync', '--endpoint', `http://127.0.0.1:${port}`, ...args], {
		env: { ...process.env, ...baseEnv, MCPREC_HOME: home, NO_COLOR: '1' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
		child.on('close', (code, signal) => resolve({ code, signal, output })),
	);
	return { child, exited, output: () => output };
}

async function waitFor(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!probe()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(5);
	}
}

async function api(url: string): Promise<{ status: number; body: Record<string, any> }> {
	const response = await fetch(`${collector.url}${url}`, { headers: { authorization: `Bearer ${accessToken}` } });
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Every event the collector holds for a session, in the upload shape. */
async function collectorEvents(id: string): Promise<{ seq: number; hash: string; prevHash: string; payload: string }[]> {
	const events: { seq: number; hash: string; prevHash: string; payload: string }[] = [];
	for (let afterSeq = -1; ; ) {
		const page = await api(`/api/v1/sessions/${id}/events?format=wire&limit=5000&afterSeq=${afterSeq}`);
		expect(page.status).toBe(200);
		events.push(...page.body.events);
		if (page.body.nextAfterSeq === null) return events;
		afterSeq = page.body.nextAfterSeq;
	}
}

/** The collector holds exactly the local chain: same seqs, hashes and payload bytes, no duplicates. */
async function expectSameEvents(home: string, id: string): Promise<number> {
	const local = readEvents(home, id);
	const remote = await collectorEvents(id);
	expect(remote.map((event) => event.seq)).toEqual(local.map((event) => event.seq));
	expect(remote.map((event) => event.hash)).toEqual(local.map((event) => event.hash));
	expect(remote.map((event) => event.prevHash)).toEqual(local.map((event) => event.prev_hash));
	expect(remote.map((event) => event.payload)).toEqual(local.map((event) => payloadOf(event).toString('base64')));
	return local.length;
}

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-sync-collector-'));
	provider = await TestProvider.start({ resourceServers: [AUDIENCE] });
	port = 0;
	await restartCollector();
	port = Number(new URL(collector.url).port);

	signedIn = makeHome('mcprec-sync-login-');
	fs.writeFileSync(path.join(signedIn, 'config.yaml'), `identity:\n  issuer: ${provider.issuer}\n  clientId: ${CLIENT_ID}\n  scope: groups\nsync:\n  audience: ${AUDIENCE}\n`);
	const login = spawn(process.execPath, [mcprecBin, 'login', '--no-browser'], { env: { ...process.env, ...baseEnv, MCPREC_HOME: signedIn, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	login.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
	await waitFor(() => /enter the code:\s+\S+/.test(stderr), 'the user code', 20_000);
	await provider.approve(/enter the code:\s+(\S+)/.exec(stderr)![1]!, { account: 'alice' });
	const code = await new Promise<number | null>((resolve) => login.on('close', resolve));
	expect(code, stderr).toBe(0);
	const record = JSON.parse(JSON.parse(fs.readFileSync(path.join(signedIn, 'credentials.json'), 'utf8')).entries.login);
	accessToken = record.accessToken;
	expect(record.resource).toBe(AUDIENCE);
}, 60_000);

afterAll(async () => {
	await collector?.close();
	await provider?.close();
	for (const home of [...homes, signedIn]) if (home) removeHome(home);
	if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

describe('mcprec sync', () => {
	it('login asks for the collector audience (RFC 8707): the access token is a JWT the collector accepts', async () => {
		const claims = decodeJwt(accessToken);
		expect(claims).toMatchObject({ iss: provider.issuer, aud: AUDIENCE, sub: 'alice' });
		expect((await api('/api/v1/sessions')).status).toBe(200);
	});

	it('uploads every session exactly, seals the closed ones (integrity verified), then has nothing left to do', async () => {
		const home = freshHome('# keep this comment\n');
		const ids = [await recordSession(home, 2), await recordSession(home, 40, 3000), await recordSession(home, 0)];
		const first = await sync(home, ['--json', '--batch', '7']);
		expect(first.exitCode, first.stderr).toBe(0);
		const summary = JSON.parse(first.stdout);
		expect(summary.totals).toMatchObject({ sessions: 3, synced: 3, failed: 0 });
		for (const id of ids) {
			const events = await expectSameEvents(home, id);
			const session = (await api(`/api/v1/sessions/${id}`)).body;
			expect(session).toMatchObject({ integrity: 'verified', owner: { sub: 'alice' }, seal: { eventCount: events, signatureValid: true } });
			expect(syncState(home, id)).toMatchObject({ sync_state: 'synced', synced_seq: events - 1 });
		}
		// The endpoint is remembered without touching the rest of config.yaml.
		const config = fs.readFileSync(path.join(home, 'config.yaml'), 'utf8');
		expect(config).toContain(`endpoint: ${collector.url}`);
		expect(config).toContain('# keep this comment');
		expect(config).toContain(`audience: ${AUDIENCE}`);

		const again = await runMcprec(['sync', '--json'], home, { env: baseEnv });
		expect(again.exitCode, again.stderr).toBe(0);
		expect(JSON.parse(again.stdout).totals).toMatchObject({ sessions: 0, eventsSent: 0 });
		const plain = await runMcprec(['sync'], home, { env: baseEnv });
		expect(plain.stdout).toMatch(/Nothing to sync/);

		const verify = await runMcprec(['verify', '--all'], home, { env: baseEnv });
		expect(verify.exitCode).toBe(0);
		expect(verify.stdout.match(/signed by this device, seal signature ok/g)).toHaveLength(3);
		expect(verify.stdout).toMatch(/✓ device '\S+' is the key registered at the collector/);
	}, 120_000);

	it('verify --all asks the collector whether the device key is the one it registered: a replaced key is reported', async () => {
		const home = freshHome();
		await recordSession(home, 2);
		expect((await sync(home)).exitCode).toBe(0);
		// Someone with the files replaces the device key under the same id, and the store's copy
		// of it, so that everything re-signed with the new key would check out locally.
		const file = path.join(home, 'credentials.json');
		const credentials = JSON.parse(fs.readFileSync(file, 'utf8'));
		const stored = JSON.parse(credentials.entries.device);
		const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
		credentials.entries.device = JSON.stringify({ ...stored, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } });
		fs.writeFileSync(file, JSON.stringify(credentials));
		const database = new Database(path.join(home, 'mcprec.db'));
		database.prepare('UPDATE device_keys SET public_key = ? WHERE id = ?').run(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }), stored.id);
		database.close();
		const verify = await runMcprec(['verify', '--all'], home, { env: baseEnv });
		expect(verify.exitCode).toBe(1);
		expect(verify.stdout).toContain(`the device key that signs this store is not the one ${collector.url} holds for device '${stored.id}'`);
		const json = JSON.parse((await runMcprec(['verify', '--all', '--json'], home, { env: baseEnv })).stdout) as Record<string, unknown>[];
		expect(json).toContainEqual(expect.objectContaining({ device: stored.id, intact: false, registered: false }));
	}, 60_000);

	it('--dry-run lists what would go and changes nothing', async () => {
		const home = freshHome();
		const id = await recordSession(home, 3);
		const events = readEvents(home, id).length;
		const dry = await sync(home, ['--dry-run', '--json']);
		expect(dry.exitCode, dry.stderr).toBe(0);
		expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, sessions: [{ id, fromSeq: 0, toSeq: events - 1, events, open: false, seal: true }] });
		const text = await sync(home, ['--dry-run']);
		expect(text.stdout).toMatch(new RegExp(`would upload ${id}.*events 0–${events - 1}`));
		expect(syncState(home, id)).toMatchObject({ synced_seq: -1, sync_state: 'local', seal_signature: null });
		expect((await api(`/api/v1/sessions/${id}`)).status).toBe(404);
		expect(fs.readFileSync(path.join(home, 'config.yaml'), 'utf8')).not.toContain('endpoint');
	}, 60_000);

	it('without a login says to run `mcprec login` and exits 2', async () => {
		const home = freshHome();
		fs.rmSync(path.join(home, 'credentials.json'));
		await recordSession(home, 1);
		const result = await sync(home);
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toMatch(/not signed in: run `mcprec login`/);
	}, 60_000);

	it('survives kill -9 after the first acknowledged batch: the next run resumes, nothing duplicated or missing', async () => {
		const home = freshHome();
		const id = await recordSession(home, 600, 500);
		const total = readEvents(home, id).length;
		const run = spawnSync(home, ['--batch', '5']);
		await waitFor(() => syncState(home, id).synced_seq >= 0, 'the first acknowledged batch');
		run.child.kill('SIGKILL');
		const killed = await run.exited;
		expect(killed.signal).toBe('SIGKILL');
		const atKill = syncState(home, id).synced_seq;
		expect(atKill).toBeLessThan(total - 1);

		const resumed = await sync(home, ['--json', '--batch', '50']);
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		const summary = JSON.parse(resumed.stdout);
		// At most the one batch in flight when it died is sent again (and ignored as identical).
		expect(summary.sessions[0].sent).toBeLessThanOrEqual(total - atKill - 1 + 50);
		expect(await expectSameEvents(home, id)).toBe(total);
		expect((await api(`/api/v1/sessions/${id}`)).body.integrity).toBe('verified');
	}, 120_000);

	it('keeps going when the collector restarts mid-run (retries with back-off)', async () => {
		const home = freshHome();
		const id = await recordSession(home, 600, 500);
		const total = readEvents(home, id).length;
		const run = spawnSync(home, ['--batch', '5']);
		await waitFor(() => syncState(home, id).synced_seq >= 20, 'a few acknowledged batches');
		await collector.close();
		await sleep(300);
		await restartCollector();
		const finished = await run.exited;
		expect(finished.code, finished.output).toBe(0);
		expect(finished.output).toMatch(/collector: .*; retrying in/);
		expect(await expectSameEvents(home, id)).toBe(total);
		expect((await api(`/api/v1/sessions/${id}`)).body.integrity).toBe('verified');
	}, 120_000);

	it('connection refused: gives up after bounded retries (exit 4), waits through a short outage, and completes later', async () => {
		const home = freshHome();
		const ids = [await recordSession(home, 5), await recordSession(home, 5)];
		await collector.close();
		let up = false;
		try {
			const refused = await runMcprec(['sync', '--endpoint', `http://127.0.0.1:${port}`, '--retries', '2'], home, { env: baseEnv });
			expect(refused.exitCode).toBe(4);
			expect(refused.stderr).toMatch(/ECONNREFUSED.*run `mcprec sync` again/s);
			// Down when the run starts, up again while it backs off.
			const run = spawnSync(home, []);
			await waitFor(() => /ECONNREFUSED; retrying in/.test(run.output()), 'a refused connection and a retry');
			await restartCollector();
			up = true;
			const finished = await run.exited;
			expect(finished.code, finished.output).toBe(0);
		} finally {
			if (!up) await restartCollector();
		}
		for (const id of ids) {
			await expectSameEvents(home, id);
			expect((await api(`/api/v1/sessions/${id}`)).body.integrity).toBe('verified');
		}
	}, 120_000);

	it('uploads an open session up to where it is, and the rest once it has ended', async () => {
		const home = freshHome();
		let session: RawSession | undefined = startRaw(rawServer, home, { env: baseEnv });
		try {
			session.send(initialize());
			await session.response(1);
			for (let index = 0; index < 5; index++) session.send(echo(10 + index, { index }));
			await session.response(14);
			const id = lastSessionId(home);
			await waitFor(() => readEvents(home, id).length >= 11, 'the first events in the store');
			await sleep(100);
			const partial = await sync(home, ['--json']);
			expect(partial.exitCode, partial.stderr).toBe(0);
			expect(JSON.parse(partial.stdout).sessions[0]).toMatchObject({ id, status: 'partial', open: true, sealed: false });
			const first = await expectSameEvents(home, id);
			expect((await api(`/api/v1/sessions/${id}`)).body).toMatchObject({ integrity: 'unsigned', endedAt: null });
			expect(syncState(home, id)).toMatchObject({ sync_state: 'partial', synced_seq: first - 1 });

			for (let index = 0; index < 5; index++) session.send(echo(20 + index, { index }));
			await session.response(24);
			session.end();
			expect((await session.exit()).code).toBe(0);
			session = undefined;
			const rest = await sync(home, ['--json']);
			expect(rest.exitCode, rest.stderr).toBe(0);
			expect(JSON.parse(rest.stdout).sessions[0]).toMatchObject({ id, status: 'synced', sealed: true });
			expect(await expectSameEvents(home, id)).toBeGreaterThan(first);
			const stored = (await api(`/api/v1/sessions/${id}`)).body;
			expect(stored.integrity).toBe('verified');
			expect(stored.endedAt).not.toBeNull();
		} finally {
			session?.kill();
		}
	}, 60_000);

	it('verify checks the seal locally: an altered signed count, or a truncated chain with a rewritten head, is tampering', async () => {
		const home = freshHome();
		const id = await recordSession(home, 4);
		expect((await sync(home)).exitCode).toBe(0);
		const ok = await runMcprec(['verify', id], home, { env: baseEnv });
		expect(ok.exitCode).toBe(0);
		expect(ok.stdout).toMatch(/intact \(\d+ events, signed by this device, seal signature ok\)/);

		const database = new Database(path.join(home, 'mcprec.db'));
		try {
			const row = database.prepare('SELECT event_count, seal_event_count FROM sessions WHERE id = ?').get(id) as { event_count: number; seal_event_count: number };
			database.prepare('UPDATE sessions SET seal_event_count = ? WHERE id = ?').run(row.seal_event_count - 1, id);
			const count = await runMcprec(['verify', id], home, { env: baseEnv });
			expect(count.exitCode).toBe(1);
			expect(count.stdout).toMatch(/tampered .*signature does not verify/);
			database.prepare('UPDATE sessions SET seal_event_count = ? WHERE id = ?').run(row.seal_event_count, id);

			// Drop the last event and make the session row agree: only the seal still knows.
			const last = row.event_count - 1;
			const previous = database.prepare('SELECT hash FROM events WHERE session_id = ? AND seq = ?').pluck().get(id, last - 1) as string;
			database.prepare('DELETE FROM events WHERE session_id = ? AND seq = ?').run(id, last);
			database.prepare('UPDATE sessions SET event_count = ?, head_hash = ? WHERE id = ?').run(last, previous, id);
		} finally {
			database.close();
		}
		const truncated = await runMcprec(['verify', id], home, { env: baseEnv });
		expect(truncated.exitCode).toBe(1);
		// The checkpoint, signed at every commit, knows first; the seal would say the same.
		expect(truncated.stdout).toMatch(/tampered at seq \d+: truncated: the device signed \d+ events, the store holds \d+/);
	}, 60_000);

	it('sync.auto: true uploads in the background after `mcprec run` ends', async () => {
		const home = freshHome(`  endpoint: ${collector.url}\n  auto: true\n`);
		const started = Date.now();
		const id = await recordSession(home, 2);
		expect(Date.now() - started).toBeLessThan(15_000);
		await waitFor(() => syncState(home, id).sync_state === 'synced', 'the background sync', 20_000);
		await expectSameEvents(home, id);
		expect((await api(`/api/v1/sessions/${id}`)).body.integrity).toBe('verified');
	}, 60_000);
});
