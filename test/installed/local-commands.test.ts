// The installed `mcprec`, found on PATH, used the way a person uses it on their laptop:
// an AI client (the official MCP SDK client) starts `mcprec run` in front of the real
// `server-everything`; then `sessions`, `replay`, `verify`, `policy`, `secret` and the
// approval commands from another terminal. Nothing here imports the repository's code.

import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, servers } from '../helpers/mcprec.js';
import { startFixture } from '../helpers/remote-server.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { installedPackage, mcprec, userEnvironment, type InstalledPackage } from './installed-package.js';

let installed: InstalledPackage;
let home: string;
const clients: Client[] = [];

beforeAll(async () => {
	installed = await installedPackage();
	home = makeHome('mcprec-installed-local-');
}, 20 * 60_000);

afterAll(async () => {
	for (const client of clients) await client.close().catch(() => undefined);
	if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** The client config a person writes: `"command": "mcprec", "args": ["run", …, "--", "node", server]`. */
async function connect(runOptions: string[], stderr: string[] = []): Promise<Client> {
	const transport = new StdioClientTransport({
		command: 'mcprec',
		args: ['run', '--name', 'everything', ...runOptions, '--', 'node', servers.everything, 'stdio'],
		env: userEnvironment(installed, home),
		stderr: 'pipe',
	});
	transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
	const client = new Client({ name: 'installed-test', version: '1.0.0' });
	await client.connect(transport);
	clients.push(client);
	return client;
}

const textOf = (result: unknown) => ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe('a session recorded by the installed mcprec', () => {
	let sessionId: string;

	beforeAll(async () => {
		const client = await connect([]);
		expect(client.getServerVersion()?.name).toBe('mcp-servers/everything');
		const tools = await client.listTools();
		expect(tools.tools.map((tool) => tool.name)).toContain('echo');
		expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hello from an installed mcprec' } }))).toContain('hello from an installed mcprec');
		expect(textOf(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }))).toContain('42');
		await client.close();
		const listed = await waitFor('the session to close', async () => {
			const result = await mcprec(installed, home, ['sessions', '--json']);
			const sessions = JSON.parse(result.stdout) as { id: string; endedAt: string | null }[];
			return sessions.length === 1 && sessions[0]!.endedAt ? sessions : undefined;
		});
		sessionId = listed[0]!.id;
	}, 60_000);

	it('sessions lists it, as a table and as JSON', async () => {
		const table = await mcprec(installed, home, ['sessions']);
		expect(table.exitCode, table.stderr).toBe(0);
		expect(table.stdout).toContain('everything');
		expect(table.stdout).toContain(sessionId.slice(0, 8));
		const json = JSON.parse((await mcprec(installed, home, ['sessions', '--json'])).stdout);
		expect(json[0]).toMatchObject({ id: sessionId, server: 'everything', protocolVersion: expect.any(String), counts: { requests: expect.any(Number) } });
		expect(json[0].counts.requests).toBeGreaterThanOrEqual(4);
	});

	it('replay prints a plain transcript and NDJSON of every event', async () => {
		const plain = await mcprec(installed, home, ['replay', 'last', '--plain']);
		expect(plain.exitCode, plain.stderr).toBe(0);
		expect(plain.stdout).toContain('tools/call');
		expect(plain.stdout).toContain('echo');
		const lines = (await mcprec(installed, home, ['replay', sessionId, '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line));
		expect(lines.map((event) => event.seq)).toEqual(lines.map((_event, index) => index));
		const echo = lines.find((event) => event.origin === 'server' && event.tool === 'echo');
		expect(JSON.stringify(echo.message)).toContain('hello from an installed mcprec');
	});

	it('verify finds the chain intact, and tampering with the store makes it exit 1', async () => {
		const intact = await mcprec(installed, home, ['verify', '--all']);
		expect(intact.exitCode, intact.stdout + intact.stderr).toBe(0);
		// Tamper through a copy of the home, with the installed package's own better-sqlite3.
		const copy = makeHome('mcprec-installed-tampered-');
		try {
			fs.copyFileSync(path.join(home, 'mcprec.db'), path.join(copy, 'mcprec.db'));
			const { default: Database } = await import(path.join(installed.packageDir, 'node_modules/better-sqlite3/lib/index.js'));
			const database = new Database(path.join(copy, 'mcprec.db'));
			database.prepare("UPDATE events SET payload = CAST('{}' AS BLOB) WHERE session_id = ? AND seq = 2").run(sessionId);
			database.close();
			const tampered = await mcprec(installed, copy, ['verify', sessionId]);
			expect(tampered.exitCode).toBe(1);
			expect(tampered.stdout + tampered.stderr).toMatch(/seq 2/);
		} finally {
			fs.rmSync(copy, { recursive: true, force: true });
		}
	});

	it('prune lists what it would delete, deletes it with a signed tombstone, and verify reports it as pruned', async () => {
		const dry = await mcprec(installed, home, ['prune', '--older-than', '1ms', '--include-unsynced', '--dry-run']);
		expect(dry.exitCode, dry.stderr).toBe(0);
		expect(dry.stdout).toContain(`would prune ${sessionId}`);
		// On a copy of the whole home (store, ledger head, device key): the session stays for the other tests.
		const copy = makeHome('mcprec-installed-pruned-');
		try {
			fs.cpSync(home, copy, { recursive: true });
			const pruned = await mcprec(installed, copy, ['prune', '--older-than', '1ms', '--include-unsynced', '--json']);
			expect(pruned.exitCode, pruned.stderr).toBe(0);
			expect(JSON.parse(pruned.stdout)).toMatchObject({ dryRun: false, totals: { sessions: 1 } });
			const verify = await mcprec(installed, copy, ['verify', '--all']);
			expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
			expect(verify.stdout).toContain(`${sessionId} pruned by policy on`);
		} finally {
			fs.rmSync(copy, { recursive: true, force: true });
		}
	});
});

describe('policy files', () => {
	let policy: string;
	beforeAll(() => {
		policy = path.join(home, 'policy.yaml');
		fs.writeFileSync(policy, ['version: 1', 'rules:', '  - name: no-sums', '    match: { tool: get-sum }', '    action: deny', '    message: sums are off today', ''].join('\n'));
	});

	it('policy check validates a file and names the line of a mistake', async () => {
		const good = await mcprec(installed, home, ['policy', 'check', policy]);
		expect(good.exitCode, good.stderr).toBe(0);
		expect(good.stdout).toContain('1 rule');
		const broken = path.join(home, 'broken.yaml');
		fs.writeFileSync(broken, 'version: 1\nrules:\n  - name: x\n    match: { tool: a }\n    action: block\n');
		const bad = await mcprec(installed, home, ['policy', 'check', broken]);
		expect(bad.exitCode).toBe(2);
		expect(bad.stderr).toMatch(/broken\.yaml:5: rule 'x': unknown action 'block'/);
	});

	it('policy test says which rule a call meets', async () => {
		const denied = await mcprec(installed, home, ['policy', 'test', policy, '--server', 'everything', '--tool', 'get-sum', '--args', '{"a":1,"b":2}']);
		expect(denied.stdout).toMatch(/deny/);
		expect(denied.stdout).toMatch(/no-sums/);
		const allowed = await mcprec(installed, home, ['policy', 'test', policy, '--server', 'everything', '--tool', 'echo']);
		expect(allowed.stdout).toMatch(/allow/);
	});

	it('run enforces it: the denied call is answered as blocked, the other passes', async () => {
		const client = await connect(['--policy', policy]);
		const blocked = (await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })) as CallToolResult;
		expect(blocked.isError).toBe(true);
		expect(textOf(blocked)).toBe("Blocked by policy rule 'no-sums': sums are off today");
		expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'still fine' } }))).toContain('still fine');
		await client.close();
	});
});

