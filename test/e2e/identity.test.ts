// Identity end to end against a real OIDC provider on loopback (DESIGN §6): device-flow
// login as a person would do it, denial, expiry, silent refresh in `run` (also from
// several processes at once), revocation on logout, identity on the session, policy
// `match.groups` and `identity.required`, the file store's permission checks, and
// secrets that reach the server but never the recording, the logs or the client.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNTS, CLIENT_ID, TestProvider } from '../helpers/oidc-provider.js';
import { fixture, makeHome, mcprecBin, readEvents, readSessions, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const rawServer = ['node', fixture('raw-server.mjs')];
const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const initialize = (id = 1) => request(id, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'identity-test', version: '1' } });
const call = (id: number, name: string, args: object = {}) => request(id, 'tools/call', { name, arguments: args });
const parse = (line: Buffer) => JSON.parse(line.toString('utf8'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment every mcprec gets here: the file store, no desktop, no CI-specific paths. */
const baseEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };

interface LoginRun {
	/** The user code, as soon as mcprec printed it. */
	userCode: Promise<string>;
	done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `mcprec login --no-browser` as a real child process. */
function startLogin(home: string, args: string[] = [], env: Record<string, string> = {}): LoginRun {
	const child = spawn(process.execPath, [mcprecBin, 'login', '--no-browser', ...args], {
		env: { ...process.env, ...baseEnv, MCPREC_HOME: home, NO_COLOR: '1', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	let found: (code: string) => void;
	let missing: (error: Error) => void;
	const userCode = new Promise<string>((resolve, reject) => {
		found = resolve;
		missing = reject;
	});
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString('utf8');
		const match = /enter the code:\s+(\S+)/.exec(stderr);
		if (match) found(match[1]!);
	});
	const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
		child.on('close', (code) => {
			missing(new Error(`login printed no user code; stderr:\n${stderr}`));
			resolve({ code, stdout, stderr });
		});
	});
	return { userCode, done };
}

function writeConfig(home: string, provider: TestProvider, extra = ''): void {
	fs.writeFileSync(path.join(home, 'config.yaml'), `identity:\n  issuer: ${provider.issuer}\n  clientId: ${CLIENT_ID}\n  scope: groups\n${extra}`);
}

/** A home signed in as `account` (login approved through the provider's pages). */
async function signedInHome(provider: TestProvider, account: string): Promise<string> {
	const home = makeHome();
	writeConfig(home, provider);
	const login = startLogin(home);
	await provider.approve(await login.userCode, { account });
	const result = await login.done;
	expect(result.code, result.stderr).toBe(0);
	return home;
}

function storedLogin(home: string): Record<string, unknown> & { accessToken: string; refreshToken: string; endpoints: Record<string, string> } {
	const file = JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8'));
	return JSON.parse(file.entries.login);
}

function writePolicy(home: string, text: string): string {
	const file = path.join(home, 'policy.yaml');
	fs.writeFileSync(file, text);
	return file;
}

/** Runs one short session: initialize, then the given calls; returns their responses. */
async function shortSession(home: string, options: { runOptions?: string[]; calls?: [string, object][] } = {}) {
	const session = startRaw(rawServer, home, { runOptions: options.runOptions, env: baseEnv });
	try {
		session.send(initialize());
		const initialized = parse(await session.response(1));
		const answers: Record<string, unknown>[] = [];
		for (const [index, [tool, args]] of (options.calls ?? []).entries()) {
			session.send(call(10 + index, tool, args));
			answers.push(parse(await session.response(10 + index)));
		}
		session.end();
		const exit = await session.exit();
		return { initialized, answers, exit, stderr: session.stderr, stdoutLines: session.lines };
	} finally {
		session.kill();
	}
}

describe('mcprec login / whoami / logout / run against a real OIDC provider', () => {
	let provider: TestProvider;
	const homes: string[] = [];
	const track = (home: string) => (homes.push(home), home);

	beforeAll(async () => {
		provider = await TestProvider.start();
	});
	afterAll(async () => {
		await provider.close();
		for (const home of homes) removeHome(home);
	});
	beforeEach(() => {
		Object.assign(provider.settings, { accessTokenTtl: 3600, deviceCodeTtl: 600, interval: 1, slowDownPolls: 0 });
	});

	it('signs in with the device flow: prints URL and code, honours interval and slow_down, stores tokens privately', async () => {
		const home = track(makeHome());
		writeConfig(home, provider);
		provider.settings.slowDownPolls = 1;
		const firstRequest = provider.tokenRequests.length;
		const login = startLogin(home);
		const userCode = await login.userCode;
		// Approve only after the slow_down answer, so the next poll has to wait interval + 5 s.
		while (provider.tokenRequests.length === firstRequest) await sleep(50);
		const page = await provider.approve(userCode, { account: 'alice' });
		expect(page).toMatch(/Sign-in Success/);
		const result = await login.done;

		expect(result.code, result.stderr).toBe(0);
		expect(result.stderr).toContain(`${provider.issuer}/device`);
		expect(result.stderr).toContain(`${provider.issuer}/device?user_code=${userCode}`);
		expect(result.stdout).toMatch(/Signed in to http:\/\/127\.0\.0\.1:\d+ as Alice Example <alice@example\.com>/);
		expect(result.stdout).toMatch(/groups: engineering/);
		const polls = provider.tokenRequests.slice(firstRequest);
		expect(polls[0]!.error).toBe('slow_down');
		expect(polls[1]!.at - polls[0]!.at).toBeGreaterThanOrEqual(5_900);

		const credentials = path.join(home, 'credentials.json');
		expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
		expect(fs.statSync(home).mode & 0o777).toBe(0o700);
		expect(fs.readdirSync(home).filter((name) => name.includes('.tmp') || name.endsWith('.lock'))).toEqual([]);
		expect(storedLogin(home).refreshToken).toEqual(expect.any(String));

		const whoami = await runMcprec(['whoami', '--json'], home, { env: baseEnv });
		expect(whoami.exitCode, whoami.stderr).toBe(0);
		const summary = JSON.parse(whoami.stdout);
		expect(summary).toMatchObject({
			signedIn: true,
			issuer: provider.issuer,
			subject: 'alice',
			email: 'alice@example.com',
			name: 'Alice Example',
			groups: ['engineering'],
			store: 'file',
			storeLocation: credentials,
			expired: false,
		});
		expect(Date.parse(summary.expiresAt)).toBeGreaterThan(Date.now());
		expect(whoami.stdout).not.toContain(storedLogin(home).accessToken);

		const text = await runMcprec(['whoami'], home, { env: baseEnv });
		expect(text.stdout).toMatch(/subject\s+alice/);
		expect(text.stdout).toMatch(/store\s+file .*credentials\.json/);
	});

	it('takes issuer and client id from flags and MCPREC_ISSUER / MCPREC_CLIENT_ID too', async () => {
		const home = track(makeHome());
		const viaEnvironment = startLogin(home, ['--groups-claim', 'groups', '--scope', 'groups'], { MCPREC_ISSUER: provider.issuer, MCPREC_CLIENT_ID: CLIENT_ID });
		await provider.approve(await viaEnvironment.userCode, { account: 'carol' });
		expect((await viaEnvironment.done).code).toBe(0);
		expect(storedLogin(home).profile).toMatchObject({ sub: 'carol', groups: ACCOUNTS.carol!.groups });

		const other = track(makeHome());
		const viaFlags = startLogin(other, ['--issuer', provider.issuer, '--client-id', CLIENT_ID], { MCPREC_ISSUER: 'http://127.0.0.1:1', MCPREC_CLIENT_ID: 'wrong' });
		await provider.approve(await viaFlags.userCode, { account: 'alice' });
		expect((await viaFlags.done).code).toBe(0);
	});

	it('ends with exit 1 and a clear message when the person denies at consent', async () => {
		const home = track(makeHome());
		writeConfig(home, provider);
		const login = startLogin(home);
		await provider.approve(await login.userCode, { account: 'alice', deny: true });
		const result = await login.done;
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/mcprec: sign-in was denied at the identity provider \(access_denied/);
		expect(fs.existsSync(path.join(home, 'credentials.json'))).toBe(false);
		expect((await runMcprec(['whoami'], home, { env: baseEnv })).exitCode).toBe(1);
	});

	it('ends with exit 1 when the code expires before anyone approves it', async () => {
		const home = track(makeHome());
		writeConfig(home, provider);
		provider.settings.deviceCodeTtl = 2;
		const result = await startLogin(home).done;
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/the code expired before it was approved; run `mcprec login` again/);
	});

	it('ends with exit 4 when the issuer cannot be reached, and 2 without an issuer', async () => {
		const home = track(makeHome());
		const unreachable = await runMcprec(['login', '--no-browser', '--issuer', 'http://127.0.0.1:1', '--client-id', CLIENT_ID], home, { env: baseEnv });
		expect(unreachable.exitCode).toBe(4);
		expect(unreachable.stderr).toMatch(/cannot reach the identity provider at http:\/\/127\.0\.0\.1:1/);
		const none = await runMcprec(['login', '--no-browser'], home, { env: { ...baseEnv, MCPREC_ISSUER: '', MCPREC_CLIENT_ID: '' } });
		expect(none.exitCode).toBe(2);
		expect(none.stderr).toMatch(/no identity provider configured: pass --issuer URL/);
		const plainHttp = await runMcprec(['login', '--issuer', 'http://login.example.com', '--client-id', 'x'], home, { env: baseEnv });
		expect(plainHttp.exitCode).toBe(2);
		expect(plainHttp.stderr).toMatch(/must use https/);
	});

	it('refreshes an expired access token silently in run and records who ran the session', async () => {
		provider.settings.accessTokenTtl = 2;
		const home = track(await signedInHome(provider, 'carol'));
		const before = storedLogin(home);
		await sleep(2_200);
		const refreshes = provider.refreshCount;
		const session = await shortSession(home, { calls: [['echo', { hello: 'world' }]] });

		expect(session.exit.code).toBe(0);
		expect(session.initialized.result.serverInfo.name).toBe('raw-server');
		// stdout carried only the two responses: nothing from the refresh.
		expect(session.stdoutLines.map((line) => parse(line).id)).toEqual([1, 10]);
		expect(session.stderr).not.toMatch(/login|expired/);
		expect(provider.refreshCount).toBe(refreshes + 1);
		const after = storedLogin(home);
		expect(after.accessToken).not.toBe(before.accessToken);
		expect(after.refreshToken).not.toBe(before.refreshToken);
		expect(readSessions(home)[0]).toMatchObject({
			identity_issuer: provider.issuer,
			identity_sub: 'carol',
			identity_email: 'carol@contractor.example',
			identity_name: 'Carol Contractor',
			identity_groups: JSON.stringify(['contractors', 'engineering']),
		});
		const sessions = JSON.parse((await runMcprec(['sessions', '--json'], home, { env: baseEnv })).stdout);
		expect(sessions[0].user).toBeDefined();
	});

	it('lets several processes refresh at once without losing the rotated refresh token', async () => {
		provider.settings.accessTokenTtl = 4;
		const home = track(await signedInHome(provider, 'alice'));
		await sleep(4_200);
		const refreshes = provider.refreshCount;
		const results = await Promise.all([1, 2, 3, 4, 5].map(() => shortSession(home)));
		for (const result of results) {
			expect(result.exit.code, result.stderr).toBe(0);
			expect(result.stderr).toBe('');
		}
		const sessions = readSessions(home);
		expect(sessions).toHaveLength(5);
		for (const session of sessions) expect(session).toMatchObject({ identity_sub: 'alice', identity_groups: JSON.stringify(['engineering']) });
		// One process refreshed; the others waited for the lock and used its token.
		expect(provider.refreshCount - refreshes).toBeGreaterThanOrEqual(1);
		expect(provider.refreshCount - refreshes).toBeLessThan(5);
		expect(fs.existsSync(path.join(home, 'credentials.lock'))).toBe(false);
		// The stored refresh token is the live one: the grant was never revoked for reuse.
		expect((await provider.tryRefresh(storedLogin(home).refreshToken)).status).toBe(200);
	});

	it('revokes the refresh token on logout and deletes the local tokens', async () => {
		const home = track(await signedInHome(provider, 'alice'));
		const { refreshToken } = storedLogin(home);
		const logout = await runMcprec(['logout'], home, { env: baseEnv });
		expect(logout.exitCode, logout.stderr).toBe(0);
		expect(logout.stdout).toMatch(/Signed out of http:\/\/127\.0\.0\.1:\d+ \(alice@example\.com\); local tokens deleted/);
		expect(logout.stderr).toBe('');
		const refused = await provider.tryRefresh(refreshToken);
		expect(refused.status).toBe(400);
		expect(refused.body.error).toBe('invalid_grant');
		expect(JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8')).entries).toEqual({});
		expect((await runMcprec(['whoami'], home, { env: baseEnv })).exitCode).toBe(1);
		const again = await runMcprec(['logout'], home, { env: baseEnv });
		expect(again.exitCode).toBe(0);
		expect(again.stderr).toMatch(/Not signed in/);
	});

	it('logs out offline with a warning, deleting the local tokens anyway', async () => {
		const home = track(await signedInHome(provider, 'alice'));
		const file = path.join(home, 'credentials.json');
		const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
		const login = JSON.parse(stored.entries.login);
		login.endpoints.revocation = 'http://127.0.0.1:1/token/revocation';
		stored.entries.login = JSON.stringify(login);
		fs.writeFileSync(file, JSON.stringify(stored));
		const logout = await runMcprec(['logout'], home, { env: baseEnv });
		expect(logout.exitCode).toBe(0);
		expect(logout.stderr).toMatch(/warning: the refresh token was not revoked: could not reach http:\/\/127\.0\.0\.1:\d+/);
		expect((await runMcprec(['whoami'], home, { env: baseEnv })).exitCode).toBe(1);
	});

	it('applies a group-based deny rule end to end', async () => {
		const policy = `version: 1
rules:
  - name: contractors-no-echo
    match: { groups: [contractors], tool: echo }
    action: deny
    message: contractors may not echo
`;
		const carol = track(await signedInHome(provider, 'carol'));
		const carolRun = await shortSession(carol, { runOptions: ['--policy', writePolicy(carol, policy)], calls: [['echo', { a: 1 }], ['read_note', { id: 1 }]] });
		expect(carolRun.answers[0]!.result).toEqual({ content: [{ type: 'text', text: "Blocked by policy rule 'contractors-no-echo': contractors may not echo" }], isError: true });
		expect((carolRun.answers[1]!.result as { isError?: boolean }).isError).toBeUndefined();

		const alice = track(await signedInHome(provider, 'alice'));
		const aliceRun = await shortSession(alice, { runOptions: ['--policy', writePolicy(alice, policy)], calls: [['echo', { a: 1 }]] });
		expect(aliceRun.answers[0]!.result).toMatchObject({ structuredContent: { a: 1 } });
	});

	it('refuses to start the server under identity.required without a login, telling the person to run mcprec login', async () => {
		const home = track(makeHome());
		const policy = writePolicy(home, 'version: 1\nidentity:\n  required: true\n');
		const session = startRaw(rawServer, home, { runOptions: ['--policy', policy], env: baseEnv });
		try {
			session.send(initialize());
			const answer = parse(await session.response(1));
			expect(answer.error.message).toMatch(/requires a signed-in user \(identity\.required: true\), but you are not signed in: run `mcprec login`/);
			expect(session.stderr).toContain(answer.error.message);
			session.end();
			expect((await session.exit()).code).toBe(2);
		} finally {
			session.kill();
		}
		expect(readSessions(home)[0]).toMatchObject({ end_reason: 'identity-required', identity_sub: null });
		expect(readEvents(home).some((event) => event.kind === 'lifecycle' && event.payload.toString().includes('identity-required'))).toBe(true);

		const signedIn = track(await signedInHome(provider, 'alice'));
		const allowed = await shortSession(signedIn, { runOptions: ['--policy', writePolicy(signedIn, 'version: 1\nidentity:\n  required: true\n')] });
		expect(allowed.initialized.result.serverInfo.name).toBe('raw-server');
	});

	// `run` spawns the server before it loads most of its code when nothing can forbid it
	// (run-early-launch.ts). A policy named in config.yaml can, so it must be read first.
	it('never starts the server when the policy in config.yaml requires a login nobody has', async () => {
		const home = track(makeHome());
		writePolicy(home, 'version: 1\nidentity:\n  required: true\n');
		fs.writeFileSync(path.join(home, 'config.yaml'), 'policy: policy.yaml\n');
		const marker = path.join(home, 'server-started');
		const server = ['node', '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'yes'); setInterval(() => {}, 1000)`];
		const session = startRaw(server, home, { env: baseEnv });
		try {
			session.send(initialize());
			expect(parse(await session.response(1)).error.message).toMatch(/requires a signed-in user \(identity\.required: true\)/);
			session.end();
			expect((await session.exit()).code).toBe(2);
		} finally {
			session.kill();
		}
		expect(fs.existsSync(marker)).toBe(false);
		// The same home without the policy: the same command does start (the check above can fail).
		fs.rmSync(path.join(home, 'config.yaml'));
		const allowed = startRaw(server, home, { env: baseEnv });
		try {
			for (let waited = 0; !fs.existsSync(marker) && waited < 10_000; waited += 50) await sleep(50);
			expect(fs.existsSync(marker)).toBe(true);
		} finally {
			allowed.kill();
		}
	});

	it('requires a login for a policy with rules on groups: a credential store that cannot be read refuses the session', async () => {
		const home = track(await signedInHome(provider, 'alice'));
		const policy = writePolicy(home, 'version: 1\nrules:\n  - name: contractors-read-only\n    match: { groups: [contractors], tool: write_file }\n    action: deny\n');
		// The stored login becomes unreadable (too open: the file store refuses it).
		fs.chmodSync(path.join(home, 'credentials.json'), 0o644);
		const refused = await shortSession(home, { runOptions: ['--policy', policy], calls: [['write_file', { path: '/tmp/x' }]] });
		expect(refused.initialized.error.message).toMatch(/requires a signed-in user \(rule 'contractors-read-only' matches on groups\), but .*run `mcprec login`/);
		expect(refused.exit.code).toBe(2);
		// Saying so explicitly keeps the old behaviour: the session runs, unattributed.
		const optedOut = await shortSession(home, { runOptions: ['--policy', writePolicy(home, 'version: 1\nidentity:\n  required: false\nrules:\n  - name: contractors-read-only\n    match: { groups: [contractors] }\n    action: deny\n')] });
		expect(optedOut.initialized.result).toBeDefined();
	});

	it('refuses under identity.required when the login can no longer be refreshed', async () => {
		provider.settings.accessTokenTtl = 1;
		const home = track(await signedInHome(provider, 'alice'));
		// Someone revoked the grant at the issuer (as logout elsewhere would).
		await provider.tryRefresh(storedLogin(home).refreshToken);
		await sleep(1_200);
		const policy = writePolicy(home, 'version: 1\nidentity:\n  required: true\n');
		const session = await shortSession(home, { runOptions: ['--policy', policy] });
		expect(session.initialized.error.message).toMatch(/your login has expired and could not be renewed \(invalid_grant.*\): run `mcprec login`/);
		// Without identity.required the session runs, unattributed, with a warning.
		const open = await shortSession(home);
		expect(open.initialized.result).toBeDefined();
		expect(open.stderr).toMatch(/your login has expired .* run `mcprec login`/);
		expect(readSessions(home).at(-1)).toMatchObject({ identity_sub: null });
	});
});

describe('the file credential store refuses permissions that are too open', () => {
	let home: string;
	beforeAll(async () => {
		home = makeHome();
		const set = await runMcprec(['secret', 'set', 'SOME_TOKEN'], home, { env: baseEnv, input: 'value-1234\n' });
		expect(set.exitCode, set.stderr).toBe(0);
	});
	afterAll(() => removeHome(home));

	it('refuses a credentials file others can read, and explains', async () => {
		const file = path.join(home, 'credentials.json');
		fs.chmodSync(file, 0o644);
		try {
			const list = await runMcprec(['secret', 'list'], home, { env: baseEnv });
			expect(list.exitCode).toBe(2);
			expect(list.stderr).toContain(`refusing to read credentials from ${file}: other users can read it (mode 0644, expected 0600)`);
			expect(list.stderr).toMatch(/chmod 600/);
			const whoami = await runMcprec(['whoami'], home, { env: baseEnv });
			expect(whoami.exitCode).toBe(2);
			// run goes on without identity (nothing requires it), saying why.
			const session = await shortSession(home);
			expect(session.initialized.result).toBeDefined();
			expect(session.stderr).toMatch(/running without identity: refusing to read credentials .*\(mode 0644, expected 0600\)/);
			// …but a secret it cannot read stops the session.
			const withSecret = await shortSession(home, { runOptions: ['--secret', 'SOME_TOKEN'] });
			expect(withSecret.initialized.error.message).toMatch(/mode 0644/);
		} finally {
			fs.chmodSync(file, 0o600);
		}
	});

	it('refuses a credentials folder others can enter', async () => {
		fs.chmodSync(home, 0o755);
		try {
			const set = await runMcprec(['secret', 'set', 'OTHER_TOKEN'], home, { env: baseEnv, input: 'value-5678' });
			expect(set.exitCode).toBe(2);
			expect(set.stderr).toContain(`refusing to keep credentials in ${home}: other users can access that folder (mode 0755, expected 0700); run \`chmod 700 ${home}\``);
		} finally {
			fs.chmodSync(home, 0o700);
		}
		expect((await runMcprec(['secret', 'list', '--json'], home, { env: baseEnv })).stdout.trim()).toBe('["SOME_TOKEN"]');
	});
});

describe('secrets injected with run --secret', () => {
	let home: string;
	const value = `sk-test-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
	beforeAll(async () => {
		home = makeHome();
		const set = await runMcprec(['secret', 'set', 'API_TOKEN'], home, { env: baseEnv, input: `${value}\n` });
		expect(set.exitCode, set.stderr).toBe(0);
		expect(set.stdout + set.stderr).not.toContain(value);
		const other = await runMcprec(['secret', 'set', 'OTHER_KEY'], home, { env: baseEnv, input: 'another-value' });
		expect(other.exitCode).toBe(0);
	});
	afterAll(() => removeHome(home));

	it('lists names only', async () => {
		const list = await runMcprec(['secret', 'list', '--json'], home, { env: baseEnv });
		expect(JSON.parse(list.stdout)).toEqual(['API_TOKEN', 'OTHER_KEY']);
		const plain = await runMcprec(['secret', 'list'], home, { env: baseEnv });
		expect(plain.stdout).toBe('API_TOKEN\nOTHER_KEY');
		expect(list.stdout + plain.stdout).not.toContain(value);
	});

	it('puts the secret in the server environment, masks it in what comes back, and never records it', async () => {
		// A policy that masks nothing itself: injected secrets are masked anyway.
		const policy = writePolicy(home, 'version: 1\nmask:\n  detectors: [pii]\n');
		let session: RawSession | undefined;
		try {
			session = startRaw(rawServer, home, { runOptions: ['--policy', policy, '--secret', 'API_TOKEN', '--env', 'OTHER_KEY'], env: baseEnv });
			session.send(initialize());
			await session.response(1);
			session.send(call(2, 'env', { names: ['API_TOKEN', 'OTHER_KEY'], stderr: true }));
			const answer = parse(await session.response(2));
			expect(answer.result.structuredContent).toEqual({ API_TOKEN: '[REDACTED:API_TOKEN]', OTHER_KEY: '[REDACTED:OTHER_KEY]' });
			expect(answer.result.content[0].text).toBe(JSON.stringify({ API_TOKEN: '[REDACTED:API_TOKEN]', OTHER_KEY: '[REDACTED:OTHER_KEY]' }));
			// An error that quotes the secret is masked too.
			session.send(call(3, 'env', { names: ['API_TOKEN'], error: true }));
			expect(parse(await session.response(3)).error).toMatchObject({ message: 'env: {"API_TOKEN":"[REDACTED:API_TOKEN]"}', data: { API_TOKEN: '[REDACTED:API_TOKEN]' } });
			await session.waitForStderr(/raw-server env:/);
			session.end();
			expect((await session.exit()).code).toBe(0);
			expect(session.stderr).toContain('raw-server env: {"API_TOKEN":"[REDACTED:API_TOKEN]","OTHER_KEY":"[REDACTED:OTHER_KEY]"}');
			expect(session.stderr).not.toContain(value);
			expect(Buffer.concat(session.lines).includes(value)).toBe(false);
		} finally {
			session?.kill();
		}
		const replay = await runMcprec(['replay', 'last', '--json'], home, { env: baseEnv });
		expect(replay.stdout).toContain('[REDACTED:API_TOKEN]');
		expect(replay.stdout).not.toContain(value);
		for (const name of fs.readdirSync(home).filter((file) => file.startsWith('mcprec.db'))) {
			const bytes = fs.readFileSync(path.join(home, name));
			expect(bytes.includes(value), `${name} holds the secret`).toBe(false);
			expect(bytes.includes('another-value'), `${name} holds the secret`).toBe(false);
		}
	});

	it('refuses to start when a secret is missing, naming the command that sets it', async () => {
		const session = await shortSession(home, { runOptions: ['--secret', 'MISSING_TOKEN'] });
		expect(session.initialized.error.message).toMatch(/secret MISSING_TOKEN is not in the credential store .*: run `mcprec secret set MISSING_TOKEN`/);
		expect(session.stderr).toMatch(/mcprec secret set MISSING_TOKEN/);
		expect(readSessions(home).at(-1)).toMatchObject({ end_reason: 'secret-missing' });
		const badName = await shortSession(home, { runOptions: ['--secret', 'lower-case'] });
		expect(badName.initialized.error.message).toMatch(/'lower-case' is not a valid secret name/);
	});

	it('rejects bad names and removes secrets', async () => {
		const bad = await runMcprec(['secret', 'set', '1TOKEN'], home, { env: baseEnv, input: 'whatever' });
		expect(bad.exitCode).toBe(2);
		expect(bad.stderr).toMatch(/'1TOKEN' is not a valid secret name/);
		const empty = await runMcprec(['secret', 'set', 'EMPTY'], home, { env: baseEnv, input: '' });
		expect(empty.exitCode).toBe(2);
		expect((await runMcprec(['secret', 'rm', 'OTHER_KEY'], home, { env: baseEnv })).exitCode).toBe(0);
		const missing = await runMcprec(['secret', 'rm', 'OTHER_KEY'], home, { env: baseEnv });
		expect(missing.exitCode).toBe(2);
		expect(missing.stderr).toMatch(/no secret named OTHER_KEY/);
		expect(JSON.parse((await runMcprec(['secret', 'list', '--json'], home, { env: baseEnv })).stdout)).toEqual(['API_TOKEN']);
	});
});
