// The web viewer in a real headless Chromium (playwright-core, the system's chromium):
// sign in through the issuer's login and consent pages, browse and filter sessions
// uploaded through the API, read a session's timeline, page through a large one, and
// settle held calls as an approver (and fail to as anyone else).

import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSessionId } from '../../src/event/session-id.js';
import { readBundle, writeBundle } from '../../src/event/evidence-bundle.js';
import { runMcprec } from '../helpers/mcprec.js';
import { signSealedHead } from '../../src/event/device-signature.js';
import { startCollector, type RunningCollector } from '../../src/server/start-collector.js';
import { encodeEventLines } from '../../src/event/event-forms.js';
import { callEvents, chain, sessionDocument, testCollectorSettings, type EventSpec } from '../helpers/collector-fixtures.js';
import { startOidcIssuer, type OidcIssuer } from '../helpers/oidc-issuer.js';
import { signInThroughProvider } from '../helpers/viewer-browser.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

let folder: string;
let issuer: OidcIssuer;
let collector: RunningCollector;
let browser: Browser;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

async function api(method: string, url: string, token: string, body?: unknown, contentType = 'application/json') {
	const response = await fetch(`${collector.url}${url}`, {
		method,
		headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
		body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function upload(user: string, overrides: Record<string, unknown>, specs: EventSpec[], seal?: { deviceId: string; privateKey: import('node:crypto').KeyObject }) {
	const document = sessionDocument({ id: newSessionId(), ...overrides });
	expect((await api('PUT', `/api/v1/sessions/${document.id}`, tokens[user]!, document)).status).toBe(201);
	const events = chain(document.id, specs);
	for (let from = 0; from < events.length; from += 1000) {
		const sent = await api('POST', `/api/v1/sessions/${document.id}/events`, tokens[user]!, encodeEventLines(events.slice(from, from + 1000)), 'application/x-ndjson');
		expect(sent.status).toBe(200);
	}
	if (seal) {
		const head = { sessionId: document.id, eventCount: events.length, headHash: events[events.length - 1]!.hash };
		const closed = { ...document, endedAt: '2026-11-22T14:00:00Z', endReason: 'client closed', seal: { headHash: head.headHash, eventCount: head.eventCount, deviceId: seal.deviceId, signature: signSealedHead(seal.privateKey, head) } };
		expect((await api('PUT', `/api/v1/sessions/${document.id}`, tokens[user]!, closed)).body).toMatchObject({ integrity: 'verified' });
	}
	return document.id;
}

/** A 4×4 red PNG, as a tool returns images: base64 in the result. */
const GUARDED_POLICY = 'version: 1\nrules:\n  - name: no-etc-writes\n    match: { tool: delete_file, args: { path: "^/etc/" } }\n    action: deny\n    message: Writes under /etc are not allowed\n';
const GUARDED_POLICY_DIGEST = createHash('sha256').update(GUARDED_POLICY).digest('hex');
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGM4IScHRwzEcQCxYxBBO0tjggAAAABJRU5ErkJggg==';
const proxyNote = (kind: 'decision' | 'mask', rpcId: string, tool: string, details: Record<string, unknown>): EventSpec => ({ origin: 'proxy', target: null, kind, method: 'tools/call', rpcId, tool, payload: JSON.stringify(details) });
const request = (id: number, tool: string, args: Record<string, unknown>): EventSpec => ({ method: 'tools/call', rpcId: String(id), tool, payload: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } }) });
const response = (id: number, tool: string, result: unknown, origin = 'server'): EventSpec => ({ origin, target: 'client', method: 'tools/call', rpcId: String(id), tool, latencyUs: 2500, payload: JSON.stringify({ jsonrpc: '2.0', id, result }) });

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-viewer-'));
	const port = await freePort();
	issuer = await startOidcIssuer(
		[
			{ sub: 'alice', groups: ['engineering'], email: 'alice@example.com' },
			{ sub: 'bob', groups: ['engineering'], email: 'bob@example.com' },
			{ sub: 'audrey', groups: ['auditors', 'approvers'], email: 'audrey@example.com' },
			{ sub: 'carol', groups: ['contractors'], email: 'carol@example.com' },
			{ sub: 'dave', groups: ['engineering'], email: 'dave@example.com' },
		],
		{ viewer: { clientId: 'mcprec-viewer', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] } },
	);
	collector = await startCollector({
		settings: testCollectorSettings({
			folder,
			port,
			issuer: issuer.issuer,
			audience: issuer.audience,
			approverGroup: 'approvers',
			viewerClientId: 'mcprec-viewer',
			viewerScope: 'openid email',
		}),
	});
	for (const user of ['alice', 'bob', 'audrey', 'carol']) tokens[user] = await issuer.accessToken(user);

	const device = generateKeyPairSync('ed25519');
	expect((await api('PUT', '/api/v1/devices/alice-laptop', tokens.alice!, { publicKey: device.publicKey.export({ format: 'jwk' }) })).status).toBe(201);
	ids.guarded = await upload(
		'alice',
		{ server: 'filesystem', startedAt: '2026-11-22T10:00:00Z' },
		[
			{ origin: 'proxy', target: null, kind: 'lifecycle', payload: JSON.stringify({ event: 'start', command: ['npx', 'server-filesystem'], pid: 42, policy: { source: '/home/alice/.config/mcprec/policy.yaml', digest: GUARDED_POLICY_DIGEST, text: GUARDED_POLICY } }) },
			request(1, 'read_file', { path: '/home/alice/.env' }),
			proxyNote('mask', '1', 'read_file', { findings: { 'aws-access-key': 1 } }),
			response(1, 'read_file', { content: [{ type: 'text', text: 'AWS_KEY=[REDACTED:aws-access-key]' }] }),
			{ ...request(2, 'delete_file', { path: '/etc/passwd' }), target: null },
			proxyNote('decision', '2', 'delete_file', { action: 'deny', rule: 'no-etc-writes', message: 'Writes under /etc are not allowed' }),
			response(2, 'delete_file', { isError: true, content: [{ type: 'text', text: "Blocked by policy rule 'no-etc-writes'" }] }, 'proxy'),
			{ origin: 'server', target: null, kind: 'stderr', payload: 'filesystem server: listing /home/alice' },
		],
		{ deviceId: 'alice-laptop', privateKey: device.privateKey },
	);
	ids.approved = await upload('bob', { server: 'db-prod', startedAt: '2026-11-22T11:00:00Z', client: { name: 'cursor', version: '1.0' }, policyDigest: 'b'.repeat(64) }, [
		proxyNote('decision', '7', 'drop_table', { action: 'approve', status: 'held', rule: 'confirm-drops' }),
		request(7, 'drop_table', { table: 'sessions_old' }),
		proxyNote('decision', '7', 'drop_table', { action: 'approve', status: 'approved', rule: 'confirm-drops', via: 'viewer' }),
		response(7, 'drop_table', { content: [{ type: 'text', text: 'dropped' }] }),
		request(8, 'query', { sql: 'select 1' }),
		{ origin: 'server', target: 'client', method: 'tools/call', rpcId: '8', tool: 'query', payload: JSON.stringify({ jsonrpc: '2.0', id: 8, error: { code: -32000, message: 'syntax error' } }) },
	]);
	ids.large = await upload('alice', { server: 'memory', startedAt: '2026-11-22T12:00:00Z' }, callEvents(3000, 'search'));
	// What server-everything answers to bad arguments and an unknown tool (isError results),
	// and a held call an approver denied: nothing here is blocked by policy.
	ids.failing = await upload('carol', { server: 'everything', startedAt: '2026-11-22T09:00:00Z' }, [
		request(21, 'echo', { message: 42 }),
		response(21, 'echo', { content: [{ type: 'text', text: 'MCP error -32602: Input validation error: Invalid arguments for tool echo: Invalid input: expected string, received number at message' }], isError: true }),
		request(22, 'no-such-tool', {}),
		response(22, 'no-such-tool', { content: [{ type: 'text', text: 'MCP error -32602: Tool no-such-tool not found' }], isError: true }),
		proxyNote('decision', '23', 'get-env', { action: 'approve', status: 'held', rule: 'confirm-env', method: 'tools/call', tool: 'get-env' }),
		{ ...request(23, 'get-env', {}), target: null },
		proxyNote('decision', '23', 'get-env', { action: 'approve', status: 'denied', rule: 'confirm-env', via: 'viewer', reason: 'denied by audrey@example.com in the viewer', approvalId: 'cafe0001' }),
		response(23, 'get-env', { isError: true, content: [{ type: 'text', text: "Blocked by policy rule 'confirm-env': not approved: denied by audrey@example.com in the viewer" }] }, 'proxy'),
	]);

	// A session as server-everything answers it, with the protocol's own chatter, content of
	// every kind, masking both ways, and a held call approved after 22.5 s.
	const start = Date.parse('2026-11-22T08:00:00Z') * 1000;
	const at = (seconds: number) => start + Math.round(seconds * 1e6);
	const message = (origin: string, target: string | null, method: string | null, rpcId: string | null, body: unknown, extra: Partial<EventSpec> = {}): EventSpec => ({ origin, target, method, rpcId, payload: JSON.stringify(body), ...extra });
	ids.readable = await upload('carol', { server: 'everything', startedAt: '2026-11-22T08:00:00Z', user: { osUser: 'carol', host: 'carol-laptop', issuer: issuer.issuer, sub: 'carol', email: 'carol@example.com', name: 'Carol C', groups: ['contractors', 'engineering'] } }, [
		{ origin: 'proxy', target: null, kind: 'lifecycle', ts: at(0), payload: JSON.stringify({ event: 'start', command: ['npx', 'server-everything'], pid: 7 }) },
		message('client', 'server', 'initialize', '0', { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'claude-code', version: '2.1.0' } } }, { ts: at(0.1) }),
		message('server', 'client', 'initialize', '0', { jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'everything', version: '1' } } }, { ts: at(0.2), latencyUs: 100_000 }),
		message('client', 'server', 'notifications/initialized', null, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ts: at(0.3) }),
		message('client', 'server', 'tools/list', '1', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ts: at(0.4) }),
		message('server', 'client', 'tools/list', '1', { jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } }, { ts: at(0.5), latencyUs: 100_000 }),
		{ ...request(2, 'echo', { message: 'hello auditor' }), ts: at(1) },
		{ ...response(2, 'echo', { content: [{ type: 'text', text: 'Echo: hello auditor\nsecond line' }] }), ts: at(1.01) },
		{ ...request(3, 'get-tiny-image', {}), ts: at(2) },
		{ ...response(3, 'get-tiny-image', { content: [{ type: 'text', text: "Here's the image you requested:" }, { type: 'image', data: TINY_PNG, mimeType: 'image/png' }] }), ts: at(2.01) },
		{ ...request(4, 'get-resource-links', { count: 2 }), ts: at(3) },
		{ ...response(4, 'get-resource-links', { content: [{ type: 'text', text: 'Here are 2 resource links:' }, { type: 'resource_link', uri: 'demo://resource/dynamic/text/1', name: 'Text Resource 1' }, { type: 'resource_link', uri: 'https://example.com/spec', name: 'The spec' }, { type: 'resource_link', uri: 'javascript:alert(1)', name: 'Not a link' }] }), ts: at(3.01) },
		{ ...request(5, 'get-structured-content', { location: 'New York' }), ts: at(4) },
		{ ...response(5, 'get-structured-content', { content: [{ type: 'text', text: '{"temperature":33}' }], structuredContent: { temperature: 33, conditions: 'Cloudy', humidity: 82 } }), ts: at(4.01) },
		{ ...request(6, 'get-env', { token: '[REDACTED:sensitive-field]' }), ts: at(5) },
		{ ...proxyNote('mask', '6', 'get-env', { findings: [{ detector: 'sensitive-field', path: '$.params.arguments.token', count: 1 }], recordOnly: true }), ts: at(5) },
		{ ...response(6, 'get-env', { content: [{ type: 'text', text: 'AWS_SECRET=[REDACTED:aws-secret-key] HOME=/home/carol' }] }), ts: at(5.01) },
		{ ...proxyNote('mask', '6', 'get-env', { findings: [{ detector: 'aws-secret-key', path: '$.result.content[0].text', count: 1 }] }), ts: at(5.01) },
		{ ...proxyNote('decision', '7', 'trigger-long-running-operation', { action: 'approve', status: 'held', rule: 'confirm-long', method: 'tools/call', tool: 'trigger-long-running-operation' }), ts: at(6) },
		{ ...request(7, 'trigger-long-running-operation', { duration: 5, steps: 3 }), ts: at(28.5) },
		{ ...proxyNote('decision', '7', 'trigger-long-running-operation', { action: 'approve', status: 'approved', rule: 'confirm-long', via: 'viewer', reason: 'approved by audrey@example.com in the viewer', decidedBy: 'audrey@example.com' }), ts: at(28.5) },
		{ ...response(7, 'trigger-long-running-operation', { content: [{ type: 'text', text: 'Long running operation completed.' }] }), ts: at(33.5) },
		message('client', 'server', 'ping', '8', { jsonrpc: '2.0', id: 8, method: 'ping' }, { ts: at(40) }),
		message('server', 'client', 'ping', '8', { jsonrpc: '2.0', id: 8, result: {} }, { ts: at(40.001) }),
	]);

	browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await collector?.close();
	await issuer?.close();
	fs.rmSync(folder, { recursive: true, force: true });
});

