// Every place mcprec keeps, shows or syncs a value is masked by the session's one masker
// (issue 14 item 1). One session through the built binary plants a different token in each
// place a server (or the command line) can put one; each case then checks its token
// reached neither the client (where the direction is masked for the client) nor any byte
// mcprec wrote: the database, its WAL and the write-ahead journal while the session runs,
// every stored payload decompressed, `sessions --json`, `replay --plain` and `--json`, the
// sync upload as the collector stored it (its database bytes and its API) and the viewer's
// pages. A login through a real OIDC provider lets the session sync.

import { testCollectorSettings } from '../helpers/collector-fixtures.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/server/start-collector.js';
import { createCookieSealer } from '../../src/server/viewer/sealed-cookie.js';
import { CLIENT_ID, TestProvider } from '../helpers/oidc-provider.js';
import { fixture, makeHome, mcprecBin, payloadOf, readEvents, readSessions, removeHome, runMcprec, waitForEvents } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const AUDIENCE = 'urn:mcprec:collector';
const COOKIE_SECRET = 'masking-places-cookie-secret-0123456789';
const baseEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };
const request = (id: number | string, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const emit = (id: number, line: string) => request(id, 'raw/emit', { line });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// One GitHub-shaped token per place (ghp_ and 36 letters and digits), so a leak names its place.
const token = (tag: string) => `ghp_${tag}${'Q7x2Lm9Kp4Zr8Wv3Nb6Tc1Yd5Hf0Gj2Se4Ua7Ro3'}`.slice(0, 40);
const TOKENS = {
	hugeEscaped: token('HugeEscaped'),
	key: token('JsonKey'),
	method: token('MethodName'),
	id: token('RequestId'),
	serverId: token('ServerReqId'),
	stderr: token('StderrLine'),
	stdout: token('NotJsonLine'),
	command: token('CommandLine'),
};
// A value the detectors do not know: only the masker's known secrets can find it.
const INJECTED = 'zq81-local-value-7731-kx';

// Python's json.dumps: every non-ASCII character written as \uXXXX.
const pythonJson = (value: unknown) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

let provider: TestProvider;
let folder: string;
let collector: RunningCollector;
let home: string;
let accessToken: string;
/** The stored login's refresh token: opaque (no detector knows its shape), masked as a known secret. */
let refreshToken: string;
let session: RawSession;
let sessionId: string;
/** What mcprec wrote (database, WAL, journal) while the session still ran. */
let whileRunning: Buffer;
/** What the server received (the fixture's log, kept outside the home). */
let serverLog: string;

/** Every file mcprec keeps under a home, except the credential store (which holds the injected secret by design). */
function storedBytes(directory: string): Buffer {
	const chunks: Buffer[] = [];
	for (const name of fs.readdirSync(directory, { recursive: true }) as string[]) {
		const file = path.join(directory, name);
		if (!fs.statSync(file).isFile() || path.basename(file) === 'credentials.json') continue;
		chunks.push(fs.readFileSync(file));
	}
	return Buffer.concat(chunks);
}

const storedPayloads = () => readEvents(home, sessionId).map((event) => `${payloadOf(event).toString('utf8')} ${event.method} ${event.rpc_id} ${event.tool}`).join('\n');
const clientSaw = () => Buffer.concat(session.lines.map((line) => Buffer.concat([line, Buffer.from('\n')]))).toString('utf8');

/** The token is in none of the bytes mcprec stored, while the session ran and after. */
function expectNotStored(secret: string): void {
	expect(whileRunning.includes(secret), 'database, WAL or journal while running').toBe(false);
	expect(storedBytes(home).includes(secret), 'database or WAL after the session').toBe(false);
	expect(storedPayloads()).not.toContain(secret);
}

async function waitFor(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!probe()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(10);
	}
}

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-places-collector-'));
	provider = await TestProvider.start({ resourceServers: [AUDIENCE] });
	collector = await startCollector({
		settings: testCollectorSettings({ folder, issuer: provider.issuer, audience: AUDIENCE, cookieSecret: COOKIE_SECRET }),
	});

	home = makeHome('mcprec-places-');
	fs.writeFileSync(path.join(home, 'config.yaml'), `identity:\n  issuer: ${provider.issuer}\n  clientId: ${CLIENT_ID}\n  scope: groups\nsync:\n  audience: ${AUDIENCE}\n`);
	const login = spawn(process.execPath, [mcprecBin, 'login', '--no-browser'], { env: { ...process.env, ...baseEnv, MCPREC_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let loginOutput = '';
	login.stderr.on('data', (chunk: Buffer) => (loginOutput += chunk.toString('utf8')));
	await waitFor(() => /enter the code:\s+\S+/.test(loginOutput), 'the user code');
	await provider.approve(/enter the code:\s+(\S+)/.exec(loginOutput)![1]!, { account: 'alice' });
	expect(await new Promise<number | null>((resolve) => login.on('close', resolve)), loginOutput).toBe(0);
	({ accessToken, refreshToken } = JSON.parse(JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8')).entries.login));
	expect(refreshToken.length).toBeGreaterThan(8);
	const set = await runMcprec(['secret', 'set', 'DEPLOY_KEY'], home, { env: baseEnv, input: INJECTED });
	expect(set.exitCode, set.stderr).toBe(0);

	serverLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-places-server-')), 'received.ndjson');
	session = startRaw(['node', fixture('raw-server.mjs'), '--api-key', TOKENS.command], home, { env: { ...baseEnv, RAW_SERVER_LOG: serverLog }, runOptions: ['--secret', 'DEPLOY_KEY'] });
	session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'places', version: '1' } }));
	await session.response(1);
	// A notification over the parse limit, written the way Python writes JSON, the token glued to an escape.
	const huge = `${'café '.repeat(220_000)}é${TOKENS.hugeEscaped} done`;
	session.send(emit(2, pythonJson({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: huge } })));
	session.send(emit(3, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { [TOKENS.key]: 'owner' } } })));
	session.send(emit(4, JSON.stringify({ jsonrpc: '2.0', method: `notifications/${TOKENS.method}`, params: {} })));
	session.send(request(`call ${TOKENS.id}`, 'tools/call', { name: 'echo', arguments: { text: 'hello' } }));
	session.send(request(6, 'tools/call', { name: 'stderr', arguments: { lines: [`log: connecting with ${TOKENS.stderr}`] } }));
	session.send(emit(7, `debug output ${TOKENS.stdout}`));
	session.send(request(8, 'tools/call', { name: 'env', arguments: { names: ['DEPLOY_KEY'], stderr: true } }));
	session.send(request(9, 'tools/call', { name: 'argv' }));
	session.send(request(10, 'tools/call', { name: 'echo', arguments: { note: `refresh with ${refreshToken}` } }));
	// A server request whose id is a token: the client answers the id it was given.
	session.send(emit(11, JSON.stringify({ jsonrpc: '2.0', id: TOKENS.serverId, method: 'roots/list' })));
	await session.response(9, 30_000);
	await session.response(10);
	const serverRequest = JSON.parse((await session.waitForLine((line) => line.includes('"roots/list"'))).toString('utf8'));
	session.send(JSON.stringify({ jsonrpc: '2.0', id: serverRequest.id, result: { roots: [] } }));
	await waitFor(() => fs.existsSync(serverLog) && fs.readFileSync(serverLog, 'utf8').includes('"roots":[]'), 'the answer to reach the server');
	await session.response(`call ${TOKENS.id}`);
	await session.waitForLine((line) => line.includes('notifications/[REDACTED:github-token]'));
	await session.waitForStderr(/log: connecting with/);
	const events = await waitForEvents(home, (stored) => stored.some((event) => event.kind === 'stderr' && payloadOf(event).includes('raw-server env')) && stored.filter((event) => event.origin === 'server').length >= 8, 30_000);
	sessionId = events[0]!.session_id;
	whileRunning = storedBytes(home);
	expect(fs.readdirSync(home, { recursive: true }).some((name) => String(name).includes('journal')), 'the journal exists while the session runs').toBe(true);
	session.end();
	expect((await session.exit(30_000)).code).toBe(0);
}, 120_000);

