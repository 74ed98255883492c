// `mcprec server --otlp-endpoint` (issue 18, item 3): the collector forwards every ended
// session as traces, the same spans `mcprec export --format otlp` sends, off the upload
// path. Sessions are recorded by real `mcprec run` sessions and put into the collector's
// database through its store (what an upload stores, without the OIDC login a sync
// needs); the built binary then runs on that database. An endpoint that is down gets the
// sessions later, and a restarted collector does not send them again.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionDocument } from '../../src/server/session-document.js';
import { openSqliteCollectorStore } from '../../src/server/store/sqlite-collector-store.js';
import { verifyBatch } from '../../src/server/verify-batch.js';
import { fromRow } from '../../src/event/event-forms.js';
import { startCollectorBinary } from '../helpers/collector-binary.js';
import { makeHome, readEvents, removeHome, runMcprec, servers } from '../helpers/mcprec.js';
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { connectClient } from '../helpers/sdk-client.js';

const POLICY = 'version: 1\nrules:\n  - name: no-env\n    match: { tool: get-env }\n    action: deny\n';

async function recordSession(home: string): Promise<void> {
	const policyFile = path.join(home, 'policy.yaml');
	fs.writeFileSync(policyFile, POLICY);
	const connection = await connectClient({ route: 'mcprec', serverArgs: [servers.everything], home, name: 'everything', runOptions: ['--policy', policyFile] });
	try {
		await connection.client.callTool({ name: 'echo', arguments: { message: 'hi' } });
		await connection.client.callTool({ name: 'get-env', arguments: {} });
		await connection.client.callTool({ name: 'echo', arguments: { message: 42 } });
	} finally {
		await connection.close();
	}
}

/** The local session `index` (0: the oldest), stored in the collector database `file` as alice's upload, sealed. */
async function storeInCollector(home: string, file: string, index: number): Promise<string> {
	const summary = JSON.parse(String((await runMcprec(['sessions', '--json'], home)).stdout)).reverse()[index];
	const events = readEvents(home, summary.id).map((row) => fromRow(row));
	const store = openSqliteCollectorStore({ file });
	try {
		const document = parseSessionDocument(summary, summary.id);
		await store.putSession({ document, ownerSub: 'alice', ownerEmail: 'alice@example.com', seal: null });
		expect(await store.appendEvents(verifyBatch(summary.id, events))).toMatchObject({ kind: 'appended' });
		const seal = { headHash: events.at(-1)!.hash, eventCount: events.length, deviceId: 'laptop', signature: 'c2ln', valid: true };
		expect(await store.putSession({ document, ownerSub: 'alice', ownerEmail: 'alice@example.com', seal })).toMatchObject({ session: { integrity: 'verified' } });
	} finally {
		await store.close();
	}
	return summary.id;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

const traceOf = (id: string) => id.replace(/-/g, '');
const spansOfTrace = (receiver: OtlpReceiver, id: string) => receiver.spans().filter((span) => span.traceId === traceOf(id));
/** Without what only the collector knows (owner, integrity) and who it names as the user. */
const comparable = (spans: DecodedSpan[]) =>
	spans.map((span) => ({
		...span,
		attributes: Object.fromEntries(Object.entries(span.attributes).filter(([key]) => !['mcprec.integrity', 'mcprec.owner', 'mcprec.user'].includes(key))),
	}));

describe('mcprec server --otlp-endpoint', () => {
	let home: string;
	let receiver: OtlpReceiver;
	const sessionIds: string[] = [];

	beforeAll(async () => {
		home = makeHome();
		receiver = await startOtlpReceiver();
		await recordSession(home);
		await recordSession(home);
	}, 60_000);
	afterAll(async () => {
		await receiver.close();
		removeHome(home);
	});

	it('forwards each ended session as the spans `mcprec export` sends, once, and after an outage of the endpoint', async () => {
		const file = path.join(home, 'collector', 'collector.db');
		sessionIds.push(await storeInCollector(home, file, 0));
		receiver.respondWith(503);
		const args = ['--database', file, '--issuer', 'http://127.0.0.1:9/', '--audience', 'mcprec-collector', '--otlp-endpoint', receiver.url];
		let collector = await startCollectorBinary(args, home);
		try {
			const announced = `Forwarding ended sessions as OTLP traces (http/protobuf) to ${receiver.url}/v1/traces`;
			await waitFor('the forwarding line', () => (collector.output().includes(announced) ? true : undefined));
			await waitFor('the warning about the endpoint', () => (collector.output().includes('trying again, nothing is lost') ? true : undefined));
			expect(receiver.spans()).toEqual([]);
			receiver.respondWith(200);
			const forwarded = await waitFor('the forwarded session', () => (spansOfTrace(receiver, sessionIds[0]!).length > 0 ? spansOfTrace(receiver, sessionIds[0]!) : undefined));
			const root = forwarded.find((span) => span.parentSpanId === '')!;
			expect(root.attributes).toMatchObject({ 'mcprec.integrity': 'verified', 'mcprec.owner': 'alice', 'mcprec.user': 'alice@example.com', 'mcp.session.id': sessionIds[0] });
			expect(forwarded.find((span) => span.name === 'tools/call get-env')!.attributes).toMatchObject({ 'mcprec.decision': 'blocked', 'mcprec.rule': 'no-env', 'error.type': 'mcprec.refused' });
			expect(Object.keys(forwarded.find((span) => span.name === 'tools/call echo')!.attributes).filter((key) => key.includes('body'))).toEqual([]);

			// The same spans as `mcprec export` of the local session.
			const local = await startOtlpReceiver();
			try {
				const exported = await runMcprec(['export', sessionIds[0]!, '--format', 'otlp'], home, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: local.url } });
				expect(exported.exitCode).toBe(0);
				expect(comparable(forwarded)).toEqual(comparable(local.spans()));
			} finally {
				await local.close();
			}
		} finally {
			await collector.close();
		}

		// Restarted, it sends the new session and not the one the endpoint took already.
		sessionIds.push(await storeInCollector(home, file, 1));
		receiver.requests.length = 0;
		collector = await startCollectorBinary(args, home);
		try {
			await waitFor('the second session', () => (spansOfTrace(receiver, sessionIds[1]!).length > 0 ? true : undefined));
			expect(new Set(receiver.spans().map((span) => span.traceId))).toEqual(new Set([traceOf(sessionIds[1]!)]));
		} finally {
			await collector.close();
		}
	}, 90_000);
});
