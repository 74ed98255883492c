// Policy in the data path, as a client sees it: denied calls are answered (never reach
// the server), logged calls pass, smuggled keys are refused, hidden tools vanish, changed
// tool definitions are caught, and every decision is recorded and counted.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, readSessions, removeHome, runMcprec, servers, waitForEvents } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { connectClient, type Connection } from '../helpers/sdk-client.js';

const rawServer = ['node', fixture('raw-server.mjs')];
const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const call = (id: number, name: string, args: object = {}) => request(id, 'tools/call', { name, arguments: args });
const parse = (line: Buffer) => JSON.parse(line.toString('utf8'));

const POLICY = `version: 1
rules:
  - name: no-admin
    match: { tool: admin_reset }
    action: deny
    message: admins only
  - name: no-ping
    match: { method: ping }
    action: deny
    message: no pinging
  - name: audit-echo
    match: { tool: echo, args: { "target.host": "^prod-" } }
    action: log
  - name: no-secret-paths
    match: { tool: echo, args: { paths: "^/etc/" } }
    action: deny
    message: nothing under /etc
  - name: no-destructive
    match: { tool: "*_note", annotations: { readOnlyHint: false } }
    action: deny
    message: destructive tools are off
tools:
  hide: ["crash", "garbage"]
`;