/** Opens the viewer in a fresh browser profile and signs in as `user` through the issuer's pages. */
async function signIn(user: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signInThroughProvider(page, { start: `${collector.url}/`, issuer: issuer.issuer, user });
	await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe(`${user}@example.com`);
	return { context, page };
}

/** Saves a screenshot for reviewers under test-artifacts/viewer/ (gitignored). */
async function saveShot(page: Page, name: string): Promise<void> {
	const folder = path.resolve(import.meta.dirname, '../../test-artifacts/viewer');
	fs.mkdirSync(folder, { recursive: true });
	await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
}

const rowIds = (page: Page) => page.getByTestId('session-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session-id')));

describe('web viewer', () => {
	let auditor: { context: BrowserContext; page: Page };

	beforeAll(async () => {
		auditor = await signIn('audrey');
	}, 60_000);

	it('signs in through the identity provider and lists every session newest first for an auditor', async () => {
		const { page } = auditor;
		expect(await rowIds(page)).toEqual([ids.large, ids.approved, ids.guarded, ids.failing, ids.readable]);
		const cookies = await auditor.context.cookies(collector.url);
		expect(cookies.find((cookie) => cookie.name === 'mcprec_viewer')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
		expect(await page.locator(`[data-session-id="${ids.guarded}"] [data-integrity]`).textContent()).toBe('verified');
	});

	it('filters by user, server, tool, outcome and time', async () => {
		const { page } = auditor;
		const filter = async (values: Record<string, string>) => {
			await page.goto(`${collector.url}/`);
			for (const [name, value] of Object.entries(values)) {
				if (name === 'outcome') for (const outcome of value.split(',')) await page.check(`input[name=outcome][value=${outcome}]`);
				else await page.fill(`input[name=${name}]`, value);
			}
			await page.click('form[data-testid=filters] button[type=submit]');
			await page.waitForLoadState();
			return rowIds(page);
		};
		expect(await filter({ user: 'bob@example.com' })).toEqual([ids.approved]);
		expect(await filter({ user: 'alice' })).toEqual([ids.large, ids.guarded]);
		expect(await filter({ server: 'db-*' })).toEqual([ids.approved]);
		expect(await filter({ tool: 'search' })).toEqual([ids.large]);
		expect(await filter({ outcome: 'blocked' })).toEqual([ids.guarded]);
		expect(await filter({ outcome: 'masked' })).toEqual([ids.guarded, ids.readable]);
		expect(await filter({ outcome: 'approved' })).toEqual([ids.approved, ids.readable]);
		// Tool errors are errors; an approver's denial is not a policy block; several outcomes at once.
		expect(await filter({ outcome: 'errors' })).toEqual([ids.approved, ids.failing]);
		expect(await filter({ outcome: 'tool-errors' })).toEqual([ids.failing]);
		expect(await filter({ outcome: 'denied' })).toEqual([ids.failing]);
		expect(await filter({ outcome: 'held' })).toEqual([ids.approved, ids.failing, ids.readable]);
		expect(await filter({ outcome: 'blocked,tool-errors' })).toEqual([ids.guarded, ids.failing]);
		expect(new URL(page.url()).searchParams.getAll('outcome')).toEqual(['tool-errors', 'blocked']);
		expect(await page.isChecked('input[name=outcome][value=blocked]')).toBe(true);
		await saveShot(page, 'session-list-filtered');
		expect(await filter({ since: '2026-11-22T10:30:00Z' })).toEqual([ids.large, ids.approved]);
		expect(await filter({ user: 'carol@example.com' })).toEqual([ids.failing, ids.readable]);
		// Case-insensitive prefixes and globs, on the recorded display name too.
		expect(await filter({ user: 'Carol C' })).toEqual([ids.readable]);
		expect(await filter({ user: 'CAROL' })).toEqual([ids.failing, ids.readable]);
		expect(await filter({ server: 'EVERY' })).toEqual([ids.failing, ids.readable]);
		expect(await filter({ tool: 'GET-*' })).toEqual([ids.failing, ids.readable]);
		expect(await filter({ tool: 'trigger*', outcome: 'approved' })).toEqual([ids.readable]);
		expect(await filter({ user: 'alice', outcome: 'blocked', tool: 'delete_file' })).toEqual([ids.guarded]);
		expect(await filter({ since: 'yesterday-ish' })).toEqual([]);
		expect(await page.getByRole('alert').textContent()).toContain("'since'");
	});

	it('shows a session: header, integrity, exchanges with markers, stderr and lifecycle, expandable JSON', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/`);
		await page.click(`[data-session-id="${ids.guarded}"] a`);
		await page.waitForURL(`**/sessions/${ids.guarded}`);
		expect(await page.getByTestId('integrity').locator('[data-integrity]').textContent()).toBe('verified');
		expect(await page.getByTestId('session-header').textContent()).toContain('alice@example.com');
		const rows = page.getByTestId('exchange');
		const summaries = (await rows.locator('> summary').allTextContents()).map((text) => text.replace(/\s+/g, ' '));
		expect(summaries).toHaveLength(4);
		expect(summaries[0]).toMatch(/lifecycle.*start/);
		expect(summaries[1]).toMatch(/tools\/call.*read_file.*ok.*2\.5 ms.*masked/);
		expect(summaries[2]).toMatch(/tools\/call.*delete_file.*blocked.*blocked.*rule no-etc-writes/);
		expect(summaries[3]).toMatch(/stderr.*filesystem server: listing/);
		// The policy in force, from the start event (in the verified chain), its text one click away.
		const policy = page.getByTestId('policy');
		expect(await policy.textContent()).toContain(`/home/alice/.config/mcprec/policy.yaml sha256 ${GUARDED_POLICY_DIGEST.slice(0, 16)}`);
		await expect(page.getByTestId('policy-text').isVisible()).resolves.toBe(false);
		await policy.locator('summary').click();
		expect(await page.getByTestId('policy-text').textContent()).toBe(GUARDED_POLICY);

		const readFile = rows.nth(1);
		await expect(readFile.locator('pre').first().isVisible()).resolves.toBe(false);
		await readFile.locator('> summary').click();
		const shown = await readFile.locator('pre').allTextContents();
		expect(shown[0]).toContain('"path": "/home/alice/.env"');
		expect(shown[1]).toContain('[REDACTED:aws-access-key]');
		expect(await readFile.getByTestId('mask-line').textContent()).toContain('aws-access-key');
		expect(shown.at(-1)).toContain('aws-access-key');
		fs.mkdirSync(path.join(folder, 'shots'), { recursive: true });
		await page.screenshot({ path: path.join(folder, 'shots', 'session.png'), fullPage: true });
		if (process.env.MCPREC_VIEWER_SHOTS) fs.copyFileSync(path.join(folder, 'shots', 'session.png'), path.join(process.env.MCPREC_VIEWER_SHOTS, 'session.png'));

		await page.goto(`${collector.url}/sessions/${ids.approved}`);
		const approved = (await page.getByTestId('exchange').locator('> summary').allTextContents()).map((text) => text.replace(/\s+/g, ' '));
		expect(approved[0]).toMatch(/drop_table.*ok.*held.*approved/);
		expect(approved[1]).toMatch(/query.*error/);
		expect(await page.getByTestId('integrity').textContent()).toContain('unsigned');
		// A recording without the policy in its start event: the digest the device uploaded, said as such.
		expect(await page.getByTestId('policy').textContent()).toMatch(new RegExp(`sha256 ${'b'.repeat(64)} \\(as uploaded by the device`));
	});

	it('shows a failed tool call as an error, not ok: row, badges and counters; an approver’s denial is not a policy block', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/?user=carol%40example.com`);
		const badges = await page.locator(`[data-session-id="${ids.failing}"] [data-outcome]`).evaluateAll((elements) => elements.map((element) => [element.getAttribute('data-outcome'), element.textContent]));
		expect(badges).toEqual([
			['errors', 'errors 2 (2 tool)'],
			['denied', 'denied 1'],
			['held', 'held 1'],
		]);
		await page.goto(`${collector.url}/sessions/${ids.failing}`);
		const rows = page.getByTestId('exchange');
		const statuses = await rows.locator('summary .status').allTextContents();
		expect(statuses).toEqual(['tool error', 'tool error', 'denied']);
		const colours = await rows.locator('summary .status').evaluateAll((elements) => elements.map((element) => getComputedStyle(element).color));
		expect(colours[0]).toBe('rgb(180, 35, 24)');
		const markers = await rows.nth(2).locator('[data-marker]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-marker')));
		expect(markers).toEqual(['held', 'denied']);
		expect(await page.getByTestId('session-header').textContent()).toMatch(/errors 2 \(2 tool\)/);
		await saveShot(page, 'session-tool-errors');
	});

	it('reads as what the agent did: arguments and first result line inline, images, links, structured content, raw JSON one click away, chatter folded', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${ids.readable}`);
		// initialize, notifications/initialized and tools/list fold into one line; the lone ping stays a row, folded by its own kind.
		const chatter = page.getByTestId('chatter');
		expect(await chatter.count()).toBe(1);
		expect((await chatter.locator('> summary').textContent())?.replace(/\s+/g, ' ')).toBe('3 protocol messages initialize, notifications/initialized, tools/list');
		expect(await chatter.locator('[data-testid=exchange]').first().isVisible()).toBe(false);
		const row = (tool: string) => page.locator('[data-testid=exchange]', { has: page.locator('.subject', { hasText: new RegExp(`^${tool}$`) }) });

		const echo = row('echo');
		expect(await echo.getByTestId('gist-args').textContent()).toBe('message: "hello auditor"');
		expect(await echo.getByTestId('gist-result').textContent()).toBe('Echo: hello auditor');
		const image = row('get-tiny-image');
		expect(await image.getByTestId('gist-result').textContent()).toBe("Here's the image you requested:");
		const thumb = image.getByTestId('image-thumb');
		expect(await thumb.isVisible()).toBe(true);
		expect(await thumb.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth)).toBe(4);
		expect(await image.locator('> summary').textContent()).not.toContain(TINY_PNG.slice(0, 20));

		const links = row('get-resource-links');
		await links.locator('> summary').click();
		const hrefs = await links.locator('.readable [data-testid=resource-link]').evaluateAll((elements) => elements.map((element) => [element.tagName, element.getAttribute('href'), element.textContent]));
		expect(hrefs).toEqual([
			['SPAN', null, 'Text Resource 1 demo://resource/dynamic/text/1'],
			['A', 'https://example.com/spec', 'The spec'],
			['SPAN', null, 'Not a link javascript:alert(1)'],
		]);
		const structured = row('get-structured-content');
		await structured.locator('> summary').click();
		expect(await structured.getByTestId('structured').locator('tr').allTextContents()).toEqual(['temperature33', 'conditionsCloudy', 'humidity82']);
		// Raw JSON-RPC is one click further, not in the way.
		const raw = structured.getByTestId('raw');
		expect(await raw.locator('pre').first().isVisible()).toBe(false);
		await raw.locator('> summary').click();
		expect(await raw.locator('pre').first().textContent()).toContain('"jsonrpc": "2.0"');
		await saveShot(page, 'session-readable');
	});

	it('shows masking next to the value it hides, and says what "in the record only" means', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${ids.readable}`);
		const env = page.locator('[data-testid=exchange]', { has: page.locator('.subject', { hasText: /^get-env$/ }) });
		expect(await env.locator('summary [data-testid=redacted]').allTextContents()).toEqual(['[REDACTED:sensitive-field]', '[REDACTED:aws-secret-key]']);
		await env.locator('> summary').click();
		const lines = (await env.getByTestId('mask-line').allTextContents()).map((text) => text.replace(/\s+/g, ' '));
		expect(lines).toEqual([
			'1 value masked (sensitive-field at $.params.arguments.token) in the request, in the record only: the server received the real value; this record keeps the placeholder.',
			'1 value masked (aws-secret-key at $.result.content[0].text) in the response: the client and this record got the placeholder; the original value is not stored anywhere.',
		]);
		const marked = await env.locator('.readable mark[data-testid=redacted]').evaluateAll((elements) => elements.map((element) => [element.textContent, getComputedStyle(element).backgroundColor]));
		expect(marked).toEqual([
			['[REDACTED:sensitive-field]', 'rgb(255, 224, 138)'],
			['[REDACTED:aws-secret-key]', 'rgb(255, 224, 138)'],
		]);
	});

	it('tells the approval story on a held call: asked when, waited how long, decided by whom, on which channel, why', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${ids.readable}`);
		const held = page.locator('[data-testid=exchange]', { has: page.locator('.subject', { hasText: /^trigger-long-running-operation$/ }) });
		expect(await held.getByTestId('gist-approval').textContent()).toBe('held · waited 22.50 s · approved by audrey@example.com via viewer');
		await held.locator('> summary').click();
		const facts = await held.getByTestId('approval').locator('div').evaluateAll((rows) => rows.map((row) => [row.querySelector('dt')?.textContent, row.querySelector('dd')?.textContent]));
		expect(facts).toEqual([
			['Rule', 'confirm-long'],
			['Requested', '2026-11-22 08:00:06.000 UTC'],
			['Waited', '22.50 s'],
			['Decision', 'approved'],
			['Decided by', 'audrey@example.com'],
			['Channel', 'viewer'],
			['Decided', '2026-11-22 08:00:28.500 UTC'],
			['Reason', 'approved by audrey@example.com in the viewer'],
		]);
		await saveShot(page, 'session-approval');

		// An approver's denial, recorded before decidedBy existed: the reason names who.
		await page.goto(`${collector.url}/sessions/${ids.failing}`);
		const denied = page.locator('[data-testid=exchange]', { has: page.locator('.subject', { hasText: /^get-env$/ }) });
		expect(await denied.getByTestId('gist-approval').textContent()).toMatch(/^held · waited [\d.]+ ms · denied by audrey@example.com via viewer$/);
		expect(await denied.locator('summary .status').textContent()).toBe('denied');
	});

	it('opens the row a permalink names', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${ids.readable}`);
		const seq = await page.locator('[data-testid=exchange]', { has: page.locator('.subject', { hasText: /^echo$/ }) }).getAttribute('data-seq');
		const link = await page.locator(`#seq-${seq} a.permalink`).getAttribute('href');
		await page.goto(`${collector.url}/sessions/${ids.readable}${link}`);
		expect(await page.locator(`#seq-${seq}`).evaluate((element: HTMLDetailsElement) => element.open)).toBe(true);
		// A folded protocol row opens with its run.
		await page.goto(`${collector.url}/sessions/${ids.readable}#seq-1`);
		expect(await page.locator('#seq-1').isVisible()).toBe(true);
	});

	it('says when, who and with which groups and issuer, and gives the session away as evidence that `mcprec verify --bundle` checks offline', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${ids.readable}`);
		const header = page.getByTestId('session-header');
		expect(await header.textContent()).toContain('2026-11-22 08:00:00.000000 UTC');
		expect(await header.getByTestId('identity-groups').textContent()).toBe('contractors, engineering');
		expect(await header.getByTestId('identity-issuer').textContent()).toBe(issuer.issuer);

		// The sealed session: download through the page, check it with the built binary, then alter one event.
		await page.goto(`${collector.url}/sessions/${ids.guarded}`);
		expect(await page.getByTestId('evidence').textContent()).toContain(`mcprec verify --bundle mcprec-evidence-${ids.guarded}.tar`);
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-evidence').click()]);
		expect(download.suggestedFilename()).toBe(`mcprec-evidence-${ids.guarded}.tar`);
		const file = path.join(folder, download.suggestedFilename());
		await download.saveAs(file);
		await saveShot(page, 'session-evidence');
		const { folder: inside, files } = readBundle(fs.readFileSync(file));
		expect(inside).toBe(`mcprec-evidence-${ids.guarded}`);
		expect(Object.keys(files).sort()).toEqual(['README.txt', 'device-key.json', 'events.ndjson', 'seal.json', 'session.json']);
		expect(files['events.ndjson']!.toString().trim().split('\n')).toHaveLength(8);

		const home = path.join(folder, 'verify-home');
		const checked = await runMcprec(['verify', '--bundle', file], home);
		expect(checked.exitCode).toBe(0);
		expect(String(checked.stdout)).toBe(`✓ ${ids.guarded} intact (8 events, signature ok (device alice-laptop))`);

		const lines = files['events.ndjson']!.toString().trim().split('\n').map((line) => JSON.parse(line));
		lines[3].payload = Buffer.from(Buffer.from(lines[3].payload, 'base64').toString().replace('REDACTED', 'redacted')).toString('base64');
		const altered = path.join(folder, 'altered.tar');
		fs.writeFileSync(altered, writeBundle(inside, { ...files, 'events.ndjson': `${lines.map((line) => JSON.stringify(line)).join('\n')}\n` }, 0));
		const refused = await runMcprec(['verify', '--bundle', altered, '--json'], home);
		expect(refused.exitCode).toBe(1);
		expect(JSON.parse(String(refused.stdout))).toMatchObject({ sessionId: ids.guarded, intact: false, firstBadSeq: 3, problem: 'hash does not match the event (it was altered)' });

		// An unsigned session checks its chain only, and says so.
		const raw = await fetch(`${collector.url}/api/v1/sessions/${ids.failing}/evidence`, { headers: { authorization: `Bearer ${tokens.carol}` } });
		expect(raw.headers.get('content-type')).toBe('application/x-tar');
		const unsignedFile = path.join(folder, 'unsigned.tar');
		fs.writeFileSync(unsignedFile, Buffer.from(await raw.arrayBuffer()));
		const plain = await runMcprec(['verify', '--bundle', unsignedFile], home);
		expect(plain.exitCode).toBe(0);
		expect(String(plain.stdout)).toContain('intact (8 events, no device signature: only the chain was checked)');
		expect((await fetch(`${collector.url}/api/v1/sessions/${ids.failing}/evidence`, { headers: { authorization: `Bearer ${tokens.alice}` } })).status).toBe(403);
	});

	it('tells someone with no sessions yet how to sync them', async () => {
		const newcomer = await signIn('dave');
		try {
			const empty = newcomer.page.getByTestId('empty');
			expect(await empty.textContent()).toContain('No sessions of yours yet');
			expect(await empty.locator('pre').textContent()).toBe(`mcprec login\nmcprec sync --endpoint ${collector.url}`);
			await saveShot(newcomer.page, 'session-list-empty');
			await newcomer.page.goto(`${collector.url}/?server=nothing-here`);
			expect(await newcomer.page.getByTestId('empty').textContent()).toContain('No sessions match these filters.');
		} finally {
			await newcomer.context.close();
		}
	});

	it('pages through a 3000-event session without showing an exchange twice or losing one', async () => {
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${ids.large}`);
		const rows = page.getByTestId('exchange');
		const first = await rows.count();
		expect(first).toBeGreaterThan(100);
		expect(first).toBeLessThan(400);
		for (let clicks = 0; clicks < 20 && (await page.getByTestId('timeline-end').count()) === 0; clicks++) {
			const before = await rows.count();
			const more = page.getByTestId('load-more');
			if ((await more.count()) > 0) await more.click().catch(() => {});
			await page.waitForFunction((count) => document.querySelectorAll('[data-testid=exchange]').length > count || document.querySelector('[data-testid=timeline-end]'), before);
		}
		const seqs = await rows.evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-seq'))));
		expect(seqs).toEqual(Array.from({ length: 1500 }, (_, index) => index * 2));
		const summaries = await rows.locator('summary .status').allTextContents();
		expect(summaries.every((status) => status === 'ok')).toBe(true);
	});

	it('lets an approver approve a pending call; others see theirs without buttons and get 403', async () => {
		const expiresAt = new Date(Date.now() + 120_000).toISOString();
		const publish = (id: string) =>
			api('POST', '/api/v1/approvals', tokens.alice!, { id, sessionId: ids.guarded, server: 'db-prod', method: 'tools/call', tool: 'drop_table', rule: 'confirm-drops', summary: '{"table":"users"}', digest: `sha256:${id}`, expiresAt });
		expect((await publish('ab12cd34')).status).toBe(201);
		expect((await publish('ab12cd34')).status).toBe(200);
		expect((await publish('ef56ab78')).status).toBe(201);
		expect((await api('POST', '/api/v1/approvals', tokens.bob!, { id: 'ab12cd34', sessionId: ids.guarded, server: 'x', summary: '{}', digest: 'd', expiresAt })).status).toBe(409);

		const { page } = auditor;
		await page.goto(`${collector.url}/approvals`);
		const row = page.locator('[data-testid=pending-approval][data-approval-id=ab12cd34]');
		expect(await row.textContent()).toContain('drop_table');
		await row.getByTestId('approve').click();
		await page.waitForURL('**/approvals?notice=*');
		expect(await page.getByTestId('notice').textContent()).toContain('Approved drop_table on db-prod (ab12cd34)');
		expect(await page.locator('[data-testid=pending-approval][data-approval-id=ab12cd34]').count()).toBe(0);
		expect(await api('GET', '/api/v1/approvals/ab12cd34', tokens.alice!)).toMatchObject({ status: 200, body: { status: 'approved', decidedBy: 'audrey@example.com' } });
		expect(await api('POST', '/api/v1/approvals/ab12cd34/decision', tokens.audrey!, { decision: 'denied' })).toMatchObject({ status: 409, body: { error: { code: 'approval_settled' } } });

		// alice owns the other one: she sees it, has no buttons, and the API refuses her decision.
		const owner = await signIn('alice');
		try {
			expect(await rowIds(owner.page)).toEqual([ids.large, ids.guarded]);
			await owner.page.goto(`${collector.url}/approvals`);
			const mine = owner.page.locator('[data-testid=pending-approval][data-approval-id=ef56ab78]');
			expect(await mine.textContent()).toContain('drop_table');
			expect(await owner.page.getByTestId('approve').count()).toBe(0);
			const posted = await owner.page.evaluate(async () => {
				const response = await fetch('/approvals/ef56ab78/decision', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approved&formToken=x' });
				return response.status;
			});
			expect(posted).toBe(403);
			const other = await owner.page.goto(`${collector.url}/sessions/${ids.approved}`);
			expect(other?.status()).toBe(403);
		} finally {
			await owner.context.close();
		}
		expect(await api('POST', '/api/v1/approvals/ef56ab78/decision', tokens.alice!, { decision: 'approved' })).toMatchObject({ status: 403 });
		expect(await api('GET', '/api/v1/approvals?status=pending', tokens.bob!)).toMatchObject({ status: 200, body: { approvals: [] } });
		expect((await api('GET', '/api/v1/approvals?status=pending', tokens.audrey!)).body.approvals.map((approval: { id: string }) => approval.id)).toEqual(['ef56ab78']);
	});

	it('shows the whole call to the approver: every argument, pretty, in a block that scrolls; and its own page', async () => {
		const expiresAt = new Date(Date.now() + 120_000).toISOString();
		const args = { path: `/srv/${'deep/'.repeat(400)}data`, path2: '/', recursive: true };
		const published = await api('POST', '/api/v1/approvals', tokens.alice!, {
			id: 'long0001',
			sessionId: ids.guarded,
			server: 'filesystem',
			method: 'tools/call',
			tool: 'delete_directory',
			rule: 'confirm-deletes',
			summary: JSON.stringify(args).slice(0, 299),
			arguments: args,
			digest: 'sha256:long0001',
			expiresAt,
		});
		expect(published.body.viewerUrl).toBe(`${collector.url}/approvals/long0001`);

		const { page } = auditor;
		await page.goto(`${collector.url}/approvals`);
		const row = page.locator('[data-testid=pending-approval][data-approval-id=long0001]');
		// Every argument by name above the block, the one after the long value included.
		expect(await row.getByTestId('argument-names').textContent()).toBe('3 arguments: path (2,011 characters), path2, recursive');
		const block = row.getByTestId('arguments');
		expect(await block.textContent()).toBe(JSON.stringify(args, null, 2));
		const box = await block.evaluate((element) => ({ overflowY: getComputedStyle(element).overflowY, scrollHeight: element.scrollHeight, clientHeight: element.clientHeight }));
		expect(box.overflowY).toBe('auto');
		expect(box.scrollHeight).toBeGreaterThan(box.clientHeight);
		// The short dangerous arguments after the long one are there to scroll to.
		const scrolled = await block.evaluate((element) => {
			element.scrollTo(0, element.scrollHeight);
			return element.scrollTop + element.clientHeight >= element.scrollHeight - 1;
		});
		expect(scrolled).toBe(true);

		await page.goto(published.body.viewerUrl);
		const single = page.getByTestId('approval');
		expect(await single.getByTestId('arguments').textContent()).toBe(JSON.stringify(args, null, 2));
		expect(await single.textContent()).toContain('alice@example.com');
		await single.getByTestId('deny').click();
		await page.waitForURL('**/approvals?notice=*');
		expect(await api('GET', '/api/v1/approvals/long0001', tokens.alice!)).toMatchObject({ body: { status: 'denied', decidedBy: 'audrey@example.com' } });
	});

	it('offers an approver no Approve button for their own call unless its rule allows it', async () => {
		const expiresAt = new Date(Date.now() + 120_000).toISOString();
		const publish = (id: string, selfApprove: boolean) =>
			api('POST', '/api/v1/approvals', tokens.audrey!, { id, sessionId: ids.guarded, server: 'db-prod', tool: 'drop_table', rule: 'confirm-drops', summary: '{}', arguments: {}, selfApprove, digest: `sha256:${id}`, expiresAt });
		await publish('mine0001', false);
		await publish('mine0002', true);
		const { page } = auditor;
		await page.goto(`${collector.url}/approvals`);
		const strict = page.locator('[data-testid=pending-approval][data-approval-id=mine0001]');
		expect(await strict.getByTestId('approve').count()).toBe(0);
		expect(await strict.getByTestId('own-call').textContent()).toBe('You made this call: another approver must approve it.');
		expect(await strict.getByTestId('deny').count()).toBe(1);
		const forged = await page.evaluate(async (token) => {
			const response = await fetch('/approvals/mine0001/decision', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `decision=approved&formToken=${encodeURIComponent(token)}` });
			return { status: response.status, text: await response.text() };
		}, (await strict.locator('input[name=formToken]').getAttribute('value'))!);
		expect(forged.status).toBe(403);
		expect(forged.text).toContain('is for a call you made');
		const relaxed = page.locator('[data-testid=pending-approval][data-approval-id=mine0002]');
		await relaxed.getByTestId('approve').click();
		await page.waitForURL('**/approvals?notice=*');
		expect(await api('GET', '/api/v1/approvals/mine0002', tokens.audrey!)).toMatchObject({ body: { status: 'approved', decidedBy: 'audrey@example.com' } });
		await api('POST', '/api/v1/approvals/mine0001/withdraw', tokens.audrey!, { status: 'cancelled' });
	});

	it('lets an auditor place and lift a legal hold on the session page; an owner sees it without the controls', async () => {
		const id = await upload('alice', { server: 'held-server', startedAt: '2026-11-21T10:00:00Z' }, [request(1, 'echo', { message: 'keep me' }), response(1, 'echo', { content: [] })]);
		const { page } = auditor;
		await page.goto(`${collector.url}/sessions/${id}`);
		expect(await page.getByTestId('legal-hold').textContent()).toBe('none');
		await page.getByTestId('hold-reason').fill('case 7');
		await page.getByTestId('place-hold').click();
		await page.waitForURL(`**/sessions/${id}`);
		const today = new Date().toISOString().slice(0, 10);
		expect(await page.getByTestId('legal-hold').textContent()).toBe(`held by audrey@example.com since ${today} (case 7): retention keeps it`);
		expect(await api('GET', `/api/v1/sessions/${id}/legal-hold`, tokens.alice!)).toMatchObject({ status: 200, body: { placedBy: 'audrey@example.com', reason: 'case 7' } });

		const owner = await signIn('alice');
		try {
			await owner.page.goto(`${collector.url}/sessions/${id}`);
			expect(await owner.page.getByTestId('legal-hold').textContent()).toContain('held by audrey@example.com');
			expect(await owner.page.getByTestId('lift-hold').count()).toBe(0);
			const forged = await owner.page.evaluate(async (target) => {
				const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=lift&formToken=x' });
				return response.status;
			}, `/sessions/${id}/legal-hold`);
			expect(forged).toBe(403);
		} finally {
			await owner.context.close();
		}

		await page.getByTestId('lift-hold').click();
		await page.waitForURL(`**/sessions/${id}`);
		expect(await page.getByTestId('legal-hold').textContent()).toBe('none');
		expect((await api('GET', `/api/v1/sessions/${id}/legal-hold`, tokens.audrey!)).status).toBe(404);
	});

	it('says when and by which policy a session was pruned', async () => {
		const id = await upload('alice', { server: 'old-server', startedAt: '2020-01-01T10:00:00Z', endedAt: '2020-01-01T11:00:00Z' }, [request(1, 'echo', { message: 'old' })]);
		const pruned = await collector.store.pruneSessions({ endedBefore: Date.parse('2021-01-01T00:00:00Z') * 1000, policy: 'retention 365d', at: Date.parse('2026-12-01T12:00:00Z'), limit: 1000 });
		expect(pruned.map((session) => session.sessionId)).toContain(id);
		const { page } = auditor;
		const answer = await page.goto(`${collector.url}/sessions/${id}`);
		expect(answer?.status()).toBe(410);
		expect(await page.locator('main').textContent()).toContain(`session '${id}' was pruned by policy (retention 365d) on 2026-12-01; 1 events`);
	});

	it('sends a signed-out browser to sign in and refuses forged cookies', async () => {
		const context = await browser.newContext();
		try {
			await context.addCookies([{ name: 'mcprec_viewer', value: 'forged', url: collector.url }]);
			const page = await context.newPage();
			await page.goto(`${collector.url}/sessions/${ids.guarded}`);
			await page.waitForURL(`${issuer.issuer}/**`);
			const fragment = await fetch(`${collector.url}/sessions/${ids.guarded}/exchanges?afterSeq=0`);
			expect(fragment.status).toBe(401);
		} finally {
			await context.close();
		}
	});
});
