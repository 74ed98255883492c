// One authority for a held call (issue 12 finding 6), end to end: the built binary signed
// in through a real OIDC provider (device flow, JWT access tokens for the collector), a
// real collector on 127.0.0.1, and `mcprec run` holding calls. With a collector configured
// the requester can neither `mcprec approve` locally nor approve at the collector; another
// member of the approver group decides there, and that decision releases or blocks the
// call. A call that times out on the laptop is withdrawn, so the collector cannot decide it
// afterwards. A rule with `selfApprove: true` lets the requester approve at the collector.
// Without a collector, `mcprec approve` decides, recorded as a local decision.

import { testCollectorSettings } from '../helpers/collector-fixtures.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/server/start-collector.js';
import { ACCOUNTS, CLIENT_ID, TestProvider } from '../helpers/oidc-provider.js';
import { fixture, makeHome, mcprecBin, payloadOf, readEvents, runMcprec, type StoredEventRow } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { removeHome } from '../helpers/mcprec.js';
import { waitFor } from '../helpers/sdk-client.js';

const AUDIENCE = 'urn:mcprec:collector';
const rawServer = [process.execPath, fixture('raw-server.mjs')];
const baseEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };
const BLOCKED = "Blocked by policy rule 'confirm-deletes': not approved: ";
const POLICY = [
	'version: 1',
	'rules:',
	'  - name: quick-deletes',
	'    match: { tool: delete_note, args: { id: "^quick" } }',
	'    action: approve',
	'    timeout: 1s',
	'  - name: confirm-deletes',
	'    match: { tool: "delete_*" }',
	'    action: approve',
	'    timeout: 30s',
	'  - name: confirm-reads',
	'    match: { tool: read_note }',
	'    action: approve',
	'    timeout: 30s',
	'    selfApprove: true',
	'',
].join('\n');

let provider: TestProvider;
let folder: string;
let collector: RunningCollector;
const homes: string[] = [];
const tokens: Record<string, string> = {};

