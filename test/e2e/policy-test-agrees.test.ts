// `mcprec policy test` and a real `mcprec run` decide alike: the same calls, once dry-run
// against the policy file and once sent through a session with the raw-server fixture,
// meet the same rule with the same action — a deny on arguments, a rule that holds the
// call for approval, a log rule that reads the annotations the server listed, a hidden tool,
// a hidden tool a rule denies (the rule answers), and a call no rule meets.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, removeHome, runMcprec, waitForEvents, type StoredEventRow } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const POLICY = `version: 1
rules:
  - name: no-admin-wipe
    match: { tool: admin_wipe }
    action: deny
    message: never
  - name: no-etc
    match: { tool: echo, args: { path: "^/etc/" } }
    action: deny
    message: nothing under /etc
  - name: confirm-deletes
    match: { tool: "delete_*" }
    action: approve
    timeout: 60s
  - name: writable-notes
    match: { tool: read_note, annotations: { readOnlyHint: false } }
    action: deny
  - name: note-reads
    match: { tool: "*_note" }
    action: log
tools:
  hide: ["admin_*"]
`;

/** The annotations raw-server.mjs lists for its tools (what the catalog learns in a session). */
const LISTED: Record<string, Record<string, unknown>> = {
	read_note: { readOnlyHint: true },
	delete_note: { readOnlyHint: false, destructiveHint: true },
};

const CALLS: { tool: string; args: Record<string, unknown>; expected: { action: string; rule: string | null } }[] = [
	{ tool: 'echo', args: { path: '/etc/passwd' }, expected: { action: 'deny', rule: 'no-etc' } },
	{ tool: 'echo', args: { path: '/tmp/notes' }, expected: { action: 'allow', rule: null } },
	{ tool: 'read_note', args: { id: 1 }, expected: { action: 'log', rule: 'note-reads' } },
	{ tool: 'admin_reset', args: {}, expected: { action: 'deny', rule: 'tools.hide' } },
	// Hidden, and denied by a rule: the rule answers first (guardrails checks the rules, then tools.hide).
	{ tool: 'admin_wipe', args: {}, expected: { action: 'deny', rule: 'no-admin-wipe' } },
	{ tool: 'delete_note', args: { id: 1 }, expected: { action: 'approve', rule: 'confirm-deletes' } },
];

type Verdict = { action: string; rule: string | null };

describe('policy test agrees with run', () => {
	let home: string;
	let policyFile: string;
	let session: RawSession;

	beforeAll(async () => {
		home = makeHome();
		policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, POLICY);
		session = startRaw(['node', fixture('raw-server.mjs')], home, { runOptions: ['--name', 'notes', '--policy', policyFile] });
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'agree', version: '1' } } }));
		await session.response(1);
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }));
		await session.response(2);
	});
	afterAll(async () => {
		session.end();
		await session.exit();
		removeHome(home);
	});

	async function dryRun(tool: string, args: Record<string, unknown>): Promise<Verdict> {
		const annotations = LISTED[tool] ? ['--annotations', JSON.stringify(LISTED[tool])] : [];
		const result = await runMcprec(['policy', 'test', policyFile, '--server', 'notes', '--tool', tool, '--args', JSON.stringify(args), ...annotations, '--json'], home);
		expect(result.stderr).toBe('');
		expect(result.exitCode).toBe(0);
		const reported = JSON.parse(String(result.stdout)) as { rule: string | null; action: string; message: string | null };
		// A hidden tool is said in words, not as a rule.
		if (reported.rule === null && reported.action === 'deny') {
			expect(reported.message).toBe(`tool '${tool}' is hidden by tools.hide`);
			return { action: 'deny', rule: 'tools.hide' };
		}
		return { action: reported.action, rule: reported.rule };
	}

	// What the session did with the call: the answer the client got (or none, for a held call)
	// and the decision the proxy recorded for it.
	const decisionsFor = (events: StoredEventRow[], id: number) =>
		events.filter((event) => event.kind === 'decision' && event.rpc_id === String(id)).map((event) => JSON.parse(payloadOf(event).toString()) as Record<string, unknown>);
	const answerTo = (id: number) => session.lines.find((line) => JSON.parse(line.toString('utf8')).id === id);

	async function inSession(id: number, tool: string, args: Record<string, unknown>): Promise<Verdict> {
		session.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } }));
		// Answered (by mcprec or the server), or held: the held decision is recorded when the hold starts.
		const events = await waitForEvents(home, (stored) => answerTo(id) !== undefined || decisionsFor(stored, id).some((details) => details.status === 'held'), 10_000);
		const held = decisionsFor(events, id).find((details) => details.status === 'held');
		if (held) {
			expect(answerTo(id)).toBeUndefined();
			return { action: 'approve', rule: held.rule as string };
		}
		const answer = JSON.parse(answerTo(id)!.toString('utf8'));
		const blocked = /^Blocked by policy rule '([^']+)'/.exec(answer.result?.content?.[0]?.text ?? '');
		if (blocked) {
			const recorded = await waitForEvents(home, (stored) => decisionsFor(stored, id).length > 0);
			expect(decisionsFor(recorded, id)).toContainEqual(expect.objectContaining({ action: 'deny', rule: blocked[1] }));
			return { action: 'deny', rule: blocked[1]! };
		}
		// Forwarded: the server's answer is in the store once the call and its decisions are.
		const recorded = await waitForEvents(home, (stored) => stored.some((event) => event.origin === 'server' && event.rpc_id === String(id)));
		const met = decisionsFor(recorded, id).find((details) => details.action === 'allow' || details.action === 'log');
		return met ? { action: met.action as string, rule: met.rule as string } : { action: 'allow', rule: null };
	}

	it.each(CALLS.map((call, index) => ({ ...call, id: 10 + index })))('$tool $args: $expected.action $expected.rule', async ({ id, tool, args, expected }) => {
		const reported = await dryRun(tool, args);
		expect(await inSession(id, tool, args)).toEqual(reported);
		expect(reported).toEqual(expected);
	});

	it('the hold was real: the held call is still waiting', () => {
		const decided = readEvents(home).filter((event) => event.kind === 'decision').map((event) => JSON.parse(payloadOf(event).toString()) as Record<string, unknown>);
		expect(decided.filter((details) => details.status === 'held').map((details) => details.rule)).toEqual(['confirm-deletes']);
		// Asked out of band ({step: 'asked'}), never settled (no approved/denied status).
		expect(decided.filter((details) => details.rule === 'confirm-deletes' && details.status !== undefined).map((details) => details.status)).toEqual(['held']);
		expect(answerTo(10 + CALLS.findIndex((call) => call.tool === 'delete_note'))).toBeUndefined();
	});
});
