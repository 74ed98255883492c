// Approval of held tool calls, end to end through the built binary (DESIGN §3 "Blocking
// and approval", §4 action approve): the client's own elicitation, a pending approval
// settled from another terminal, grants, the 2026-07-28 input_required round trip,
// client cancel — and every step in the recording.

import fs from 'node:fs';
import path from 'node:path';
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, readSessions, removeHome, runMcprec, type StoredEventRow } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { connectClient, waitFor, type Connection } from '../helpers/sdk-client.js';

const rawServer = [process.execPath, fixture('raw-server.mjs')];
const BLOCKED = "Blocked by policy rule 'confirm-deletes': not approved: ";

/** A policy in the temp home that holds every delete_* call for a person to confirm. */
function writePolicy(home: string, timeout: string): string {
	const file = path.join(home, 'policy.yaml');
	fs.writeFileSync(
		file,
		['version: 1', 'rules:', '  - name: confirm-deletes', '    match: { tool: "delete_*" }', '    action: approve', `    timeout: ${timeout}`, ''].join('\n'),
	);
	return file;
}

function textOf(result: unknown): string {
	const content = (result as CallToolResult).content ?? [];
	return content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

function parseLine(line: Buffer): { id?: unknown; result?: Record<string, unknown>; error?: unknown } {
	return JSON.parse(line.toString('utf8')) as { result?: Record<string, unknown> };
}

const toolCall = (id: number, name: string, args: unknown, extra: Record<string, unknown> = {}) =>
	JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...extra } });

/** Waits until the store holds an event that matches (the recorder writes in short batches). */
async function waitForEvent(home: string, what: string, match: (row: StoredEventRow) => boolean): Promise<StoredEventRow> {
	return waitFor(what, () => readEvents(home).find(match), 5_000);
}

/** The client→server copy of request `rpcId` that mcprec forwarded, if it ever did. */
function forwarded(events: StoredEventRow[], rpcId: string): StoredEventRow | undefined {
	return events.find((row) => row.kind === 'message' && row.origin === 'client' && row.target === 'server' && row.rpc_id === rpcId);
}

/** The `decision` events about request `rpcId`, as their details. */
function decisionsFor(events: StoredEventRow[], rpcId: string): Record<string, unknown>[] {
	return events
		.filter((row) => row.kind === 'decision' && row.rpc_id === rpcId)
		.map((row) => JSON.parse(payloadOf(row).toString('utf8')) as Record<string, unknown>);
}

/** The main step of each decision: the stage's status (held, approved…) or the broker's step (asked). */
const stepsOf = (decisions: Record<string, unknown>[]) => decisions.map((details) => details.status ?? details.step);

async function sessionCounters(home: string): Promise<{ approvals: number; blocked: number; denied: number }> {
	const session = await waitFor('the session to end', () => readSessions(home).find((row) => row.ended_at !== null), 10_000);
	return { approvals: session.approvals as number, blocked: session.blocked as number, denied: session.denied as number };
}

async function approvalsJson(home: string, all = false): Promise<Record<string, unknown>[]> {
	const listed = await runMcprec(['approvals', '--json', ...(all ? ['--all'] : [])], home);
	expect(listed.stderr).toBe('');
	expect(listed.exitCode).toBe(0);
	return JSON.parse(String(listed.stdout)) as Record<string, unknown>[];
}

/** The id of the next approval `run` announces on stderr, after `seen` earlier ones. */
async function nextApprovalId(session: RawSession, seen: number): Promise<string> {
	const ids = await waitFor(
		'an approval announced on stderr',
		() => {
			const found = [...session.stderr.matchAll(/run `mcprec approve ([0-9a-f]+)` or `mcprec deny \1`/g)].map((match) => match[1]);
			return found.length > seen && found;
		},
		10_000,
	);
	return ids[seen];
}