afterAll(async () => {
	session?.kill();
	await collector?.close();
	await provider?.close();
	if (home) removeHome(home);
	if (folder) fs.rmSync(folder, { recursive: true, force: true });
	if (serverLog) fs.rmSync(path.dirname(serverLog), { recursive: true, force: true });
});

describe('masked wherever mcprec keeps or shows a value', () => {
	it('a token in a line over the parse limit written with \\u escapes', () => {
		const seen = clientSaw();
		expect(seen).not.toContain(TOKENS.hugeEscaped);
		expect(seen).toContain('[REDACTED:github-token]');
		expectNotStored(TOKENS.hugeEscaped);
	});

	it('a token in a JSON key', () => {
		expect(clientSaw()).not.toContain(TOKENS.key);
		expect(clientSaw()).toContain('{"[REDACTED:github-token]":"owner"}');
		expectNotStored(TOKENS.key);
	});

	it("a token in a server notification's method", () => {
		expect(clientSaw()).not.toContain(TOKENS.method);
		expectNotStored(TOKENS.method);
	});

	it("a token in a request id: the client gets its own id back, the record keeps it masked", () => {
		expect(clientSaw()).toContain(TOKENS.id);
		expectNotStored(TOKENS.id);
		expect(storedPayloads()).toContain('"call [REDACTED:github-token]"');
	});

	it("a token as a server request's id: the client sees a substitute, the server gets its answer under its own id", () => {
		expect(clientSaw()).not.toContain(TOKENS.serverId);
		expect(clientSaw()).toContain('"id":"[REDACTED:github-token] #1","method":"roots/list"');
		const answer = fs.readFileSync(serverLog, 'utf8').split('\n').find((line) => line.includes('"roots":[]'))!;
		expect(JSON.parse(answer)).toEqual({ jsonrpc: '2.0', id: TOKENS.serverId, result: { roots: [] } });
		expectNotStored(TOKENS.serverId);
	});

	it("a token on the server's stderr: masked in the client's log (mcprec's stderr) and in the record", () => {
		expect(session.stderr).not.toContain(TOKENS.stderr);
		expect(session.stderr).toContain('log: connecting with [REDACTED:github-token]');
		expectNotStored(TOKENS.stderr);
	});

	it('a token in a stdout line that is not JSON-RPC: masked in the record and the warning', () => {
		expect(session.stderr).not.toContain(TOKENS.stdout);
		expect(session.stderr).toContain('debug output [REDACTED:github-token]');
		expectNotStored(TOKENS.stdout);
	});

	it("a token on the server's command line: masked in the session row and the start event", async () => {
		const row = readSessions(home).find((stored) => stored.id === sessionId)!;
		expect(JSON.parse(row.command as string)).toEqual(['node', fixture('raw-server.mjs'), '--api-key', '[REDACTED:github-token]']);
		// The server's own answer quoting its arguments (the argv tool) is masked like any result.
		expect(clientSaw()).not.toContain(TOKENS.command);
		const listed = await runMcprec(['sessions', '--json'], home, { env: baseEnv });
		expect(listed.stdout).not.toContain(TOKENS.command);
		expect(listed.stdout).toContain('[REDACTED:github-token]');
		expectNotStored(TOKENS.command);
	});

	it('an injected secret the server echoes, as is and on stderr', () => {
		expect(clientSaw()).not.toContain(INJECTED);
		expect(session.stderr).not.toContain(INJECTED);
		expect(clientSaw()).toContain('[REDACTED:DEPLOY_KEY]');
		expectNotStored(INJECTED);
	});

	it("the stored login's refresh token, echoed by the server", () => {
		expect(clientSaw()).not.toContain(refreshToken);
		expect(clientSaw()).toContain('refresh with [REDACTED:login-refresh-token]');
		expectNotStored(refreshToken);
	});

	it('replay --plain and --json show none of them', async () => {
		for (const format of ['--plain', '--json']) {
			const replay = await runMcprec(['replay', sessionId, format], home, { env: baseEnv });
			expect(replay.exitCode, replay.stderr).toBe(0);
			expect(replay.stdout).toContain('[REDACTED:github-token]');
			for (const secret of [...Object.values(TOKENS), INJECTED]) expect(replay.stdout, `${format}: ${secret}`).not.toContain(secret);
		}
	});

	it('sync: the collector stores none of them (database bytes and API), and the viewer shows none', async () => {
		const synced = await runMcprec(['sync', '--endpoint', collector.url], home, { env: baseEnv, timeout: 60_000 });
		expect(synced.exitCode, synced.stderr).toBe(0);
		const headers = { authorization: `Bearer ${accessToken}` };
		const events = (await (await fetch(`${collector.url}/api/v1/sessions/${sessionId}/events?format=wire&limit=5000`, { headers })).json()) as { events: { payload: string }[] };
		expect(events.events.length).toBeGreaterThan(10);
		const remotePayloads = events.events.map((event) => Buffer.from(event.payload, 'base64').toString('utf8')).join('\n');
		const remoteSession = await (await fetch(`${collector.url}/api/v1/sessions/${sessionId}`, { headers })).text();
		expect(remoteSession).toContain('[REDACTED:github-token]');
		// The viewer's pages, signed in as the session's owner.
		const cookie = `mcprec_viewer=${createCookieSealer({ secret: COOKIE_SECRET }).seal({ accessToken }, 600)}`;
		const pages: string[] = [];
		for (const page of ['/', `/sessions/${sessionId}`, `/sessions/${sessionId}/exchanges?afterSeq=-1`]) {
			const response = await fetch(`${collector.url}${page}`, { headers: { cookie, accept: 'text/html' } });
			expect(response.status, page).toBe(200);
			pages.push(await response.text());
		}
		expect(pages.join('\n')).toContain('REDACTED');
		const collectorBytes = storedBytes(folder);
		for (const secret of [...Object.values(TOKENS), INJECTED]) {
			expect(collectorBytes.includes(secret), `collector database: ${secret}`).toBe(false);
			expect(remotePayloads, `collector API: ${secret}`).not.toContain(secret);
			expect(remoteSession).not.toContain(secret);
			expect(pages.join('\n'), `viewer: ${secret}`).not.toContain(secret);
		}
	});
});

