// OAuth for remote MCP servers (issue 16, item 3): an SDK-built server behind the SDK's
// bearer-auth middleware, oidc-provider as its authorization server on 127.0.0.1, the
// person's sign-in and consent driven in headless Chromium. `mcprec login --url` finds the
// authorization server from the 401 (RFC 9728), registers (RFC 7591) or uses --client-id,
// signs in with PKCE S256 and the resource indicator; `run --url` sends the tokens,
// refreshes them silently, and never records them; `logout --url` revokes them.

import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, mcprecBin, readEvents, removeHome, runMcprec, waitForEvents } from '../helpers/mcprec.js';
import { TestProvider } from '../helpers/oidc-provider.js';
import { freePort, startOAuthFixture, type RemoteServer } from '../helpers/remote-server.js';
import { connectRemoteClient, waitFor } from '../helpers/sdk-client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
/** No keychain and no desktop: the file store, and no browser opened by mcprec itself. */
const credentialEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '', CI: '' };

let provider: TestProvider;
let browser: Browser;
/** A server that accepts any valid token for it. */
let server: RemoteServer;
/** The same server, refusing tokens older than 2 s although they expire in an hour. */
let strictServer: RemoteServer;
/** The same server, whose admin tool needs the scope mcp:admin (step-up authorization). */
let stepUpServer: RemoteServer;
const ADMIN_SCOPE = 'mcp:admin';
const logs = { server: '', strict: '' };
let folder: string;
const homes: string[] = [];

beforeAll(async () => {
	folder = makeHome('mcprec-oauth-');
	const [port, strictPort, stepUpPort] = [await freePort(), await freePort(), await freePort()];
	const resources = [`http://127.0.0.1:${port}/mcp`, `http://127.0.0.1:${strictPort}/mcp`, `http://127.0.0.1:${stepUpPort}/mcp`];
	provider = await TestProvider.start({ resourceServers: resources, registration: true, nativeClientId: 'mcprec-native', resourceScopes: [ADMIN_SCOPE] });
	logs.server = path.join(folder, 'server.log');
	logs.strict = path.join(folder, 'strict.log');
	[server, strictServer, stepUpServer] = await Promise.all([
		startOAuthFixture({ port, issuer: provider.issuer, flags: ['--log', logs.server] }),
		startOAuthFixture({ port: strictPort, issuer: provider.issuer, flags: ['--log', logs.strict, '--max-token-age', '2'] }),
		startOAuthFixture({ port: stepUpPort, issuer: provider.issuer, flags: ['--step-up-scope', ADMIN_SCOPE] }),
	]);
	browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await Promise.all([server?.stop(), strictServer?.stop(), stepUpServer?.stop()]);
	await provider?.close();
	for (const home of homes) removeHome(home);
	fs.rmSync(folder, { recursive: true, force: true });
});

function newHome(): string {
	const home = makeHome();
	homes.push(home);
	return home;
}

/** Runs `mcprec login --url` and plays the person: open the printed link, sign in as `account`, consent. */
async function loginInBrowser(home: string, url: string, extra: string[] = [], account = 'alice') {
	const login: ResultPromise = execa(process.execPath, [mcprecBin, 'login', '--url', url, ...extra], {
		reject: false,
		env: { MCPREC_HOME: home, NO_COLOR: '1', ...credentialEnv },
	});
	let stderr = '';
	login.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
	const link = await waitFor('the sign-in link on stderr', () => stderr.match(/^\s+(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m)?.[1], 15_000).catch((error: Error) => {
		throw new Error(`${error.message}\n${stderr}`);
	});
	const shown = await signInAndConsent(link, account);
	const result = await login;
	return { result, link: new URL(link), shown, stderr };
}

/** The person in the browser: the authorization server's login and consent pages, then mcprec's loopback page; returns its heading. */
async function signInAndConsent(link: string, account = 'alice'): Promise<string | null> {
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await page.goto(link);
		await page.fill('input[name=login]', account);
		await page.fill('input[name=password]', 'any password');
		await page.click('button[type=submit]');
		await page.waitForSelector('button[type=submit]', { timeout: 5000 });
		await page.click('button[type=submit]');
		await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 10_000 });
		return await page.textContent('h1');
	} finally {
		await context.close();
	}
}

interface StoredServerTokens {
	server: string;
	issuer: string;
	clientId: string;
	clientKind: string;
	resource: string;
	scope?: string;
	accessToken: string;
	refreshToken?: string;
	expiresAt?: number;
	obtainedAt: number;
}

function storedTokens(home: string): StoredServerTokens[] {
	const file = path.join(home, 'credentials.json');
	if (!fs.existsSync(file)) return [];
	const entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
	const values = (entries.entries ?? entries) as Record<string, string>;
	return Object.entries(values)
		.filter(([key]) => key.startsWith('oauth.'))
		.map(([, value]) => JSON.parse(value) as StoredServerTokens);
}

