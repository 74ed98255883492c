// With a collector configured, a held call has one authority: the collector. The broker
// publishes the whole call there and settles it with the approver group's decision
// (channel `viewer`, mirrored locally); `mcprec approve` and the local store cannot settle
// it; a collector that cannot be reached is asked again until the call expires; a call
// that ends here is withdrawn there, and a decision that got there first wins. Grants and
// the client's own question are the requester approving, so only a `selfApprove` rule uses
// them. (The real collector and binary: test/e2e/approvals-collector.test.ts.)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalBroker, type ApprovalRequest } from '../../../src/approvals/approval-broker.js';
import { decideApproval, insertGrant, readApprovals } from '../../../src/approvals/approval-store.js';
import type { SessionContext } from '../../../src/pipeline/session-context.js';
import { openStore } from '../../../src/store/open-store.js';
import { RemoteApprovalError, type PublishedApproval, type RemoteApprovals, type RemoteDecision } from '../../../src/sync/collector-approvals.js';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

const pending = (extra: Partial<RemoteDecision> = {}): RemoteDecision => ({ status: 'pending', digest: 'sha256:abc', decidedBy: null, arguments: { table: 'users' }, ...extra });

/** A scripted collector: decisions and failures set by the test; every request is remembered. */
function fakeCollector() {
	const fake = {
		published: [] as PublishedApproval[],
		withdrawn: [] as { id: string; status: string }[],
		publishError: undefined as Error | undefined,
		stored: undefined as RemoteDecision | undefined,
		decision: pending(),
		/** What a withdrawal finds (default: still pending, so it is withdrawn). */
		atWithdrawal: undefined as RemoteDecision | undefined,
		remote: undefined as unknown as RemoteApprovals,
	};
	fake.remote = {
		viewerUrl: (id) => `https://collector.test/approvals/${id}`,
		async publish(approval) {
			fake.published.push(approval);
			if (fake.publishError) throw fake.publishError;
			return { ...(fake.stored ?? pending({ arguments: approval.arguments })), viewerUrl: `https://viewer.test/approvals/${approval.id}` };
		},
		decision: async () => fake.decision,
		async withdraw(id, status) {
			fake.withdrawn.push({ id, status });
			return fake.atWithdrawal ?? { ...fake.decision, status };
		},
	};
	return fake;
}

function setup(remote: RemoteApprovals | undefined, call: Partial<ApprovalRequest['call']> = {}, timeoutMs = 5000) {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-broker-'));
	folders.push(folder);
	const file = path.join(folder, 'mcprec.db');
	const announced: string[] = [];
	const broker = new ApprovalBroker({ sessionId: '01h0000000000000000000000', openDatabase: () => openStore({ file }), pollMs: 20, remote, remotePollMs: 20, announce: (text) => announced.push(text) });
	const notes: Record<string, unknown>[] = [];
	const context = {
		clientCapabilities: { elicitation: {} },
		modern: true,
		note: (note: { details: Record<string, unknown> }) => notes.push(note.details),
		now: () => Date.now() * 1000,
	} as unknown as SessionContext;
	const request: ApprovalRequest = {
		rpcKey: '1',
		digest: 'sha256:abc',
		timeoutMs,
		call: { server: 'db-prod', method: 'tools/call', tool: 'drop_table', arguments: { table: 'users' }, rule: 'confirm-drops', ...call },
	};
	const database = () => openStore({ file });
	const rows = () => database().prepare('SELECT * FROM approvals').all() as { id: string; status: string; authority: string; decide_url: string | null; arguments: string }[];
	return { broker, context, request, database, rows, notes, announced };
}

const tick = (ms = 80) => new Promise((resolve) => setTimeout(resolve, ms));