describe('approval asked in the client (legacy elicitation/create)', () => {
	const home = makeHome('mcprec-approvals-elicit-');
	let connection: Connection;
	const asked: ElicitRequest['params'][] = [];
	const aborted: string[] = [];
	let answer: (signal: AbortSignal) => Promise<ElicitResult> = async () => ({ action: 'cancel' });
	const outcomes: { rpcId: string; passed: boolean }[] = [];

	beforeAll(async () => {
		connection = await connectClient({
			route: 'mcprec',
			home,
			name: 'notes',
			serverArgs: [fixture('raw-server.mjs')],
			runOptions: ['--policy', writePolicy(home, '1s')],
			capabilities: { elicitation: {} },
			setup: (client) =>
				client.setRequestHandler(ElicitRequestSchema, (request, extra) => {
					asked.push(request.params);
					extra.signal.addEventListener('abort', () => aborted.push(String(extra.requestId)));
					return answer(extra.signal);
				}),
		});
	});
	afterAll(async () => {
		await connection?.close();
		removeHome(home);
	});

	/** Calls delete_note with a marker and remembers the SDK's request id for the recording checks. */
	async function deleteNote(marker: string, passed: boolean): Promise<CallToolResult> {
		const result = (await connection.client.callTool({ name: 'delete_note', arguments: { id: marker } })) as CallToolResult;
		const sent = connection.wire.sent.find(
			(message) => 'method' in message && message.method === 'tools/call' && (message.params?.arguments as { id?: string })?.id === marker,
		);
		outcomes.push({ rpcId: JSON.stringify((sent as { id: number }).id), passed });
		return result;
	}

	it('forwards the call once the person allows it', async () => {
		answer = async () => ({ action: 'accept', content: { decision: 'allow-once' } });
		const result = await deleteNote('note-allowed', true);
		expect(result.isError).toBeFalsy();
		expect(result.structuredContent).toEqual({ id: 'note-allowed' });
		expect(asked).toHaveLength(1);
		expect(asked[0].message).toBe(
			"mcprec: policy rule 'confirm-deletes' asks you to confirm. Allow server 'notes' to call the tool 'delete_note'?\nArguments: {\"id\":\"note-allowed\"}",
		);
		const question = asked[0];
		expect('requestedSchema' in question && question.requestedSchema.properties.decision).toMatchObject({ type: 'string', enum: ['allow-once', 'deny'] });
	});

	it.each([
		['accepts with decision deny', { action: 'accept', content: { decision: 'deny' } }, 'denied in the client'],
		['declines', { action: 'decline' }, 'declined in the client'],
		['cancels', { action: 'cancel' }, 'cancelled in the client'],
	] as const)('blocks the call when the person %s', async (_, reply, reason) => {
		answer = async () => reply as ElicitResult;
		const result = await deleteNote(`note-${reply.action}-${'content' in reply ? 'deny' : ''}`, false);
		expect(result.isError).toBe(true);
		expect(textOf(result)).toBe(`${BLOCKED}${reason}`);
	});

	it('blocks the call after the rule timeout when nobody answers, and cancels its own question', async () => {
		answer = (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ action: 'accept', content: { decision: 'allow-once' } })));
		const started = Date.now();
		const result = await deleteNote('note-unanswered', false);
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		expect(result.isError).toBe(true);
		expect(textOf(result)).toBe(`${BLOCKED}no decision within 1s`);
		const question = [...connection.wire.received].reverse().find((message) => 'method' in message && message.method === 'elicitation/create');
		const questionId = (question as { id: string }).id;
		// Unguessable: a random part per session, then a counter (issue 12: no forged answers).
		expect(questionId).toMatch(/^mcprec-[A-Za-z0-9_-]{16}-\d+$/);
		// The question is withdrawn right after the call is answered.
		await waitFor("mcprec's cancel of its question", () => aborted.includes(questionId), 5_000);
		expect(connection.wire.received).toContainEqual({
			jsonrpc: '2.0',
			method: 'notifications/cancelled',
			params: { requestId: questionId, reason: 'mcprec: no answer in time' },
		});
		const cancelled = await waitForEvent(
			home,
			"mcprec's notifications/cancelled in the recording",
			(row) => row.origin === 'proxy' && row.target === 'client' && row.method === 'notifications/cancelled',
		);
		expect(JSON.parse(payloadOf(cancelled).toString('utf8')).params.requestId).toBe(questionId);
	});

	it('does not ask about calls no rule holds', async () => {
		const before = asked.length;
		const result = (await connection.client.callTool({ name: 'echo', arguments: { text: 'hi' } })) as CallToolResult;
		expect(result.structuredContent).toEqual({ text: 'hi' });
		expect(asked).toHaveLength(before);
	});

	it('records every step, never forwards a blocked call, and counts holds and denials (not policy blocks)', async () => {
		await connection.close();
		expect(await sessionCounters(home)).toEqual({ approvals: 5, blocked: 0, denied: 4 });
		const events = readEvents(home);
		for (const { rpcId, passed } of outcomes) {
			expect(forwarded(events, rpcId) !== undefined, `call ${rpcId} forwarded`).toBe(passed);
			expect(stepsOf(decisionsFor(events, rpcId))).toEqual(['held', 'asked', passed ? 'approved' : 'denied']);
		}
		const [held, asked, settled] = decisionsFor(events, outcomes[0].rpcId);
		expect(held).toMatchObject({ action: 'approve', status: 'held', rule: 'confirm-deletes', tool: 'delete_note' });
		expect(asked).toMatchObject({ step: 'asked', channel: 'elicitation', rule: 'confirm-deletes' });
		expect(settled).toMatchObject({ action: 'approve', status: 'approved', via: 'elicitation', reason: 'allowed once in the client' });

		const replay = await runMcprec(['replay', 'last', '--json'], home);
		expect(replay.exitCode).toBe(0);
		const replayed = String(replay.stdout)
			.split('\n')
			.filter(Boolean)
			.map((line) => JSON.parse(line) as { kind: string; id: unknown; decision: Record<string, unknown> | null });
		const decisions = replayed.filter((event) => event.kind === 'decision');
		expect(decisions).toHaveLength(15);
		expect(decisions.every((event) => event.decision !== null)).toBe(true);
		expect(decisions.filter((event) => JSON.stringify(event.id) === outcomes[1].rpcId).map((event) => event.decision!.status ?? event.decision!.step)).toEqual([
			'held',
			'asked',
			'denied',
		]);
	});
});