/** Waits until the stored access token is over 2 s old for the strict server (iat in whole seconds: 3.5 s). */
function tokenAged(home: string): Promise<unknown> {
	return waitFor('the stored access token to age past 2 s', () => Date.now() - storedTokens(home)[0]!.obtainedAt > 3500 || undefined, 10_000);
}

/** Every byte mcprec keeps about sessions: the database, its WAL and the journals. */
function storeBytes(home: string): Buffer {
	const files = (fs.readdirSync(home, { recursive: true }) as string[])
		.map((name) => path.join(home, name))
		.filter((file) => fs.statSync(file).isFile() && !file.endsWith('credentials.json') && !file.endsWith('.lock'));
	return Buffer.concat(files.map((file) => fs.readFileSync(file)));
}

function requestsLogged(file: string): { method: string; status: number; bearer: boolean }[] {
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
}

describe('OAuth-protected remote servers', () => {
	it('run --url without a login answers initialize with an error naming `mcprec login --url`', async () => {
		const home = newHome();
		const failure = await connectRemoteClient({ route: 'mcprec', url: server.url, home, env: credentialEnv }).then(
			() => undefined,
			(error: Error) => error,
		);
		expect(failure?.message).toContain(`requires signing in (OAuth)`);
		expect(failure?.message).toContain(`mcprec login --url ${server.url}`);
	}, 30_000);

	it('login --url registers, signs in with PKCE S256 and the resource indicator; run --url then works and records no token', async () => {
		const home = newHome();
		const registrationsBefore = provider.grants.length;
		const { result, link, shown, stderr } = await loginInBrowser(home, server.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		expect(shown).toBe('Signed in');
		expect(stderr).toContain(`To sign in to ${server.url}`);
		// What the authorization request carried.
		expect(link.searchParams.get('code_challenge_method')).toBe('S256');
		expect(link.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
		expect(link.searchParams.get('resource')).toBe(server.url);
		expect(link.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
		expect(link.searchParams.get('state')).toBeTruthy();
		expect(provider.grants.slice(registrationsBefore)).toEqual(['authorization_code']);
		const [tokens] = storedTokens(home);
		expect(tokens).toMatchObject({ server: server.url, issuer: provider.issuer, resource: server.url, clientKind: 'registered' });
		expect(tokens!.refreshToken).toBeTruthy();
		expect(String(result.stdout)).toContain(`Signed in to ${server.url}`);

		const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home, env: credentialEnv });
		try {
			const who = await connection.client.callTool({ name: 'whoami', arguments: {} });
			expect(JSON.parse((who.content as { text: string }[])[0]!.text)).toMatchObject({ sub: 'alice', clientId: tokens!.clientId });
			const echo = await connection.client.callTool({ name: 'echo', arguments: { text: 'through OAuth' } });
			expect(echo.content).toEqual([{ type: 'text', text: 'through OAuth' }]);
			// A careless server echoes the token: neither the client nor the recording gets it.
			const leak = await connection.client.callTool({ name: 'leak', arguments: {} });
			expect(leak.content).toEqual([{ type: 'text', text: 'your token: [REDACTED:OAUTH_ACCESS_TOKEN]' }]);
		} finally {
			await connection.close();
		}
		const events = await waitForEvents(home, (rows) => rows.some((row) => row.kind === 'lifecycle' && String(row.payload).includes('"end"')));
		expect(events.length).toBeGreaterThan(4);
		const bytes = storeBytes(home);
		for (const secret of [tokens!.accessToken, tokens!.refreshToken!, 'Bearer ']) expect(bytes.includes(Buffer.from(secret))).toBe(false);
	}, 60_000);

	it('a pre-registered --client-id is used as given, without registering', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, server.url, ['--client-id', 'mcprec-native']);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		expect(storedTokens(home)[0]).toMatchObject({ clientId: 'mcprec-native', clientKind: 'pre-registered' });
		expect(String(result.stdout)).toContain('mcprec-native, given with --client-id');
	}, 60_000);

	it('a token the server stops accepting mid-session is refreshed and the request retried, unseen by the client', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, strictServer.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		const connection = await connectRemoteClient({ route: 'mcprec', url: strictServer.url, home, env: credentialEnv });
		let first: StoredServerTokens;
		let refreshesBefore: number;
		try {
			await connection.client.callTool({ name: 'echo', arguments: { text: 'one' } });
			// From here the token grows too old for the server, though it expires in an hour.
			first = storedTokens(home)[0]!;
			refreshesBefore = provider.refreshCount;
			await tokenAged(home);
			const echo = await connection.client.callTool({ name: 'echo', arguments: { text: 'two' } });
			expect(echo.content).toEqual([{ type: 'text', text: 'two' }]);
			expect(connection.stderr()).not.toContain('requires signing in');
		} finally {
			await connection.close();
		}
		expect(provider.refreshCount).toBe(refreshesBefore! + 1);
		const statuses = requestsLogged(logs.strict).filter((entry) => entry.bearer).map((entry) => entry.status);
		expect(statuses).toContain(401);
		expect(statuses.at(-1)).not.toBe(401);
		const refreshed = storedTokens(home)[0]!;
		expect(refreshed.accessToken).not.toBe(first!.accessToken);
		const bytes = storeBytes(home);
		for (const secret of [first!.accessToken, refreshed.accessToken, refreshed.refreshToken!]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
	}, 60_000);

	it('invalid_grant on refresh drops the stale tokens and says so once', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, strictServer.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		const connection = await connectRemoteClient({ route: 'mcprec', url: strictServer.url, home, env: credentialEnv });
		try {
			await connection.client.callTool({ name: 'echo', arguments: { text: 'one' } });
			// Revoked behind mcprec's back (as an administrator or another device would), once
			// the session runs: on a slow machine the session's start may already have refreshed.
			const tokens = storedTokens(home)[0]!;
			const revoked = await fetch(`${provider.issuer}/token/revocation`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ token: tokens.refreshToken!, client_id: tokens.clientId, token_type_hint: 'refresh_token' }),
			});
			expect(revoked.status).toBe(200);
			await tokenAged(home);
			for (const text of ['two', 'three']) {
				const failure = await connection.client.callTool({ name: 'echo', arguments: { text } }).then(
					() => undefined,
					(error: Error) => error,
				);
				expect(failure?.message).toContain(`mcprec login --url ${strictServer.url}`);
			}
			expect(connection.stderr().match(/invalid_grant/g)).toHaveLength(1);
			expect(connection.stderr()).toContain('the stale tokens were deleted');
		} finally {
			await connection.close();
		}
		expect(storedTokens(home)).toEqual([]);
	}, 60_000);

	it('logout --url revokes the refresh token at the authorization server and deletes the local tokens', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, server.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		const tokens = storedTokens(home)[0]!;
		const logout = await runMcprec(['logout', '--url', server.url], home, { env: credentialEnv });
		expect(logout.exitCode, String(logout.stderr)).toBe(0);
		expect(String(logout.stdout)).toContain(`Signed out of ${server.url}`);
		expect(storedTokens(home)).toEqual([]);
		const refresh = await provider.tryRefresh(tokens.refreshToken!, tokens.clientId);
		expect(refresh.body.error).toBe('invalid_grant');
		const again = await runMcprec(['logout', '--url', server.url], home, { env: credentialEnv });
		expect(String(again.stderr)).toContain('Not signed in');
	}, 60_000);

	it('several mcprec processes needing a refresh at once refresh once, and all go on', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, strictServer.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		const tokenRequestsBefore = provider.tokenRequests.length;
		const connections = await Promise.all([1, 2, 3].map(() => connectRemoteClient({ route: 'mcprec', url: strictServer.url, home, env: credentialEnv })));
		try {
			await tokenAged(home);
			const refreshesBefore = provider.refreshCount;
			const answers = await Promise.all(connections.map((connection, index) => connection.client.callTool({ name: 'echo', arguments: { text: `process ${index}` } })));
			expect(answers.map((answer) => answer.content)).toEqual([0, 1, 2].map((index) => [{ type: 'text', text: `process ${index}` }]));
			// Counted before closing: the strict server refuses the new token too 2 s later (the DELETEs may refresh again).
			expect(provider.refreshCount).toBe(refreshesBefore + 1);
		} finally {
			await Promise.all(connections.map((connection) => connection.close()));
		}
		// A second refresh with the rotated-away token would have been refused as invalid_grant.
		expect(provider.tokenRequests.slice(tokenRequestsBefore).filter((request) => request.error === 'invalid_grant')).toEqual([]);
	}, 60_000);

	it('with a desktop, run --url opens the sign-in page itself and the session starts once the person signs in', async () => {
		const home = newHome();
		// A stand-in for xdg-open that hands the page to the test's Chromium.
		const bin = path.join(home, 'bin');
		const opened = path.join(home, 'opened.txt');
		fs.mkdirSync(bin);
		fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
		const env = { ...credentialEnv, DISPLAY: ':99', PATH: `${bin}${path.delimiter}${process.env.PATH}` };
		const connecting = connectRemoteClient({ route: 'mcprec', url: server.url, home, env });
		const link = await waitFor('mcprec to open the sign-in page', () => firstWholeLine(opened), 20_000);
		expect(new URL(link).searchParams.get('resource')).toBe(server.url);
		expect(await signInAndConsent(link)).toBe('Signed in');
		const connection = await connecting;
		try {
			const who = await connection.client.callTool({ name: 'whoami', arguments: {} });
			expect(JSON.parse((who.content as { text: string }[])[0]!.text)).toMatchObject({ sub: 'alice' });
			expect(connection.stderr()).toContain(`signed in to ${server.url}`);
		} finally {
			await connection.close();
		}
		expect(storedTokens(home)).toHaveLength(1);
	}, 60_000);
});

