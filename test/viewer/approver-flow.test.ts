// The approver's side of a held call (issue 20, "approvals with context"), all real: a real
// OIDC provider (device flow for the CLI, authorization code for the viewer), a real
// collector with its viewer, the built `mcprec run` holding a call for alice, and carol,
// an approver, in headless Chromium. Carol's open list shows the call without a reload;
// its page shows who asked (with groups), the rule, the whole arguments, when it was asked,
// a waiting clock that runs, and the expiry as a time and a countdown in words; its session
// is already on the collector; she approves with a reason, the call is released, the row
// leaves another open list by itself, and the reason is in alice's store and the collector.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/server/start-collector.js';
import { newSessionId } from '../../src/event/session-id.js';
import { testCollectorSettings } from '../helpers/collector-fixtures.js';
import { ACCOUNTS, CLIENT_ID, TestProvider } from '../helpers/oidc-provider.js';
import { fixture, makeHome, mcprecBin, payloadOf, readEvents, removeHome } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { waitFor } from '../helpers/sdk-client.js';
import { signInThroughProvider } from '../helpers/viewer-browser.js';

const AUDIENCE = 'urn:mcprec:collector';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const baseEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };
const POLICY = ['version: 1', 'rules:', '  - name: confirm-deletes', '    match: { tool: "delete_*" }', '    action: approve', '    timeout: 10m', ''].join('\n');
const REASON = 'OPS-4711: the note is a leftover from the migration; checked with Alice.';