describe('approval out of band (`mcprec approvals`, `approve`, `deny`)', () => {
	const home = makeHome('mcprec-approvals-oob-');
	let session: RawSession;
	let announced = 0;
	let approvedId: string;

	beforeAll(async () => {
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '20s')] });
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }));
		await session.response(0);
	});
	afterAll(() => {
		session?.kill();
		removeHome(home);
	});

	it('holds the call, lists it for another terminal, and forwards it once approved', async () => {
		session.send(toolCall(1, 'delete_note', { id: 'note-1' }));
		approvedId = await nextApprovalId(session, announced++);
		expect(session.stderr).toContain(
			`mcprec: call to 'delete_note' on 'notes' is waiting for approval: run \`mcprec approve ${approvedId}\` or \`mcprec deny ${approvedId}\` (20s)\n`,
		);
		expect(await approvalsJson(home)).toEqual([
			expect.objectContaining({ id: approvedId, status: 'pending', server: 'notes', tool: 'delete_note', rule: 'confirm-deletes', arguments: { id: 'note-1' }, authority: 'local', decideUrl: null }),
		]);
		expect(session.lines.some((line) => parseLine(line).id === 1)).toBe(false);

		const approved = await runMcprec(['approve', approvedId], home);
		expect(approved.exitCode).toBe(0);
		expect(String(approved.stdout)).toBe(`approved ${approvedId}: notes delete_note {"id":"note-1"}`);
		const response = parseLine(await session.response(1));
		expect(response.result).toEqual({ content: [{ type: 'text', text: '{"id":"note-1"}' }], structuredContent: { id: 'note-1' } });
		expect(await approvalsJson(home)).toEqual([]);
	});

	it('blocks the call when denied', async () => {
		session.send(toolCall(2, 'delete_note', { id: 'note-2' }));
		const id = await nextApprovalId(session, announced++);
		const denied = await runMcprec(['deny', id, '--reason', 'notes stay: INC-7 is open'], home);
		expect(denied.exitCode).toBe(0);
		expect(String(denied.stdout)).toBe(`denied ${id}: notes delete_note {"id":"note-2"} (reason: notes stay: INC-7 is open)`);
		const { result } = parseLine(await session.response(2));
		expect(result?.isError).toBe(true);
		expect(textOf(result)).toMatch(new RegExp(`^${escape(BLOCKED)}denied by \\S+: notes stay: INC-7 is open$`));
		// Kept with the approval, for `mcprec approvals --all`.
		expect((await approvalsJson(home, true)).find((row) => row.id === id)).toMatchObject({ status: 'denied', reason: 'notes stay: INC-7 is open' });
		expect(String((await runMcprec(['approvals', '--all'], home)).stdout)).toMatch(/reason {5}notes stay: INC-7 is open/);
	});

	it('refuses to settle an approval twice, with exit 2', async () => {
		const again = await runMcprec(['deny', approvedId], home);
		expect(again.exitCode).toBe(2);
		expect(String(again.stderr)).toMatch(new RegExp(`^mcprec: approval ${approvedId} is already approved \\(by \\S+\\)$`));
		expect(String(again.stdout)).toBe('');
	});

	it('drops a held call the client cancels: no response, approval cancelled', async () => {
		session.send(toolCall(3, 'delete_note', { id: 'note-3' }));
		const id = await nextApprovalId(session, announced++);
		session.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3, reason: 'user stopped it' } }));
		session.send(toolCall(4, 'echo', { after: 'cancel' }));
		await session.response(4);
		const [row] = await approvalsJson(home, true);
		expect(row).toMatchObject({ id, status: 'cancelled', channel: 'client' });
		expect(session.lines.some((line) => parseLine(line).id === 3)).toBe(false);
		const late = await runMcprec(['approve', id], home);
		expect(late.exitCode).toBe(2);
		expect(String(late.stderr)).toBe(`mcprec: approval ${id} is already cancelled`);
	});

	it('records every step and counts holds and denials (not policy blocks)', async () => {
		session.end();
		await session.exit();
		expect(session.lines.some((line) => parseLine(line).id === 3)).toBe(false);
		expect(await sessionCounters(home)).toEqual({ approvals: 3, blocked: 0, denied: 1 });
		const events = readEvents(home);
		const approvals = await approvalsJson(home, true);
		const idOf = (marker: string) => approvals.find((approval) => (approval.arguments as { id?: string }).id === marker)!.id;
		expect(decisionsFor(events, '1')).toEqual([
			expect.objectContaining({ action: 'approve', status: 'held', rule: 'confirm-deletes' }),
			expect.objectContaining({ step: 'asked', channel: 'out-of-band', authority: 'local', approvalId: idOf('note-1') }),
			expect.objectContaining({ status: 'approved', via: 'cli', authority: 'local', approvalId: idOf('note-1') }),
		]);
		expect(stepsOf(decisionsFor(events, '2'))).toEqual(['held', 'asked', 'denied']);
		expect(decisionsFor(events, '2').at(-1)).toMatchObject({ status: 'denied', via: 'cli', approverReason: 'notes stay: INC-7 is open' });
		expect(stepsOf(decisionsFor(events, '3'))).toEqual(['held', 'asked', 'cancelled']);
		expect(forwarded(events, '1')).toBeDefined();
		expect(forwarded(events, '2')).toBeUndefined();
		expect(forwarded(events, '3')).toBeUndefined();
	});
});