const toolCall = (id: number, name: string, args: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const parseLine = (line: Buffer) => JSON.parse(line.toString('utf8')) as { result?: CallToolResult };
const textOf = (result: CallToolResult | undefined) => (result?.content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');

/** A home signed in as `account` through the provider's device flow; config.yaml gets `extra`. */
async function signedInHome(account: string, extra = ''): Promise<string> {
	const home = makeHome(`mcprec-approvals-${account}-`);
	homes.push(home);
	fs.writeFileSync(path.join(home, 'config.yaml'), `identity:\n  issuer: ${provider.issuer}\n  clientId: ${CLIENT_ID}\n  scope: groups\nsync:\n  audience: ${AUDIENCE}\n${extra}`);
	fs.writeFileSync(path.join(home, 'policy.yaml'), POLICY);
	const login = spawn(process.execPath, [mcprecBin, 'login', '--no-browser'], { env: { ...process.env, ...baseEnv, MCPREC_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	login.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
	const code = await waitFor('the user code', () => /enter the code:\s+(\S+)/.exec(stderr)?.[1], 20_000);
	await provider.approve(code, { account });
	expect(await new Promise<number | null>((resolve) => login.on('close', resolve)), stderr).toBe(0);
	tokens[account] = JSON.parse(JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8')).entries.login).accessToken;
	return home;
}

async function api(method: string, url: string, account: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
	const response = await fetch(`${collector.url}${url}`, {
		method,
		headers: { authorization: `Bearer ${tokens[account]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

function startRun(home: string): RawSession {
	return startRaw(rawServer, home, { env: baseEnv, runOptions: ['--name', 'notes', '--policy', path.join(home, 'policy.yaml')] });
}

/** The id and address of the `count`-th approval `run` says the collector holds. */
async function offered(session: RawSession, count: number): Promise<{ id: string; url: string }> {
	const pattern = /is waiting for approval ([0-9a-f]+) by the collector's approver group: (\S+) \(\d+s\)\n/g;
	const found = await waitFor('an approval offered to the collector', () => {
		const all = [...session.stderr.matchAll(pattern)];
		return all.length >= count && all;
	}, 15_000);
	return { id: found[count - 1]![1]!, url: found[count - 1]![2]! };
}

function decisions(events: StoredEventRow[], rpcId: string): Record<string, unknown>[] {
	return events.filter((row) => row.kind === 'decision' && row.rpc_id === rpcId).map((row) => JSON.parse(payloadOf(row).toString('utf8')) as Record<string, unknown>);
}

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-approvals-collector-'));
	provider = await TestProvider.start({ resourceServers: [AUDIENCE] });
	collector = await startCollector({
		settings: testCollectorSettings({
			folder,
			issuer: provider.issuer,
			audience: AUDIENCE,
			// alice and carol are both engineers: both approvers, so only the self-approval rule keeps alice from approving her own calls.
			approverGroup: 'engineering',
		}),
	});
	expect(ACCOUNTS.alice!.groups).toContain('engineering');
	expect(ACCOUNTS.carol!.groups).toContain('engineering');
}, 60_000);

afterAll(async () => {
	await collector?.close();
	await provider?.close();
	for (const home of homes) removeHome(home);
	if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

describe('held calls with a collector configured', () => {
	let alice: string;
	let session: RawSession;
	const args = { id: `note-${'x'.repeat(3000)}`, path2: '/', recursive: true };

	beforeAll(async () => {
		alice = await signedInHome('alice', `  endpoint: ${collector.url}\n`);
		await signedInHome('carol');
		session = startRun(alice);
	}, 60_000);
	afterAll(() => session?.kill());

	it("refuses the requester's `mcprec approve` and her own approval at the collector; another approver's releases the call", async () => {
		session.send(toolCall(1, 'delete_note', args));
		const { id, url } = await offered(session, 1);
		expect(url).toBe(`${collector.url}/approvals/${id}`);

		const listed = JSON.parse(String((await runMcprec(['approvals', '--json'], alice, { env: baseEnv })).stdout)) as Record<string, unknown>[];
		expect(listed).toEqual([expect.objectContaining({ id, status: 'pending', authority: 'collector', decideUrl: url, arguments: args })]);
		const plain = String((await runMcprec(['approvals'], alice, { env: baseEnv })).stdout);
		expect(plain).toContain(`decide     by the collector's approver group: ${url} (not here)`);

		for (const verb of ['approve', 'deny']) {
			const local = await runMcprec([verb, id], alice, { env: baseEnv });
			expect(local.exitCode).toBe(2);
			expect(String(local.stderr)).toBe(
				`mcprec: approval ${id} is decided by the collector's approver group, not here; ask them to decide it: ${url}. Calls held while a collector is configured (sync.endpoint and a login) are settled there only.`,
			);
		}

		// The approver sees the whole call, the second argument included.
		const seen = await api('GET', `/api/v1/approvals/${id}`, 'carol');
		expect(seen.body).toMatchObject({ status: 'pending', owner: { sub: 'alice' }, arguments: args, selfApprove: false, viewerUrl: url });

		const own = await api('POST', `/api/v1/approvals/${id}/decision`, 'alice', { decision: 'approved' });
		expect(own.status).toBe(403);
		expect(own.body.error.code).toBe('self_approval');
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(session.lines.some((line) => JSON.parse(line.toString('utf8')).id === 1)).toBe(false);

		// The session so far is on the collector while the call is held: the approver can read what led to it.
		const held = await api('GET', `/api/v1/sessions/${seen.body.sessionId}`, 'carol');
		expect(held.status).toBe(200);
		expect(held.body).toMatchObject({ id: seen.body.sessionId, server: 'notes' });
		const soFar = await api('GET', `/api/v1/sessions/${seen.body.sessionId}/events`, 'carol');
		const notes = (soFar.body.events as { kind: string; details?: Record<string, unknown> }[]).filter((event) => event.kind === 'decision').map((event) => event.details);
		expect(notes).toEqual([expect.objectContaining({ status: 'held', rule: 'confirm-deletes', tool: 'delete_note' }), expect.objectContaining({ step: 'asked', approvalId: id })]);
		expect(seen.body.owner).toMatchObject({ sub: 'alice', groups: ACCOUNTS.alice!.groups });

		const reason = 'Ticket OPS-12 asks for this note to go; checked with Alice.';
		expect((await api('POST', `/api/v1/approvals/${id}/decision`, 'carol', { decision: 'approved', reason: `  ${reason}\n` })).body).toMatchObject({
			status: 'approved',
			decidedBy: 'carol@contractor.example',
			reason,
		});
		expect(parseLine(await session.response(1, 15_000)).result).toMatchObject({ structuredContent: args });
		// Once settled, the collector's copy of the running session shows the decision too.
		const decidedThere = async () => {
			const events = (await api('GET', `/api/v1/sessions/${seen.body.sessionId}/events`, 'carol')).body.events as { kind: string; details?: Record<string, unknown> }[];
			return events.some((event) => event.kind === 'decision' && event.details?.status === 'approved' && event.details?.approverReason === reason);
		};
		for (const deadline = Date.now() + 15_000; !(await decidedThere()); ) {
			if (Date.now() > deadline) throw new Error('timed out waiting for the decision to reach the collector');
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const [mirrored] = JSON.parse(String((await runMcprec(['approvals', '--json', '--all'], alice, { env: baseEnv })).stdout)) as Record<string, unknown>[];
		expect(mirrored).toMatchObject({ id, status: 'approved', channel: 'viewer', decidedBy: 'carol@contractor.example' });
	});

	it("blocks the call when the approver denies it at the collector", async () => {
		session.send(toolCall(2, 'delete_note', { id: 'note-2' }));
		const { id } = await offered(session, 2);
		await api('POST', `/api/v1/approvals/${id}/decision`, 'carol', { decision: 'denied' });
		expect(textOf(parseLine(await session.response(2, 15_000)).result)).toBe(`${BLOCKED}denied by carol@contractor.example in the viewer`);
	});

	it('withdraws a call that timed out on the laptop: the collector can no longer decide it', async () => {
		session.send(toolCall(3, 'delete_note', { id: 'quick-3' }));
		const { id } = await offered(session, 3);
		expect(textOf(parseLine(await session.response(3, 15_000)).result)).toBe("Blocked by policy rule 'quick-deletes': not approved: no decision within 1s");
		const late = await api('POST', `/api/v1/approvals/${id}/decision`, 'carol', { decision: 'approved' });
		expect(late.status).toBe(409);
		expect(late.body.error).toMatchObject({ code: 'approval_settled', message: `approval '${id}' is already expired` });
	});

	it('lets the requester approve at the collector when the rule says selfApprove: true', async () => {
		session.send(toolCall(4, 'read_note', { id: 'note-4' }));
		const { id } = await offered(session, 4);
		expect((await api('GET', `/api/v1/approvals/${id}`, 'alice')).body.selfApprove).toBe(true);
		expect((await api('POST', `/api/v1/approvals/${id}/decision`, 'alice', { decision: 'approved' })).body).toMatchObject({ status: 'approved', decidedBy: 'alice@example.com' });
		expect(parseLine(await session.response(4, 15_000)).result).toMatchObject({ structuredContent: { id: 'note-4' } });
	});

	it('records who decided where', async () => {
		session.end();
		await session.exit(15_000);
		const events = readEvents(alice);
		expect(decisions(events, '1')).toEqual([
			expect.objectContaining({ status: 'held', rule: 'confirm-deletes' }),
			expect.objectContaining({ step: 'asked', channel: 'out-of-band', authority: 'collector', url: expect.stringMatching(/\/approvals\/[0-9a-f]+$/) }),
			expect.objectContaining({
				status: 'approved',
				via: 'viewer',
				authority: 'collector',
				reason: 'approved by carol@contractor.example in the viewer: Ticket OPS-12 asks for this note to go; checked with Alice.',
				approverReason: 'Ticket OPS-12 asks for this note to go; checked with Alice.',
				decidedBy: 'carol@contractor.example',
			}),
		]);
		expect(decisions(events, '3').at(-1)).toMatchObject({ status: 'denied', via: 'timeout', authority: 'collector' });
	});

	it('tells the held call in `replay --plain` and `--json`: asked when, waited how long, decided by whom, how and why', async () => {
		const plain = String((await runMcprec(['replay', 'last', '--plain'], alice, { env: baseEnv })).stdout);
		expect(plain).toMatch(
			/tools\/call delete_note #1 .*\n\s+args +id: "note-x+.*\n\s+result .*\n\s+held · waited [\d.]+ s · approved by carol@contractor\.example via viewer\n\s+rule +confirm-deletes\n\s+requested +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n\s+waited +[\d.]+ s\n\s+decision +approved\n\s+decided by carol@contractor\.example\n\s+channel +viewer\n\s+reason +Ticket OPS-12 asks for this note to go; checked with Alice\.\n/,
		);
		expect(plain).toMatch(/held · waited [\d.]+ m?s · denied by carol@contractor\.example via viewer/);
		expect(plain).toMatch(/held · waited [\d.]+ m?s · denied via timeout\n(.*\n)*?\s+decided by nobody \(timed out\)/);
		const lines = String((await runMcprec(['replay', 'last', '--json'], alice, { env: baseEnv })).stdout).trim().split('\n').map((line) => JSON.parse(line));
		const settled = lines.filter((line) => line.approval !== undefined);
		expect(settled.map((line) => [line.id, line.approval.outcome])).toEqual([
			[1, 'approved'],
			[2, 'denied'],
			[3, 'denied'],
			[4, 'approved'],
		]);
		const first = settled[0].approval;
		expect(first).toMatchObject({ rule: 'confirm-deletes', decidedBy: 'carol@contractor.example', channel: 'viewer', approverReason: 'Ticket OPS-12 asks for this note to go; checked with Alice.' });
		expect(first.waitedMs).toBeGreaterThanOrEqual(1500);
		expect(Date.parse(first.decidedAt) - Date.parse(first.requestedAt)).toBe(first.waitedMs);
	});

	it('`mcprec sync` appends the rest of a session uploaded while a call was held, and seals it', async () => {
		const events = readEvents(alice);
		const sessionId = events[0]!.session_id;
		const partial = await api('GET', `/api/v1/sessions/${sessionId}`, 'alice');
		expect(partial.body.endedAt).toBeNull();
		expect(partial.body.seal).toBeNull();
		expect(partial.body.stored.events).toBeLessThan(events.length);
		const sync = await runMcprec(['sync'], alice, { env: baseEnv });
		expect(sync.exitCode, String(sync.stderr)).toBe(0);
		const whole = await api('GET', `/api/v1/sessions/${sessionId}`, 'alice');
		expect(whole.body).toMatchObject({ stored: { events: events.length }, seal: { eventCount: events.length, signatureValid: true } });
		expect(whole.body.endedAt).not.toBeNull();
	});
});

describe('held calls without a collector', () => {
	it('are settled by `mcprec approve`, recorded as a local decision, even when signed in', async () => {
		const home = await signedInHome('alice');
		const session = startRun(home);
		try {
			session.send(toolCall(1, 'delete_note', { id: 'note-1' }));
			const id = (await session.waitForStderr(/run `mcprec approve ([0-9a-f]+)`/, 15_000))[1]!;
			const approved = await runMcprec(['approve', id], home, { env: baseEnv });
			expect(approved.exitCode).toBe(0);
			expect(parseLine(await session.response(1, 15_000)).result).toMatchObject({ structuredContent: { id: 'note-1' } });
			session.end();
			await session.exit(15_000);
			expect(decisions(readEvents(home), '1').at(-1)).toMatchObject({ status: 'approved', via: 'cli', authority: 'local' });
		} finally {
			session.kill();
		}
	});
});