describe('step-up authorization (403 insufficient_scope)', () => {
	const adminScopes = async (connection: Awaited<ReturnType<typeof connectRemoteClient>>) =>
		(JSON.parse(((await connection.client.callTool({ name: 'admin', arguments: {} })).content as { text: string }[])[0]!.text) as { scopes: string[] }).scopes;

	it('without a desktop, the call fails naming `mcprec login --url … --scope` with the granted scopes plus the missing one; after that login the same session goes on', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, stepUpServer.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		const granted = storedTokens(home)[0]!.scope!.split(' ');
		expect(granted).not.toContain(ADMIN_SCOPE);
		const connection = await connectRemoteClient({ route: 'mcprec', url: stepUpServer.url, home, env: credentialEnv });
		try {
			expect(await connection.client.callTool({ name: 'echo', arguments: { text: 'allowed' } })).toMatchObject({ content: [{ text: 'allowed' }] });
			const failure = await connection.client.callTool({ name: 'admin', arguments: {} }).then(
				() => undefined,
				(error: Error) => error,
			);
			expect(failure?.message).toContain(`the MCP server at ${stepUpServer.url} needs more access for this request (403 insufficient_scope) (it asks for: ${ADMIN_SCOPE})`);
			const command = failure!.message.match(/`mcprec login --url (\S+) --scope "([^"]+)"`/);
			expect(command?.[1]).toBe(stepUpServer.url);
			// SEP-2350: what was granted stays asked for, the challenge's scope is added.
			expect(command![2]!.split(' ').sort()).toEqual([...granted, ADMIN_SCOPE].sort());
			const stepUp = await loginInBrowser(home, stepUpServer.url, ['--scope', command![2]!]);
			expect(stepUp.result.exitCode, `${stepUp.result.stderr}`).toBe(0);
			expect(stepUp.link.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining([...granted, ADMIN_SCOPE]));
			// The running session reads the store again on the next 403 and sends the new token.
			expect(await adminScopes(connection)).toEqual(expect.arrayContaining([ADMIN_SCOPE, 'offline_access']));
			expect(await connection.client.callTool({ name: 'echo', arguments: { text: 'still allowed' } })).toMatchObject({ content: [{ text: 'still allowed' }] });
		} finally {
			await connection.close();
		}
		expect(storedTokens(home)).toHaveLength(1);
		expect(storedTokens(home)[0]!.scope!.split(' ')).toContain(ADMIN_SCOPE);
	}, 90_000);

	it('with a desktop, run --url opens the sign-in page for the larger scope itself and answers the call once the person signs in', async () => {
		const home = newHome();
		const { result } = await loginInBrowser(home, stepUpServer.url);
		expect(result.exitCode, `${result.stderr}`).toBe(0);
		const granted = storedTokens(home)[0]!.scope!.split(' ');
		const bin = path.join(home, 'bin');
		const opened = path.join(home, 'opened.txt');
		fs.mkdirSync(bin);
		fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
		const env = { ...credentialEnv, DISPLAY: ':99', PATH: `${bin}${path.delimiter}${process.env.PATH}` };
		const connection = await connectRemoteClient({ route: 'mcprec', url: stepUpServer.url, home, env });
		try {
			const answer = adminScopes(connection);
			const link = await waitFor('mcprec to open the sign-in page', () => firstWholeLine(opened), 20_000);
			expect(new URL(link).searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining([...granted, ADMIN_SCOPE]));
			expect(await signInAndConsent(link)).toBe('Signed in');
			expect(await answer).toEqual(expect.arrayContaining([ADMIN_SCOPE, 'offline_access']));
			// Once is enough: the next call goes straight through.
			expect(await adminScopes(connection)).toContain(ADMIN_SCOPE);
			expect(fs.readFileSync(opened, 'utf8').trim().split('\n')).toHaveLength(1);
		} finally {
			await connection.close();
		}
	}, 90_000);
});

/** The first line of a file once it is written whole (the stand-in browser may still be writing it). */
function firstWholeLine(file: string): string | undefined {
	if (!fs.existsSync(file)) return undefined;
	const text = fs.readFileSync(file, 'utf8');
	const end = text.indexOf('\n');
	return end > 0 ? text.slice(0, end) : undefined;
}