describe('guardrails through mcprec run', () => {
	let home: string;
	let policyFile: string;
	let session: RawSession;

	beforeAll(async () => {
		home = makeHome();
		policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, POLICY);
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', policyFile] });
		session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'guardrails', version: '1' } }));
		await session.response(1);
		session.send(request(2, 'tools/list'));
		await session.response(2);
	});
	afterAll(async () => {
		session.end();
		await session.exit();
		removeHome(home);
	});

	it('answers a denied tools/call with a readable tool error, and the server never sees it', async () => {
		session.send(call(10, 'admin_reset', { really: true }));
		expect(parse(await session.response(10)).result).toEqual({
			content: [{ type: 'text', text: "Blocked by policy rule 'no-admin': admins only" }],
			isError: true,
		});
	});

	it('records the policy in force in the start event: its file, the SHA-256 of its bytes and its text, and replay names it', async () => {
		const events = await waitForEvents(home, (stored) => stored.some((event) => event.seq === 0));
		const start = events.find((event) => event.seq === 0)!;
		const details = JSON.parse(payloadOf(start).toString());
		expect(details).toMatchObject({ event: 'start', policy: { source: policyFile, digest: createHash('sha256').update(POLICY).digest('hex'), text: POLICY } });
		const replay = await runMcprec(['replay', '--plain', 'last'], home);
		expect(replay.stdout).toContain(`lifecycle start pid=${details.pid} policy=${policyFile} (sha256 ${details.policy.digest.slice(0, 12)})`);
	});

	it("masks a denied call's arguments in the record, as a forwarded call's", async () => {
		session.send(call(21, 'admin_reset', { password: 'Zq9-hunter2-x7' }));
		expect(parse(await session.response(21)).result.isError).toBe(true);
		const events = await waitForEvents(home, (stored) => stored.some((event) => event.origin === 'client' && event.rpc_id === '21'));
		const stored = events.find((event) => event.origin === 'client' && event.rpc_id === '21');
		const text = payloadOf(stored!).toString();
		expect(text).not.toContain('hunter2');
		expect(JSON.parse(text).params.arguments.password).toMatch(/REDACTED/);
	});

	it('answers another denied method with -32011 naming the rule', async () => {
		session.send(request(11, 'ping'));
		expect(parse(await session.response(11)).error).toEqual({
			code: -32011,
			message: "Blocked by policy rule 'no-ping': no pinging",
			data: { rule: 'no-ping', message: 'no pinging' },
		});
	});

	it('matches arguments by dot path and any element of an array', async () => {
		session.send(call(12, 'echo', { paths: ['/home/me/a', '/etc/shadow'] }));
		expect(parse(await session.response(12)).result.isError).toBe(true);
		session.send(call(13, 'echo', { paths: ['/home/me/a'] }));
		expect(parse(await session.response(13)).result.structuredContent).toEqual({ paths: ['/home/me/a'] });
		session.send(call(14, 'echo', { target: { host: 'prod-db-1' } }));
		expect(parse(await session.response(14)).result.structuredContent).toEqual({ target: { host: 'prod-db-1' } });
	});

	it("matches tool annotations from the server's own tools/list", async () => {
		session.send(call(15, 'delete_note', { id: 1 }));
		expect(parse(await session.response(15)).result.content[0].text).toBe("Blocked by policy rule 'no-destructive': destructive tools are off");
		session.send(call(16, 'read_note', { id: 1 }));
		expect(parse(await session.response(16)).result.isError).toBeUndefined();
	});

	it('refuses case-variant and duplicate keys in tools/call', async () => {
		session.send('{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"echo","Name":"admin_reset","arguments":{}}}');
		const answer = parse(await session.response(17));
		expect(answer.error.code).toBe(-32600);
		expect(answer.error.message).toMatch(/ambiguous JSON: the keys 'name' and 'Name'/);
		session.send('{"jsonrpc":"2.0","id":18,"method":"tools/call","params":{"name":"echo","arguments":{},"name":"admin_reset"}}');
		expect(parse(await session.response(18)).error.code).toBe(-32600);
	});

	it('hides tools from tools/list and denies calls to them anyway', async () => {
		session.send(request(19, 'tools/list'));
		const names = parse(await session.response(19)).result.tools.map((tool: { name: string }) => tool.name);
		expect(names).toContain('echo');
		expect(names).not.toContain('crash');
		expect(names).not.toContain('garbage');
		session.send(call(20, 'crash'));
		expect(parse(await session.response(20)).result.content[0].text).toMatch(/^Blocked by policy rule 'tools.hide'/);
	});

	it('refuses a batch that carries a denied call, as a whole', async () => {
		session.send(`[${call(21, 'echo', { ok: 1 })},${call(22, 'admin_reset')}]`);
		const line = await session.waitForLine((candidate) => candidate.toString().startsWith('[') && candidate.includes('"id":21'));
		const answers = parse(line);
		expect(answers.map((answer: { id: number }) => answer.id)).toEqual([21, 22]);
		expect(answers.every((answer: { error?: { code: number } }) => answer.error?.code === -32011)).toBe(true);
	});

	it('refuses a batch that asks for tools/list, whose answer could not be filtered for hidden tools', async () => {
		session.send(`[${request(23, 'tools/list')},${call(24, 'echo', { ok: 1 })}]`);
		const line = await session.waitForLine((candidate) => candidate.toString().startsWith('[') && candidate.includes('"id":23'));
		const answers = parse(line);
		expect(answers.map((answer: { id: number }) => answer.id)).toEqual([23, 24]);
		expect(answers.every((answer: { error?: { code: number; data?: { rule?: string } } }) => answer.error?.code === -32011 && answer.error.data?.rule === 'tools.hide')).toBe(true);
		expect(JSON.stringify(answers)).not.toContain('crash');
	});

	it('recorded every decision, never forwarded a blocked call, and counted them', async () => {
		session.send(request(99, 'tools/list'));
		await session.response(99);
		// The recorder commits in the background: wait until the store has the last answer.
		const events = await waitForEvents(home, (stored) => stored.some((event) => event.rpc_id === '99' && event.origin === 'server'), 15_000);
		const forwardedIds = events.filter((event) => event.origin === 'client' && event.target === 'server').map((event) => event.rpc_id);
		for (const blocked of ['10', '11', '12', '15', '17', '18', '20', '23', '24']) expect(forwardedIds).not.toContain(blocked);
		expect(forwardedIds).toEqual(expect.arrayContaining(['13', '14', '16']));
		const decisions = events.filter((event) => event.kind === 'decision').map((event) => ({ id: event.rpc_id, ...JSON.parse(payloadOf(event).toString()) }));
		expect(decisions).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ id: '10', action: 'deny', rule: 'no-admin', line: 3 }),
				expect.objectContaining({ id: '14', action: 'log', rule: 'audit-echo' }),
				expect.objectContaining({ id: '17', action: 'deny', rule: 'ambiguous-json' }),
				expect.objectContaining({ action: 'hide', tools: ['crash', 'garbage'] }),
			]),
		);
		const json = JSON.parse(String((await runMcprec(['sessions', '--json'], home)).stdout));
		expect(json[0].counts.blocked).toBeGreaterThanOrEqual(8);
		expect(json[0].policyDigest).toMatch(/^[0-9a-f]{64}$/);
		const replay = String((await runMcprec(['replay', 'last', '--json'], home)).stdout).trim().split('\n').map((line) => JSON.parse(line));
		expect(replay.find((event) => event.kind === 'decision' && event.id === 10).decision).toMatchObject({ action: 'deny', rule: 'no-admin' });
	});
});