describe('secrets', () => {
	it('secret set reads stdin, list shows names only, run injects it, rm removes it', async () => {
		const value = 'sk-installed-test-0123456789abcdef';
		const set = await mcprec(installed, home, ['secret', 'set', 'INSTALLED_TOKEN'], { input: `${value}\n` });
		expect(set.exitCode, set.stderr).toBe(0);
		const list = await mcprec(installed, home, ['secret', 'list', '--json']);
		expect(JSON.parse(list.stdout)).toEqual(['INSTALLED_TOKEN']);
		expect(list.stdout + list.stderr).not.toContain(value);
		// The server gets it in its environment; server-everything's get-env prints that environment.
		const client = await connect(['--secret', 'INSTALLED_TOKEN']);
		const environment = textOf(await client.callTool({ name: 'get-env', arguments: {} }));
		expect(environment).toContain('INSTALLED_TOKEN');
		expect(environment).not.toContain(value);
		await client.close();
		const removed = await mcprec(installed, home, ['secret', 'rm', 'INSTALLED_TOKEN']);
		expect(removed.exitCode, removed.stderr).toBe(0);
		expect(JSON.parse((await mcprec(installed, home, ['secret', 'list', '--json'])).stdout)).toEqual([]);
		expect(fs.readFileSync(path.join(home, 'mcprec.db')).includes(value)).toBe(false);
	});
});

