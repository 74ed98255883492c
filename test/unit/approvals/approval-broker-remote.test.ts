// The broker offers a held call to the collector's viewer besides the local store: a
// decision made there settles the call (channel `viewer`) and is mirrored locally; a
// collector that cannot be reached leaves `mcprec approve` working.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../../../src/approvals/approval-broker.js';
import { decideApproval, readApprovals } from '../../../src/approvals/approval-store.js';
import type { SessionContext } from '../../../src/pipeline/session-context.js';
import { openStore } from '../../../src/store/open-store.js';
import type { PublishedApproval, RemoteApprovals, RemoteDecision } from '../../../src/sync/collector-approvals.js';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function setup(remote: RemoteApprovals) {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-broker-'));
	folders.push(folder);
	const file = path.join(folder, 'mcprec.db');
	const broker = new ApprovalBroker({ sessionId: '01h0000000000000000000000', openDatabase: () => openStore({ file }), pollMs: 20, remote, remotePollMs: 20 });
	const context = { clientCapabilities: {}, modern: false, note: () => {}, now: () => Date.now() * 1000 } as unknown as SessionContext;
	const request = { rpcKey: '1', digest: 'sha256:abc', timeoutMs: 5000, call: { server: 'db-prod', method: 'tools/call', tool: 'drop_table', summary: '{"table":"users"}', rule: 'confirm-drops' } };
	return { broker, context, request, database: () => openStore({ file }) };
}

describe('approval broker with a collector', () => {
	it('publishes the pending approval and settles the call with the viewer decision', async () => {
		const published: PublishedApproval[] = [];
		let decision: RemoteDecision = { status: 'pending', digest: 'sha256:abc', decidedBy: null };
		const { broker, context, request, database } = setup({ publish: async (approval) => void published.push(approval), decision: async () => decision });
		const outcome = broker.hold(request, context);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(published).toMatchObject([{ server: 'db-prod', tool: 'drop_table', rule: 'confirm-drops', summary: '{"table":"users"}', digest: 'sha256:abc' }]);
		decision = { status: 'approved', digest: 'sha256:abc', decidedBy: 'audrey@example.com' };
		await expect(outcome).resolves.toMatchObject({ decision: 'approved', via: 'viewer', reason: 'approved by audrey@example.com in the viewer', approvalId: published[0]!.id });
		expect(readApprovals(database(), [published[0]!.id])).toMatchObject([{ status: 'approved', channel: 'viewer', decided_by: 'audrey@example.com' }]);
		broker.close();
	});

	it('keeps the local path working when the collector cannot be reached', async () => {
		const { broker, context, request, database } = setup({ publish: async () => Promise.reject(new Error('ECONNREFUSED')), decision: async () => Promise.reject(new Error('ECONNREFUSED')) });
		const outcome = broker.hold(request, context);
		await new Promise((resolve) => setTimeout(resolve, 50));
		const [row] = database().prepare('SELECT id FROM approvals').all() as { id: string }[];
		decideApproval(database(), row!.id, 'denied', 'me', Date.now() * 1000);
		await expect(outcome).resolves.toMatchObject({ decision: 'denied', via: 'cli' });
		broker.close();
	});

	it('denies when the viewer approved a different call', async () => {
		const { broker, context, request } = setup({ publish: async () => {}, decision: async () => ({ status: 'approved', digest: 'sha256:other', decidedBy: 'x' }) });
		await expect(broker.hold(request, context)).resolves.toMatchObject({ decision: 'denied', via: 'viewer', reason: 'the approval does not match the held call' });
		broker.close();
	});
});