// Issue 12 finding 5: the person deciding must see the whole call. A long first argument
// used to push a short dangerous one (`"path2":"/","recursive":true`) out of every view.
describe('a held call with a long first argument shows every argument on every surface', () => {
	const home = makeHome('mcprec-approvals-whole-');
	const long = `/tmp/${'very-long-directory-name/'.repeat(80)}file.txt`;
	const args = { path: long, path2: '/', recursive: true };
	let session: RawSession;
	afterAll(() => {
		session?.kill();
		removeHome(home);
	});

	/** Text with terminal folds undone: a folded line continues on the next, indented. */
	const unfold = (text: string) => text.replace(/\n +/g, '');

	it('in the question asked in the client (legacy elicitation/create and 2026-07-28 input_required)', async () => {
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '20s')] });
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'raw', version: '1' } } }));
		await session.response(0);
		session.send(toolCall(1, 'delete_note', args));
		const question = JSON.parse((await session.waitForLine((line) => line.includes('"elicitation/create"'))).toString('utf8')) as { id: string; params: { message: string } };
		expect(question.params.message).toBe(
			`mcprec: policy rule 'confirm-deletes' asks you to confirm. Allow server 'notes' to call the tool 'delete_note'?\nArguments (path (${JSON.stringify(long).length.toLocaleString('en')} characters), path2, recursive):\n${JSON.stringify(args, null, 2)}`,
		);
		session.send(JSON.stringify({ jsonrpc: '2.0', id: question.id, result: { action: 'decline' } }));
		expect(textOf(parseLine(await session.response(1)).result)).toBe(`${BLOCKED}declined in the client`);
		session.end();
		await session.exit();

		// A 2026-07-28 client (no initialize): the same question inside input_required.
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '20s')] });
		const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
		session.send(toolCall(2, 'delete_note', args, { _meta: meta }));
		const { result } = parseLine(await session.response(2));
		const asked = (result!.inputRequests as Record<string, { params: { message: string } }>)['mcprec-approval'].params.message;
		expect(asked).toBe(question.params.message);
		session.end();
		await session.exit();
	});

	it('in `mcprec approvals` (folded, not cut), `approvals --json` and `approve`', async () => {
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '20s')] });
		session.send(toolCall(1, 'delete_note', args));
		const id = await nextApprovalId(session, 0);

		const listed = await runMcprec(['approvals'], home);
		expect(listed.exitCode).toBe(0);
		const text = String(listed.stdout);
		expect(text.split('\n').every((line) => line.length <= 100)).toBe(true);
		expect(text).toContain('"path2": "/",');
		expect(text).toContain('"recursive": true');
		expect(unfold(text)).toContain(`"path": "${long}",`);
		expect(text).toContain(`decide     mcprec approve ${id}  or  mcprec deny ${id}`);

		const [json] = await approvalsJson(home);
		expect(json).toMatchObject({ id, arguments: args, authority: 'local' });

		const approved = await runMcprec(['approve', id], home);
		expect(String(approved.stdout)).toBe(`approved ${id}: notes delete_note ${JSON.stringify(args)}`);
		expect(parseLine(await session.response(1)).result).toMatchObject({ structuredContent: args });
		session.end();
		await session.exit();
	});
});