describe('approvals', () => {
	it('a held call: the approval store, `mcprec approvals` and the record hold its arguments masked', async () => {
		const local = makeHome('mcprec-places-approvals-');
		const secret = token('ApprovalArgs');
		try {
			const policy = path.join(local, 'policy.yaml');
			fs.writeFileSync(policy, 'version: 1\nrules:\n  - name: confirm-deletes\n    match: { tool: delete_note }\n    action: approve\n    timeout: 30s\n');
			const held = startRaw(['node', fixture('raw-server.mjs')], local, { runOptions: ['--policy', policy] });
			try {
				held.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'places', version: '1' } }));
				await held.response(1);
				held.send(request(2, 'tools/call', { name: 'delete_note', arguments: { note: `uses ${secret}` } }));
				const [, id] = await held.waitForStderr(/mcprec approve (\S+)`/);
				const listed = await runMcprec(['approvals', '--json'], local);
				expect(listed.exitCode, listed.stderr).toBe(0);
				expect(listed.stdout).not.toContain(secret);
				expect(listed.stdout).toContain('[REDACTED:github-token]');
				const database = new Database(path.join(local, 'mcprec.db'), { readonly: true });
				try {
					expect(JSON.stringify(database.prepare('SELECT * FROM approvals').all())).not.toContain(secret);
				} finally {
					database.close();
				}
				expect((await runMcprec(['deny', id!], local)).exitCode).toBe(0);
				await held.response(2);
				held.end();
				await held.exit(20_000);
			} finally {
				held.kill();
			}
			expect(storedBytes(local).includes(secret)).toBe(false);
			expect(readEvents(local).map((event) => payloadOf(event).toString('utf8')).join('\n')).not.toContain(secret);
		} finally {
			removeHome(local);
		}
	}, 60_000);
});