describe('a remote server (run --url)', () => {
	it('connects with a header made from a stored secret, records the session under the URL, and keeps the secret out of the store', async () => {
		const value = `sk-remote-${Date.now().toString(36)}-0123456789abcdef`;
		const server = await startFixture(['--token', value]);
		try {
			const set = await mcprec(installed, home, ['secret', 'set', 'REMOTE_TOKEN'], { input: `${value}\n` });
			expect(set.exitCode, set.stderr).toBe(0);
			const stderr: string[] = [];
			const transport = new StdioClientTransport({
				command: 'mcprec',
				args: ['run', '--url', server.url, '--secret', 'REMOTE_TOKEN', '--header', 'Authorization: Bearer ${REMOTE_TOKEN}'],
				env: userEnvironment(installed, home),
				stderr: 'pipe',
			});
			transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
			const client = new Client({ name: 'installed-test', version: '1.0.0' });
			await client.connect(transport);
			expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo');
			expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'over http' } }))).toBe('over http');
			await client.close();
			const session = await waitFor('the remote session, ended', async () => {
				const sessions = JSON.parse((await mcprec(installed, home, ['sessions', '--json'])).stdout) as { url: string | null; endedAt: string | null; server: string }[];
				return sessions.find((entry) => entry.url === server.url && entry.endedAt !== null);
			});
			expect(session.server).toBe(new URL(server.url).host);
			expect(stderr.join('')).not.toContain(value);
			for (const name of fs.readdirSync(home).filter((file) => file.startsWith('mcprec.db'))) {
				expect(fs.readFileSync(path.join(home, name)).includes(value), name).toBe(false);
			}
		} finally {
			await server.stop();
		}
	});
});

describe('approvals from another terminal', () => {
	let policy: string;
	beforeAll(() => {
		policy = path.join(home, 'hold.yaml');
		fs.writeFileSync(policy, ['version: 1', 'rules:', '  - name: confirm-sums', '    match: { tool: get-sum }', '    action: approve', '    timeout: 30s', ''].join('\n'));
	});

	const pending = async () => {
		const listed = await mcprec(installed, home, ['approvals', '--json']);
		expect(listed.exitCode, listed.stderr).toBe(0);
		const approvals = JSON.parse(listed.stdout) as { id: string; tool: string }[];
		return approvals.length > 0 ? approvals : undefined;
	};

	it('approve lets a held call through, deny refuses one, grant pre-approves the tool', async () => {
		const client = await connect(['--policy', policy]);

		const first = client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
		const [held] = await waitFor('a held call', pending);
		expect(held).toMatchObject({ tool: 'get-sum' });
		const approve = await mcprec(installed, home, ['approve', held!.id]);
		expect(approve.exitCode, approve.stderr).toBe(0);
		expect(textOf(await first)).toContain('42');

		const second = client.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } });
		const [again] = await waitFor('a second held call', pending);
		const deny = await mcprec(installed, home, ['deny', again!.id, '--reason', 'not during the freeze']);
		expect(deny.exitCode, deny.stderr).toBe(0);
		const refused = (await second) as CallToolResult;
		expect(refused.isError).toBe(true);
		expect(textOf(refused)).toContain("Blocked by policy rule 'confirm-sums'");
		expect(textOf(refused)).toContain('not during the freeze');

		const grant = await mcprec(installed, home, ['grant', '--server', 'everything', '--tool', 'get-sum', '--for', '15m']);
		expect(grant.exitCode, grant.stderr).toBe(0);
		expect(textOf(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }))).toContain('5');
		expect(await pending()).toBeUndefined();
		await client.close();
	}, 60_000);
});

// Issue 18: the live export is a second mcprec process that `run` starts from its own
// launcher; only the installed package shows that this finds the installed mcprec.
describe('export from the installed mcprec', () => {
	let receiver: OtlpReceiver;
	let exportHome: string;
	beforeAll(async () => {
		receiver = await startOtlpReceiver();
		exportHome = makeHome('mcprec-installed-export-');
		fs.writeFileSync(path.join(exportHome, 'config.yaml'), `export:\n  otlp:\n    endpoint: ${receiver.url}\n    protocol: http/json\n`);
	});
	afterAll(async () => {
		await receiver.close();
		fs.rmSync(exportHome, { recursive: true, force: true });
	});

	it('run sends the spans of a session while it is open (export.otlp in config.yaml), and export writes it as JSON lines', async () => {
		const transport = new StdioClientTransport({
			command: 'mcprec',
			args: ['run', '--name', 'everything', '--', 'node', servers.everything, 'stdio'],
			env: userEnvironment(installed, exportHome),
			stderr: 'pipe',
		});
		const client = new Client({ name: 'installed-export', version: '1.0.0' });
		await client.connect(transport);
		clients.push(client);
		expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'live from the installed mcprec' } }))).toContain('live from');
		const span = await waitFor('the echo span at the receiver', async () => receiver.spans().find((candidate) => candidate.attributes['gen_ai.tool.name'] === 'echo'), 30_000);
		expect(span.attributes['mcp.method.name']).toBe('tools/call');
		await client.close();

		const sessions = JSON.parse((await mcprec(installed, exportHome, ['sessions', '--json'])).stdout) as { id: string }[];
		expect(span.traceId).toBe(sessions[0]!.id.replace(/-/g, ''));
		const file = path.join(exportHome, 'audit.jsonl');
		const exported = await mcprec(installed, exportHome, ['export', sessions[0]!.id, '--format', 'jsonl', '--output', file]);
		expect(exported.exitCode, exported.stderr).toBe(0);
		const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { tool?: string | null });
		expect(lines.some((line) => line.tool === 'echo')).toBe(true);
	}, 90_000);
});