describe('an out-of-band approval nobody settles', () => {
	const home = makeHome('mcprec-approvals-expire-');
	afterAll(() => removeHome(home));

	it('blocks the call after the rule timeout and marks the approval expired', async () => {
		const session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '1s')] });
		try {
			const started = Date.now();
			session.send(toolCall(1, 'delete_note', { id: 'note-1' }));
			const id = await nextApprovalId(session, 0);
			const { result } = parseLine(await session.response(1));
			expect(Date.now() - started).toBeGreaterThanOrEqual(900);
			expect(textOf(result)).toBe(`${BLOCKED}no decision within 1s`);
			const [row] = await approvalsJson(home, true);
			expect(row).toMatchObject({ id, status: 'expired', channel: 'timeout' });
			const late = await runMcprec(['approve', id], home);
			expect(late.exitCode).toBe(2);
			expect(String(late.stderr)).toBe(`mcprec: approval ${id} is already expired`);
			session.end();
			await session.exit();
			expect(await sessionCounters(home)).toEqual({ approvals: 1, blocked: 0, denied: 1 });
			expect(decisionsFor(readEvents(home), '1')).toEqual([
				expect.objectContaining({ status: 'held' }),
				expect.objectContaining({ step: 'asked', channel: 'out-of-band', approvalId: id }),
				expect.objectContaining({ status: 'denied', via: 'timeout', approvalId: id }),
			]);
			expect(forwarded(readEvents(home), '1')).toBeUndefined();
		} finally {
			session.kill();
		}
	});
});