let provider: TestProvider;
let collector: RunningCollector;
let browser: Browser;
let folder: string;
let alice: string;

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** A home signed in as `account` through the provider's device flow, syncing to the collector. */
async function signedInHome(account: string): Promise<string> {
	const home = makeHome(`mcprec-approver-flow-${account}-`);
	fs.writeFileSync(path.join(home, 'config.yaml'), `identity:\n  issuer: ${provider.issuer}\n  clientId: ${CLIENT_ID}\n  scope: groups\nsync:\n  audience: ${AUDIENCE}\n  endpoint: ${collector.url}\n`);
	fs.writeFileSync(path.join(home, 'policy.yaml'), POLICY);
	const login = spawn(process.execPath, [mcprecBin, 'login', '--no-browser'], { env: { ...process.env, ...baseEnv, MCPREC_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	login.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
	const code = await waitFor('the user code', () => /enter the code:\s+(\S+)/.exec(stderr)?.[1], 20_000);
	await provider.approve(code, { account });
	expect(await new Promise<number | null>((resolve) => login.on('close', resolve)), stderr).toBe(0);
	return home;
}

/** A browser signed in to the viewer as `account`, through the provider's login and consent pages. */
async function signIn(account: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signInThroughProvider(page, { start: `${collector.url}/approvals`, issuer: provider.issuer, user: account });
	expect(await page.getByTestId('signed-in-as').textContent()).toBe(ACCOUNTS[account]!.email);
	return { context, page };
}

/** Alice's access token for the collector, as her login stored it. */
function aliceToken(): string {
	return JSON.parse(JSON.parse(fs.readFileSync(path.join(alice, 'credentials.json'), 'utf8')).entries.login).accessToken as string;
}

async function api(url: string, token: string): Promise<Record<string, any>> {
	const response = await fetch(`${collector.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
	return (await response.json()) as Record<string, any>;
}

/** Saves a screenshot for reviewers under test-artifacts/viewer/ (gitignored). */
async function saveShot(page: Page, name: string): Promise<void> {
	const shots = path.resolve(import.meta.dirname, '../../test-artifacts/viewer');
	fs.mkdirSync(shots, { recursive: true });
	await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-approver-flow-'));
	const port = await freePort();
	provider = await TestProvider.start({ resourceServers: [AUDIENCE], viewer: { clientId: 'mcprec-viewer', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] } });
	collector = await startCollector({
		settings: testCollectorSettings({ folder, port, issuer: provider.issuer, audience: AUDIENCE, approverGroup: 'engineering', viewerClientId: 'mcprec-viewer', viewerScope: 'openid email groups' }),
	});
	browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
	alice = await signedInHome('alice');
}, 90_000);

afterAll(async () => {
	await browser?.close();
	await collector?.close();
	await provider?.close();
	if (alice) removeHome(alice);
	if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

describe('an approver deciding a held call in the viewer', () => {
	let run: RawSession;
	afterAll(() => run?.kill());

	it('sees it arrive, with its context and its session, approves with a reason, and the call goes through', async () => {
		const carol = await signIn('carol');
		const watcher = await carol.context.newPage();
		await watcher.goto(`${collector.url}/approvals`);
		const { page } = carol;
		expect(await page.getByTestId('no-pending').isVisible()).toBe(true);
		// Set on the loaded page: still there after the call appears means nothing reloaded it.
		await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

		run = startRaw([process.execPath, fixture('raw-server.mjs')], alice, { env: baseEnv, runOptions: ['--name', 'notes', '--policy', path.join(alice, 'policy.yaml')] });
		const args = { id: 'note-42', path: `/srv/notes/${'archive/'.repeat(40)}42.md`, recursive: true };
		run.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_note', arguments: args } }));

		const row = page.getByTestId('pending-approval');
		await row.waitFor({ timeout: 20_000 });
		expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
		expect(await page.getByTestId('pending-count').textContent()).toBe('(1)');
		const rowText = (await row.textContent())!.replace(/\s+/g, ' ');
		expect(rowText).toContain('delete_note on notes');
		expect(rowText).toContain('alice@example.com (alice)');
		expect(await row.getByTestId('requester-groups').textContent()).toBe(`groups: ${ACCOUNTS.alice!.groups.join(', ')}`);
		expect(rowText).toContain('confirm-deletes');
		expect(await row.getByTestId('expiry-clock').textContent()).toMatch(/^in (9 minutes( \d+ seconds?)?|10 minutes)$/);
		await saveShot(page, 'approvals-pending');

		// Its own page: every fact, and clocks that run.
		await row.locator('a', { hasText: 'delete_note' }).click();
		await page.waitForURL('**/approvals/*');
		const id = new URL(page.url()).pathname.split('/').pop()!;
		const detail = page.getByTestId('approval');
		expect(await detail.getByTestId('requester').textContent()).toContain('alice@example.com');
		expect(await detail.getByTestId('rule').textContent()).toBe('confirm-deletes');
		expect(await detail.getByTestId('arguments').textContent()).toBe(JSON.stringify(args, null, 2));
		const requestedAt = (await detail.getByTestId('requested-at').textContent())!;
		expect(requestedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
		const published = await api(`/api/v1/approvals/${id}`, aliceToken());
		expect(requestedAt).toBe(`${published.requestedAt.slice(0, 19).replace('T', ' ')} UTC`);
		expect(await detail.getByTestId('expires').textContent()).toBe(`${published.expiresAt.slice(0, 19).replace('T', ' ')} UTC (${await detail.getByTestId('expiry-clock').textContent()})`);
		const waited = (await detail.getByTestId('waited-clock').textContent())!;
		expect(waited).toMatch(/^\d+ seconds?$/);
		await page.waitForFunction((before) => document.querySelector('[data-testid=waited-clock]')?.textContent !== before, waited, { timeout: 5000 });
		await saveShot(page, 'approval-pending');

		// The session so far is on the collector already, with the held call in it.
		await detail.getByTestId('session-link').click();
		await page.waitForURL('**/sessions/*');
		expect(await page.getByTestId('gist-approval').first().textContent()).toMatch(/^held for approval/);
		await page.goBack();

		// Another tab on this approval's own page.
		const detailWatcher = await carol.context.newPage();
		await detailWatcher.goto(`${collector.url}/approvals/${id}`);
		expect(await detailWatcher.getByTestId('approve').count()).toBe(1);

		await page.getByTestId('approval').getByTestId('reason').fill(REASON);
		await page.getByTestId('approval').getByTestId('approve').click();
		await page.waitForURL('**/approvals?notice=*');
		expect(await page.getByTestId('notice').textContent()).toBe(`Approved delete_note on notes (${id}). Reason: ${REASON}`);

		// The other open list drops the decided call by itself and shows the reason.
		await watcher.getByTestId('pending-approval').waitFor({ state: 'detached', timeout: 10_000 });
		expect(await watcher.getByTestId('no-pending').isVisible()).toBe(true);
		await watcher.locator(`[data-testid=recent-approvals] tr[data-approval-id="${id}"]`).waitFor({ timeout: 10_000 });
		expect(await watcher.locator(`tr[data-approval-id="${id}"]`).getByTestId('decision-reason').textContent()).toBe(REASON);
		await saveShot(watcher, 'approvals-decided');
		// The approval's page in the other tab turns into the decision by itself: no buttons, who and why.
		await detailWatcher.locator('[data-testid=approval][data-status=approved]').waitFor({ timeout: 10_000 });
		expect(await detailWatcher.getByTestId('approve').count()).toBe(0);
		expect(await detailWatcher.getByTestId('decision-reason').textContent()).toBe(REASON);
		expect(await detailWatcher.getByTestId('waiting').textContent()).toMatch(/^\d+ seconds?$/);

		const answer = JSON.parse((await run.response(1, 15_000)).toString('utf8')) as { result?: { structuredContent?: unknown } };
		expect(answer.result?.structuredContent).toEqual(args);
		await page.goto(`${collector.url}/approvals/${id}`);
		expect(await page.getByTestId('decision-reason').textContent()).toBe(REASON);
		expect(await page.getByTestId('decided-by').textContent()).toBe(ACCOUNTS.carol!.email);

		// A call whose session has not reached the collector (an older mcprec, or the upload failed): the link says so in words.
		const unsynced = newSessionId();
		const published2 = await fetch(`${collector.url}/api/v1/approvals`, {
			method: 'POST',
			headers: { authorization: `Bearer ${aliceToken()}`, 'content-type': 'application/json' },
			body: JSON.stringify({ id: 'old00001', sessionId: unsynced, server: 'notes', tool: 'delete_note', rule: 'confirm-deletes', summary: '{}', arguments: {}, digest: 'sha256:old', expiresAt: new Date(Date.now() + 60_000).toISOString() }),
		});
		expect(published2.status).toBe(201);
		const missing = await page.goto(`${collector.url}/sessions/${unsynced}`);
		expect(missing?.status()).toBe(404);
		const said = (await page.locator('main').textContent())!;
		expect(said).toContain(`Session ${unsynced} has not reached the collector yet.`);
		expect(said).not.toContain('PUT /api/v1');
		await carol.context.close();

		// The collector keeps the reason with the decision; alice's store records it in the decision event.
		expect(await api(`/api/v1/approvals/${id}`, aliceToken())).toMatchObject({ status: 'approved', decidedBy: ACCOUNTS.carol!.email, reason: REASON });
		run.end();
		await run.exit(15_000);
		const decision = readEvents(alice)
			.filter((event) => event.kind === 'decision' && event.rpc_id === '1')
			.map((event) => JSON.parse(payloadOf(event).toString('utf8')) as Record<string, unknown>)
			.at(-1);
		expect(decision).toMatchObject({ status: 'approved', via: 'viewer', decidedBy: ACCOUNTS.carol!.email, approverReason: REASON, reason: `approved by ${ACCOUNTS.carol!.email} in the viewer: ${REASON}` });
	}, 120_000);
});