describe('a broken policy at run start', () => {
	it('answers initialize with the policy error instead of running unprotected', async () => {
		const home = makeHome();
		try {
			const policyFile = path.join(home, 'policy.yaml');
			fs.writeFileSync(policyFile, 'version: 1\nrules:\n  - name: x\n    match: { tool: echo }\n    action: block\n');
			const session = startRaw(rawServer, home, { runOptions: ['--policy', policyFile] });
			session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} }));
			const answer = parse(await session.response(1));
			expect(answer.error.message).toContain(`${policyFile}:5: rule 'x': unknown action 'block' (expected allow, deny, approve, log)`);
			await session.waitForStderr(/invalid policy, refusing to run unprotected/);
			session.end();
			expect((await session.exit()).code).toBe(2);
			expect(readSessions(home)[0]).toMatchObject({ end_reason: 'policy-invalid' });
		} finally {
			removeHome(home);
		}
	});
});

describe('tool pinning', () => {
	let home: string;
	afterEach(() => removeHome(home));

	async function listTools(policyFile: string, env: Record<string, string> = {}, rugPull = false): Promise<RawSession> {
		const session = startRaw(rawServer, home, { runOptions: ['--name', 'pinned', '--policy', policyFile], env });
		session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} }));
		await session.response(1);
		session.send(request(2, 'tools/list'));
		await session.response(2);
		if (rugPull) {
			session.send(call(3, 'rug_pull'));
			await session.response(3);
			session.send(request(4, 'tools/list'));
			await session.response(4);
		}
		return session;
	}

	it('alerts when a definition changes between sessions and mid-session', async () => {
		home = makeHome();
		const policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, 'version: 1\ntools:\n  pin: alert\n');
		const first = await listTools(policyFile);
		first.end();
		await first.exit();
		const second = await listTools(policyFile, { RAW_SERVER_ECHO_DESCRIPTION: 'echo v2' });
		await second.waitForStderr(/definition of tool 'echo' on 'pinned' changed/);
		second.send(call(5, 'echo', { still: 'works' }));
		expect(parse(await second.response(5)).result.isError).toBeUndefined();
		second.end();
		await second.exit();
		const alerts = readEvents(home).filter((event) => event.kind === 'decision').map((event) => JSON.parse(payloadOf(event).toString()));
		expect(alerts).toEqual([expect.objectContaining({ action: 'pin-alert', tool: 'echo', rule: 'tools.pin' })]);

		const third = await listTools(policyFile, { RAW_SERVER_ECHO_DESCRIPTION: 'echo v2' }, true);
		await third.waitForStderr(/changed/);
		third.end();
		await third.exit();
	});

	it('denies calls to a changed tool with pin: deny', async () => {
		home = makeHome();
		const policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, 'version: 1\ntools:\n  pin: deny\n');
		const session = await listTools(policyFile, {}, true);
		session.send(call(5, 'echo', { x: 1 }));
		expect(parse(await session.response(5)).result.content[0].text).toMatch(/^Blocked by policy rule 'tools.pin': the definition of 'echo' changed/);
		session.send(call(6, 'read_note', { x: 1 }));
		expect(parse(await session.response(6)).result.isError).toBeUndefined();
		session.end();
		await session.exit();
	});
});

describe('server-filesystem behind a deny rule', () => {
	let home: string;
	let root: string;
	let connection: Connection;
	beforeAll(async () => {
		home = makeHome();
		root = fs.realpathSync(makeHome('mcprec-fs-'));
		const policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, `version: 1\nrules:\n  - name: no-writes-to-secrets\n    match: { tool: write_file, args: { path: "/secrets/" } }\n    action: deny\n    message: secrets are read-only\n`);
		fs.mkdirSync(path.join(root, 'secrets'));
		connection = await connectClient({ route: 'mcprec', home, name: 'fs', serverArgs: [servers.filesystem, root], runOptions: ['--policy', policyFile] });
	});
	afterAll(async () => {
		await connection.close();
		removeHome(home);
		removeHome(root);
	});

	it('a denied write_file leaves no file behind; an allowed one writes', async () => {
		const target = path.join(root, 'secrets', 'key.txt');
		const denied = await connection.client.callTool({ name: 'write_file', arguments: { path: target, content: 'nope' } });
		expect(denied.isError).toBe(true);
		expect(JSON.stringify(denied.content)).toContain("Blocked by policy rule 'no-writes-to-secrets': secrets are read-only");
		expect(fs.existsSync(target)).toBe(false);
		const allowedPath = path.join(root, 'notes.txt');
		const allowed = await connection.client.callTool({ name: 'write_file', arguments: { path: allowedPath, content: 'yes' } });
		expect(allowed.isError).toBeFalsy();
		expect(fs.readFileSync(allowedPath, 'utf8')).toBe('yes');
	});
});