describe('`mcprec grant`', () => {
	const home = makeHome('mcprec-approvals-grant-');
	let session: RawSession;
	beforeAll(() => {
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '20s')] });
	});
	afterAll(() => {
		session?.kill();
		removeHome(home);
	});

	it('a grant for another server does not apply', async () => {
		const granted = await runMcprec(['grant', '--server', 'other', '--tool', 'delete_*', '--for', '15m'], home);
		expect(granted.exitCode).toBe(0);
		expect(String(granted.stdout)).toMatch(/^granted [0-9a-f]+: calls to 'delete_\*' on 'other' are pre-approved until \S+Z$/);
		session.send(toolCall(1, 'delete_note', { id: 'note-1' }));
		const id = await nextApprovalId(session, 0);
		expect((await runMcprec(['deny', id], home)).exitCode).toBe(0);
		expect(parseLine(await session.response(1)).result?.isError).toBe(true);
	});

	it('lets the next call through without asking once the tool is granted on this server', async () => {
		const granted = await runMcprec(['grant', '--server', 'notes', '--tool', 'delete_*', '--for', '15m'], home);
		expect(granted.exitCode).toBe(0);
		session.send(toolCall(2, 'delete_note', { id: 'note-2' }));
		expect(parseLine(await session.response(2)).result).toMatchObject({ structuredContent: { id: 'note-2' } });
		expect(session.stderr.match(/mcprec approve/g)).toHaveLength(1);
		expect(await approvalsJson(home, true)).toHaveLength(1);
		session.end();
		await session.exit();
		const events = readEvents(home);
		expect(decisionsFor(events, '2')).toEqual([
			expect.objectContaining({ status: 'held' }),
			expect.objectContaining({ status: 'approved', via: 'grant', reason: expect.stringMatching(/^pre-approved by grant [0-9a-f]+$/) }),
		]);
		expect(forwarded(events, '2')).toBeDefined();
	});
});