describe('approval broker with a collector', () => {
	it('publishes the whole call, settles it with the approver group’s decision, and mirrors it locally', async () => {
		const collector = fakeCollector();
		const { broker, context, request, rows, notes, announced } = setup(collector.remote);
		const outcome = broker.hold(request, context);
		await tick();
		expect(collector.published).toMatchObject([{ server: 'db-prod', tool: 'drop_table', rule: 'confirm-drops', arguments: { table: 'users' }, summary: '{"table":"users"}', selfApprove: false, digest: 'sha256:abc' }]);
		const id = collector.published[0]!.id;
		expect(rows()).toMatchObject([{ id, status: 'pending', authority: 'collector', decide_url: `https://viewer.test/approvals/${id}`, arguments: '{"table":"users"}' }]);
		expect(notes).toEqual([{ step: 'asked', channel: 'out-of-band', authority: 'collector', approvalId: id, rule: 'confirm-drops', url: `https://collector.test/approvals/${id}` }]);
		expect(announced).toEqual([`call to 'drop_table' on 'db-prod' is waiting for approval ${id} by the collector's approver group: https://viewer.test/approvals/${id} (5s)`]);
		collector.decision = pending({ status: 'approved', decidedBy: 'audrey@example.com' });
		await expect(outcome).resolves.toEqual({ decision: 'approved', via: 'viewer', reason: 'approved by audrey@example.com in the viewer', approvalId: id, authority: 'collector', decidedBy: 'audrey@example.com' });
		expect(rows()).toMatchObject([{ id, status: 'approved' }]);
		await broker.close();
	});

	it('is not settled by `mcprec approve` or by an edit of the local store', async () => {
		const collector = fakeCollector();
		const { broker, context, request, database, rows } = setup(collector.remote, {}, 400);
		const outcome = broker.hold(request, context);
		await tick();
		const [{ id }] = rows();
		expect(() => decideApproval(database(), id, 'approved', 'alice', Date.now() * 1000)).toThrow(
			`approval ${id} is decided by the collector's approver group, not here; ask them to decide it: https://viewer.test/approvals/${id}. Calls held while a collector is configured (sync.endpoint and a login) are settled there only.`,
		);
		database().prepare("UPDATE approvals SET status = 'approved', channel = 'cli' WHERE id = ?").run(id);
		await expect(outcome).resolves.toMatchObject({ decision: 'denied', via: 'timeout', reason: 'no decision within 0.4s', authority: 'collector' });
		expect(collector.withdrawn).toEqual([{ id, status: 'expired' }]);
		await broker.close();
	});

	it('offers the call again while the collector cannot be reached, and never falls back to a local decision', async () => {
		const collector = fakeCollector();
		collector.publishError = new Error('ECONNREFUSED');
		const { broker, context, request, rows, announced } = setup(collector.remote);
		const outcome = broker.hold(request, context);
		await tick(150);
		expect(collector.published.length).toBeGreaterThanOrEqual(2);
		const [{ id }] = rows();
		expect(announced).toEqual([
			`call to 'drop_table' on 'db-prod' is waiting for approval ${id}, which could not be offered to the collector yet (ECONNREFUSED); trying again until it expires (5s). Only the collector's approver group can decide it.`,
		]);
		collector.publishError = undefined;
		await tick(100);
		collector.decision = pending({ status: 'denied', decidedBy: 'audrey@example.com' });
		await expect(outcome).resolves.toMatchObject({ decision: 'denied', via: 'viewer', approvalId: id });
		await broker.close();
	});

	it('denies at the timeout, saying why, when the collector was never reached', async () => {
		const collector = fakeCollector();
		collector.publishError = new Error('ECONNREFUSED');
		collector.remote.withdraw = async () => Promise.reject(new Error('ECONNREFUSED'));
		const { broker, context, request } = setup(collector.remote, {}, 300);
		await expect(broker.hold(request, context)).resolves.toMatchObject({ decision: 'denied', via: 'timeout', reason: 'no decision within 0.3s (the collector could not be reached: ECONNREFUSED)' });
		await broker.close();
	});

	it('denies at once when the collector refuses the approval for good', async () => {
		const collector = fakeCollector();
		collector.publishError = new RemoteApprovalError("POST /api/v1/approvals: HTTP 400 ('arguments' is too large)", true);
		const { broker, context, request, rows } = setup(collector.remote);
		await expect(broker.hold(request, context)).resolves.toMatchObject({ decision: 'denied', via: 'collector', reason: expect.stringMatching(/^the collector refused approval [0-9a-f]+: POST \/api\/v1\/approvals: HTTP 400/) });
		expect(rows()).toMatchObject([{ status: 'denied' }]);
		await broker.close();
	});

	it('denies when the collector already holds other arguments under the id, or the viewer approved a different call', async () => {
		const collector = fakeCollector();
		collector.stored = pending({ arguments: { table: 'audit_log' } });
		const first = setup(collector.remote);
		await expect(first.broker.hold(first.request, first.context)).resolves.toMatchObject({ decision: 'denied', via: 'collector', reason: expect.stringMatching(/^the collector holds a different call under approval id /) });
		await first.broker.close();

		const other = fakeCollector();
		other.decision = pending({ status: 'approved', digest: 'sha256:other', decidedBy: 'x' });
		const second = setup(other.remote);
		await expect(second.broker.hold(second.request, second.context)).resolves.toMatchObject({ decision: 'denied', via: 'viewer', reason: 'the approval does not match the held call' });
		await second.broker.close();
	});

	it('honours a decision that reached the collector just before the timeout', async () => {
		const collector = fakeCollector();
		collector.atWithdrawal = pending({ status: 'approved', decidedBy: 'audrey@example.com' });
		collector.remote.decision = async () => pending();
		const { broker, context, request } = setup(collector.remote, {}, 300);
		await expect(broker.hold(request, context)).resolves.toMatchObject({ decision: 'approved', via: 'viewer', authority: 'collector' });
		await broker.close();
	});

	it('withdraws the call at the collector when the client cancels it or the session ends', async () => {
		const collector = fakeCollector();
		const { broker, context, request } = setup(collector.remote);
		const cancelled = broker.hold(request, context);
		const ended = broker.hold({ ...request, rpcKey: '2' }, context);
		await tick();
		broker.cancel('1');
		await expect(cancelled).resolves.toMatchObject({ decision: 'cancelled' });
		await broker.close();
		await expect(ended).resolves.toMatchObject({ decision: 'denied', via: 'session-end' });
		expect(collector.withdrawn.map((entry) => entry.status)).toEqual(['cancelled', 'cancelled']);
		expect(new Set(collector.withdrawn.map((entry) => entry.id))).toEqual(new Set(collector.published.map((entry) => entry.id)));
	});

	it('skips grants and the client’s own question unless the rule allows self-approval', async () => {
		const collector = fakeCollector();
		const strict = setup(collector.remote);
		insertGrant(strict.database(), { server: 'db-prod', tool: '*', created_at: 0, expires_at: Date.now() * 1000 + 60_000_000, created_by: 'alice', reason: null });
		const held = strict.broker.hold(strict.request, strict.context);
		await tick();
		expect(collector.published).toHaveLength(1);
		collector.decision = pending({ status: 'denied', decidedBy: 'audrey@example.com' });
		await expect(held).resolves.toMatchObject({ decision: 'denied', via: 'viewer' });
		await strict.broker.close();

		const relaxed = setup(fakeCollector().remote, { selfApprove: true });
		await expect(relaxed.broker.hold(relaxed.request, relaxed.context)).resolves.toMatchObject({ decision: 'input-required' });
		insertGrant(relaxed.database(), { server: 'db-prod', tool: '*', created_at: 0, expires_at: Date.now() * 1000 + 60_000_000, created_by: 'alice', reason: null });
		await expect(relaxed.broker.hold(relaxed.request, relaxed.context)).resolves.toMatchObject({ decision: 'approved', via: 'grant', authority: 'local' });
		await relaxed.broker.close();
	});
});

describe('approval broker without a collector', () => {
	it('is settled by `mcprec approve`, recorded as a local decision', async () => {
		const { broker, context, request, database, rows, announced } = setup(undefined);
		context.clientCapabilities = {};
		const outcome = broker.hold(request, context);
		await tick();
		const [{ id, authority }] = rows();
		expect(authority).toBe('local');
		expect(announced).toEqual([`call to 'drop_table' on 'db-prod' is waiting for approval: run \`mcprec approve ${id}\` or \`mcprec deny ${id}\` (5s)`]);
		decideApproval(database(), id, 'approved', 'alice', Date.now() * 1000);
		await expect(outcome).resolves.toEqual({ decision: 'approved', via: 'cli', reason: 'approved by alice', approvalId: id, authority: 'local', decidedBy: 'alice' });
		expect(readApprovals(database(), [id])).toMatchObject([{ status: 'approved', decided_by: 'alice', channel: 'cli' }]);
		await broker.close();
	});
});
