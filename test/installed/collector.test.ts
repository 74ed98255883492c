// The team side, all from the installed package on PATH: `mcprec login` through a real
// OIDC provider (device flow), `mcprec server` started as a person starts it, a session
// recorded by `mcprec run` and uploaded with `mcprec sync`, then the web viewer in
// headless Chromium showing it verified; `whoami` and `logout` around it.
// (The first collector release crashed on start from an installed package; this is the
// test that would have said so.)

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, servers } from '../helpers/mcprec.js';
import { CLIENT_ID, TestProvider } from '../helpers/oidc-provider.js';
import { installedPackage, mcprec, userEnvironment, type InstalledPackage } from './installed-package.js';

const AUDIENCE = 'urn:mcprec:collector';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
/** No desktop: `login` must not try to open a browser. */
const HEADLESS = { DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };

let installed: InstalledPackage;
let provider: TestProvider;
let home: string;
let port: number;
let server: ChildProcess | undefined;
let serverOutput = '';
let browser: Browser | undefined;

async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port: free } = probe.address() as net.AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return free;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!probe()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

beforeAll(async () => {
	installed = await installedPackage();
	port = await freePort();
	provider = await TestProvider.start({ resourceServers: [AUDIENCE], viewer: { clientId: 'mcprec-viewer', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] } });
	home = makeHome('mcprec-installed-collector-');
	fs.writeFileSync(path.join(home, 'config.yaml'), `identity:\n  issuer: ${provider.issuer}\n  clientId: ${CLIENT_ID}\n  scope: groups\nsync:\n  audience: ${AUDIENCE}\n`);
}, 20 * 60_000);

afterAll(async () => {
	await browser?.close();
	server?.kill('SIGTERM');
	await provider?.close();
	if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe('collector, sync and viewer from the installed package', () => {
	it('login signs in with the device flow, and whoami shows who', async () => {
		const login = spawn('mcprec', ['login', '--no-browser'], { env: userEnvironment(installed, home, HEADLESS), stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		login.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
		login.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
		await waitFor('the user code', () => /enter the code:\s+\S+/.test(output));
		await provider.approve(/enter the code:\s+(\S+)/.exec(output)![1]!, { account: 'alice' });
		const code = await new Promise<number | null>((resolve) => login.on('close', resolve));
		expect(code, output).toBe(0);
		const whoami = await mcprec(installed, home, ['whoami', '--json']);
		expect(whoami.exitCode, whoami.stderr).toBe(0);
		expect(JSON.parse(whoami.stdout)).toMatchObject({ issuer: provider.issuer, subject: 'alice', email: 'alice@example.com' });
	}, 60_000);

	it('server starts and listens, with no unexpected error', async () => {
		server = spawn(
			'mcprec',
			['server', '--port', String(port), '--host', '127.0.0.1', '--database', path.join(home, 'collector.db'), '--issuer', provider.issuer, '--audience', AUDIENCE, '--auditor-group', 'auditors'],
			{ env: userEnvironment(installed, home), stdio: ['ignore', 'pipe', 'pipe'] },
		);
		server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString('utf8')));
		server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString('utf8')));
		let exited = false;
		server.on('exit', () => (exited = true));
		await waitFor('the collector to listen', () => exited || serverOutput.includes(`listening on http://127.0.0.1:${port}`));
		expect(exited, serverOutput).toBe(false);
		expect(serverOutput).not.toMatch(/unexpected error|ERR_MODULE_NOT_FOUND/);
		expect((await fetch(`http://127.0.0.1:${port}/api/v1/sessions`)).status).toBe(401);
		// Auth is checked by route, not by URL prefix: a percent-encoded API path is no way in.
		expect((await fetch(`http://127.0.0.1:${port}/%61pi/v1/sessions`)).status).toBe(401);
		expect((await fetch(`http://127.0.0.1:${port}/%61pi/v1/devices/squat`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
	}, 30_000);

	it('sync uploads a session that run recorded, and seals it', async () => {
		const client = new Client({ name: 'installed-collector-test', version: '1.0.0' });
		await client.connect(new StdioClientTransport({ command: 'mcprec', args: ['run', '--name', 'everything', '--', 'node', servers.everything, 'stdio'], env: userEnvironment(installed, home), stderr: 'pipe' }));
		await client.callTool({ name: 'echo', arguments: { message: 'synced from an installed mcprec' } });
		await client.close();
		const deadline = Date.now() + 20_000;
		// The session closes a moment after the client does; sync seals only closed sessions.
		while (Date.now() < deadline) {
			const listed = JSON.parse((await mcprec(installed, home, ['sessions', '--json'])).stdout);
			if (listed[0]?.endedAt) break;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const result = await mcprec(installed, home, ['sync', '--endpoint', `http://127.0.0.1:${port}`, '--json']);
		expect(result.exitCode, result.stderr).toBe(0);
		expect(JSON.parse(result.stdout).totals).toMatchObject({ sessions: 1, synced: 1, failed: 0 });
		const again = await mcprec(installed, home, ['sync', '--json']);
		expect(again.exitCode, again.stderr).toBe(0);
		expect(JSON.parse(again.stdout).totals).toMatchObject({ sessions: 0 });
	}, 60_000);

	it('the viewer, in Chromium, signs alice in and shows her session verified', async () => {
		browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
		const page = await (await browser.newContext()).newPage();
		await page.goto(`http://127.0.0.1:${port}/`);
		await page.waitForURL(`${provider.issuer}/**`);
		await page.fill('input[name=login]', 'alice');
		await page.fill('input[name=password]', 'any password');
		await page.click('button[type=submit]');
		await page.waitForSelector('button[type=submit]');
		await page.click('button[type=submit]');
		await page.waitForURL(`http://127.0.0.1:${port}/`);
		expect(await page.getByTestId('signed-in-as').textContent()).toBe('alice@example.com');
		const row = page.getByTestId('session-row');
		expect(await row.count()).toBe(1);
		expect(await row.locator('[data-integrity]').textContent()).toBe('verified');
		await row.locator('a').first().click();
		await page.waitForURL('**/sessions/**');
		expect(await page.content()).toContain('echo');
		// After signing in, the viewer sends people back only to its own pages: a returnTo that a
		// browser would read as another site (a tab it drops, a backslash) lands on the list.
		for (const returnTo of ['%2F%09%2Fevil.test%2F', '%2F%5Cevil.test', '%2F%2Fevil.test']) {
			await page.goto(`http://127.0.0.1:${port}/auth/login?returnTo=${returnTo}`);
			await page.waitForURL((url) => url.origin === `http://127.0.0.1:${port}` && !url.pathname.startsWith('/auth/'), { timeout: 15_000 }).catch(() => undefined);
			if (page.url().startsWith(provider.issuer)) {
				// The identity provider asks again (its own session may be gone): consent once more.
				await page.click('button[type=submit]');
				await page.waitForURL((url) => !url.href.startsWith(provider.issuer));
			}
			expect(new URL(page.url()).host, returnTo).toBe(`127.0.0.1:${port}`);
		}
	}, 60_000);

	it('logout drops the login, and whoami then says so', async () => {
		const logout = await mcprec(installed, home, ['logout']);
		expect(logout.exitCode, logout.stderr).toBe(0);
		const whoami = await mcprec(installed, home, ['whoami']);
		expect(whoami.exitCode).toBe(1);
	});
});