describe('approval in the 2026-07-28 era (input_required)', () => {
	const home = makeHome('mcprec-approvals-modern-');
	let session: RawSession;
	const meta = {
		'io.modelcontextprotocol/protocolVersion': '2026-07-28',
		'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
	};
	const allowOnce = { 'mcprec-approval': { action: 'accept', content: { decision: 'allow-once' } } };
	const modernCall = (id: number, args: unknown, extra: Record<string, unknown> = {}) => toolCall(id, 'delete_note', args, { _meta: meta, ...extra });

	/** Sends a held call and returns the input_required result mcprec answers with. */
	async function ask(id: number, args: unknown): Promise<Record<string, unknown>> {
		session.send(modernCall(id, args));
		return parseLine(await session.response(id)).result!;
	}

	beforeAll(() => {
		session = startRaw(rawServer, home, { runOptions: ['--name', 'notes', '--policy', writePolicy(home, '20s')] });
	});
	afterAll(() => {
		session?.kill();
		removeHome(home);
	});

	it('answers a held call with input_required carrying the approval question', async () => {
		const result = await ask(1, { id: 'note-1' });
		expect(result.resultType).toBe('input_required');
		const request = (result.inputRequests as Record<string, { method: string; params: { message: string } }>)['mcprec-approval'];
		expect(request.method).toBe('elicitation/create');
		expect(request.params.message).toContain("Allow server 'notes' to call the tool 'delete_note'?");
		expect(result.requestState).toMatch(/^mcprec-approval:/);
	});

	it('forwards the retried call with the answer, stripped of mcprec’s own fields; the state works once', async () => {
		const { requestState } = await ask(2, { id: 'note-2' });
		session.send(modernCall(3, { id: 'note-2' }, { inputResponses: allowOnce, requestState }));
		expect(parseLine(await session.response(3)).result).toEqual({
			content: [{ type: 'text', text: '{"id":"note-2"}' }],
			structuredContent: { id: 'note-2' },
		});
		const sent = await waitForEvent(home, 'the forwarded retry', (row) => row.origin === 'client' && row.target === 'server' && row.rpc_id === '3');
		expect(JSON.parse(payloadOf(sent).toString('utf8'))).toEqual({
			jsonrpc: '2.0',
			id: 3,
			method: 'tools/call',
			params: { name: 'delete_note', arguments: { id: 'note-2' }, _meta: meta },
		});

		session.send(modernCall(4, { id: 'note-2' }, { inputResponses: allowOnce, requestState }));
		const { result } = parseLine(await session.response(4));
		expect(result?.isError).toBe(true);
		expect(textOf(result)).toMatch(/^Blocked by policy rule 'confirm-deletes': /);
	});

	it('records the forwarded retry as sent: masked, without mcprec’s fields', async () => {
		const args = { id: 'note-9', token: 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' };
		const { requestState } = await ask(9, args);
		session.send(modernCall(10, args, { inputResponses: allowOnce, requestState }));
		expect(parseLine(await session.response(10)).result).toMatchObject({ structuredContent: { id: 'note-9' } });
		const sent = await waitForEvent(home, 'the forwarded retry', (row) => row.origin === 'client' && row.target === 'server' && row.rpc_id === '10');
		expect(JSON.parse(payloadOf(sent).toString('utf8')).params).toEqual({
			name: 'delete_note',
			arguments: { id: 'note-9', token: '[REDACTED:sensitive-field]' },
			_meta: meta,
		});
	});

	it('blocks a retry whose arguments differ from the call that was asked about', async () => {
		const { requestState } = await ask(5, { id: 'note-5' });
		session.send(modernCall(6, { id: 'every-note' }, { inputResponses: allowOnce, requestState }));
		const { result } = parseLine(await session.response(6));
		expect(result?.isError).toBe(true);
		expect(textOf(result)).toBe(`${BLOCKED}the retried call differs from the one that was asked about`);
	});

	it('blocks a retry that declines', async () => {
		const { requestState } = await ask(7, { id: 'note-7' });
		session.send(modernCall(8, { id: 'note-7' }, { inputResponses: { 'mcprec-approval': { action: 'decline' } }, requestState }));
		const { result } = parseLine(await session.response(8));
		expect(textOf(result)).toBe(`${BLOCKED}declined in the client`);
	});

	it('records every step and counts holds and denials (not policy blocks)', async () => {
		session.end();
		await session.exit();
		expect(await sessionCounters(home)).toEqual({ approvals: 5, blocked: 0, denied: 3 });
		const events = readEvents(home);
		expect(stepsOf(decisionsFor(events, '1'))).toEqual(['held', 'asked', 'input_required']);
		expect(decisionsFor(events, '1')[1]).toMatchObject({ step: 'asked', channel: 'input_required', rule: 'confirm-deletes' });
		expect(stepsOf(decisionsFor(events, '3'))).toEqual(['approved']);
		for (const rpcId of ['4', '6', '8']) expect(stepsOf(decisionsFor(events, rpcId))).toEqual(['denied']);
		for (const rpcId of ['1', '2', '4', '5', '6', '7', '8']) expect(forwarded(events, rpcId), `call ${rpcId}`).toBeUndefined();
		expect(forwarded(events, '3')).toBeDefined();
		expect(forwarded(events, '10')).toBeDefined();
	});
});

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
