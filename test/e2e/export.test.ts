// `mcprec export` as a security team uses it (issue 18): sessions recorded by real
// `mcprec run` sessions (the SDK client and server-everything, with a policy that blocks,
// holds and masks) go to a receiver that decodes OTLP for real, in protobuf and in JSON,
// and the spans are checked one by one against the recording as `replay --json` shows it.
// Also: JSON lines, --since-last per destination, an endpoint that is down, and the OTEL_*
// variables for headers and resource.

import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, mcprecBin, readSessions, removeHome, runMcprec, servers } from '../helpers/mcprec.js';
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { connectClient } from '../helpers/sdk-client.js';

const AWS_KEY_ID = 'AKIAQ3EXAMPLEZ7KX4MB';
const POLICY = `version: 1
rules:
  - name: no-env
    match: { tool: get-env }
    action: deny
    message: environment is off limits
  - name: confirm-sums
    match: { tool: get-sum }
    action: approve
    timeout: 1s
mask:
  detectors: [secrets]
  strategy: redact
`;

interface ReplayLine {
	seq: number;
	ts: string;
	origin: string;
	target: string | null;
	kind: string;
	method: string | null;
	id: string | number | null;
	tool: string | null;
	message?: Record<string, any>;
	text?: string;
	details?: Record<string, any>;
	outcome?: string;
	hash: string;
}

/** A session through `mcprec run`: progress, a tool error, a block, a hold that times out, a masked secret. */
async function recordSession(home: string, name: string): Promise<void> {
	const policyFile = path.join(home, 'policy.yaml');
	fs.writeFileSync(policyFile, POLICY);
	const connection = await connectClient({ route: 'mcprec', serverArgs: [servers.everything], home, name, runOptions: ['--policy', policyFile] });
	try {
		await connection.client.callTool({ name: 'echo', arguments: { message: `key ${AWS_KEY_ID}` } });
		await connection.client.callTool({ name: 'echo', arguments: { message: 42 } });
		await connection.client.callTool({ name: 'get-env', arguments: {} });
		await connection.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
		await connection.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } }, undefined, { onprogress: () => {} });
		await connection.client.listTools();
	} finally {
		await connection.close();
	}
}

/** µs since the epoch from replay's ISO time with microseconds. */
function microsOf(iso: string): bigint {
	const [whole, fraction] = iso.replace('Z', '').split('.') as [string, string];
	return BigInt(Date.parse(`${whole}.${fraction.slice(0, 3)}Z`)) * 1000n + BigInt(fraction.slice(3, 6));
}

async function replayLines(home: string, sessionId: string): Promise<ReplayLine[]> {
	const result = await runMcprec(['replay', sessionId, '--json'], home);
	expect(result.exitCode).toBe(0);
	return String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as ReplayLine);
}

// What each request's span must say, worked out from the recording without mcprec's export code.
function checkRequestSpans(spans: DecodedSpan[], events: ReplayLine[], session: Record<string, any>, payloads: boolean): void {
	const root = spans.find((span) => span.parentSpanId === '')!;
	expect(root.name).toBe(`mcp session ${session.server}`);
	expect(root.traceId).toBe(String(session.id).replace(/-/g, ''));
	expect(root.attributes).toMatchObject({ 'mcp.session.id': session.id, 'mcp.protocol.version': session.protocol_version, 'network.transport': 'pipe', 'mcprec.chain.hash': session.head_hash });
	expect(root.startNanos).toBe(BigInt(session.started_at) * 1000n);
	expect(root.endNanos).toBe(BigInt(session.ended_at) * 1000n);
	const requests = events.filter((event) => event.kind === 'message' && event.message && 'method' in event.message && 'id' in event.message);
	const children = spans.filter((span) => span.parentSpanId !== '');
	expect(children).toHaveLength(requests.length);
	for (const request of requests) {
		const span = children.find((child) => child.attributes['mcprec.request.seq'] === request.seq);
		expect(span, `span of request seq ${request.seq}`).toBeDefined();
		const response = events.find((event) => event.kind === 'message' && event.seq > request.seq && event.origin !== request.origin && event.id === request.id && event.message && !('method' in event.message));
		const notes = events.filter((event) => (event.kind === 'decision' || event.kind === 'mask') && event.id === request.id && event.method === request.method);
		const expected: Record<string, unknown> = {
			'mcp.method.name': request.method,
			'jsonrpc.request.id': String(request.id),
			'mcp.session.id': session.id,
			'mcp.protocol.version': session.protocol_version,
			'network.transport': 'pipe',
			'mcprec.server': session.server,
			'mcprec.user': session.os_user,
			'mcprec.chain.hash': (response ?? request).hash,
		};
		if (request.method === 'tools/call') {
			expected['gen_ai.tool.name'] = request.tool;
			expected['gen_ai.operation.name'] = 'execute_tool';
		}
		if (response?.outcome === 'error') expected['error.type'] = String(response.message!.error.code);
		if (response?.outcome === 'tool-error') expected['error.type'] = 'tool_error';
		if (response?.outcome === 'blocked') expected['error.type'] = 'mcprec.refused';
		const decisions = notes.filter((note) => note.kind === 'decision');
		if (decisions.length > 0) expected['mcprec.rule'] = decisions.at(-1)!.details!.rule;
		const masked = notes.filter((note) => note.kind === 'mask').flatMap((note) => note.details!.findings as { count: number }[]);
		if (masked.length > 0) expected['mcprec.masked.count'] = masked.reduce((sum, finding) => sum + finding.count, 0);
		expect(span!.attributes, `attributes of ${span!.name}`).toMatchObject(expected);
		for (const absent of ['error.type', 'mcprec.rule', 'mcprec.masked.count', 'gen_ai.tool.name']) {
			if (!(absent in expected)) expect(span!.attributes, `${span!.name} has no ${absent}`).not.toHaveProperty([absent]);
		}
		expect(span!.name).toBe(request.method === 'tools/call' ? `tools/call ${request.tool}` : request.method);
		expect(span!.kind).toBe(request.origin === 'client' ? 3 : 2);
		expect(span!.status.code).toBe(expected['error.type'] ? 2 : 0);
		const noteTimes = notes.map((note) => microsOf(note.ts));
		const start = [microsOf(request.ts), ...noteTimes].reduce((a, b) => (a < b ? a : b));
		expect(span!.startNanos).toBe(start * 1000n);
		if (response) expect(span!.endNanos).toBe(microsOf(response.ts) * 1000n);
		expect(span!.events.filter((event) => event.name === 'mcprec.decision').map((event) => event.attributes['mcprec.rule'])).toEqual(
			decisions.map((note) => note.details!.rule),
		);
		if (payloads) expect(JSON.parse(String(span!.attributes['mcprec.request.body']))).toEqual(request.message);
		else expect(Object.keys(span!.attributes).filter((key) => /body|arguments|result/.test(key))).toEqual([]);
	}
}

describe('mcprec export', () => {
	let home: string;
	let receiver: OtlpReceiver;
	let sessions: Record<string, any>[];

	beforeAll(async () => {
		home = makeHome();
		receiver = await startOtlpReceiver();
		await recordSession(home, 'everything');
		sessions = readSessions(home);
	}, 60_000);
	afterAll(async () => {
		await receiver.close();
		removeHome(home);
	});

	const otlpEnv = (extra: Record<string, string> = {}) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...extra });

	it('sends one trace per session over http/protobuf, a span per request checked against the recording', async () => {
		receiver.requests.length = 0;
		const result = await runMcprec(['export', 'last', '--format', 'otlp'], home, {
			env: otlpEnv({ OTEL_SERVICE_NAME: 'mcp-audit', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=sec', OTEL_EXPORTER_OTLP_HEADERS: 'x-scope-orgid=acme' }),
		});
		expect(String(result.stderr)).toMatch(/^Exported 1 session\(s\), \d+ spans, to http:\/\/127\.0\.0\.1:\d+\/v1\/traces\.$/);
		expect(result.exitCode).toBe(0);
		expect(receiver.requests.map((request) => request.contentType)).toEqual(['application/x-protobuf']);
		expect(receiver.requests[0]!.headers['x-scope-orgid']).toBe('acme');
		const spans = receiver.spans();
		const events = await replayLines(home, sessions[0]!.id);
		checkRequestSpans(spans, events, sessions[0]!, false);
		expect(spans[0]!.resource).toMatchObject({ 'service.name': 'mcp-audit', 'deployment.environment': 'test', team: 'sec' });
		expect(new Set(spans.map((span) => span.scope))).toEqual(new Set(['mcprec']));

		// What the session did, as an auditor would look for it.
		const byName = (name: string) => spans.filter((span) => span.name === name);
		expect(byName('tools/call get-env')[0]!.attributes).toMatchObject({ 'mcprec.decision': 'blocked', 'mcprec.rule': 'no-env', 'error.type': 'mcprec.refused' });
		const held = byName('tools/call get-sum')[0]!;
		expect(held.events.map((event) => event.attributes['mcprec.decision'])).toEqual(['held', 'asked', 'denied']);
		expect(held.attributes['mcprec.decision']).toBe('denied');
		const [secret, wrongType] = byName('tools/call echo');
		expect(secret!.attributes).toMatchObject({ 'mcprec.masked.detectors': ['aws-access-key'] });
		expect(wrongType!.attributes['error.type']).toBe('tool_error');
		const progress = byName('tools/call trigger-long-running-operation')[0]!.events.filter((event) => event.name === 'notifications/progress');
		expect(progress.map((event) => event.attributes['mcp.progress'])).toEqual([1, 2]);
		const root = spans.find((span) => span.parentSpanId === '')!;
		expect(root.events.map((event) => event.name)).toContain('notifications/initialized');
		// Spans and events carry no payload without --payloads, and never the unmasked secret.
		expect(JSON.stringify(spans, (_key, value) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(AWS_KEY_ID);
	});

	it('sends the same spans over http/json, and the payloads (masked) with --payloads', async () => {
		receiver.requests.length = 0;
		expect((await runMcprec(['export', 'last', '--format', 'otlp'], home, { env: otlpEnv() })).exitCode).toBe(0);
		const protobufSpans = receiver.spans();
		receiver.requests.length = 0;
		const json = await runMcprec(['export', 'last', '--format', 'otlp'], home, { env: otlpEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }) });
		expect(json.exitCode).toBe(0);
		expect(receiver.requests.map((request) => request.contentType)).toEqual(['application/json']);
		expect(receiver.spans()).toEqual(protobufSpans);

		receiver.requests.length = 0;
		const withPayloads = await runMcprec(['export', 'last', '--format', 'otlp', '--payloads'], home, {
			env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` },
		});
		expect(withPayloads.exitCode).toBe(0);
		const spans = receiver.spans();
		checkRequestSpans(spans, await replayLines(home, sessions[0]!.id), sessions[0]!, true);
		const secret = spans.find((span) => span.name === 'tools/call echo')!;
		expect(String(secret.attributes['gen_ai.tool.call.arguments'])).toContain('[REDACTED');
		expect(JSON.stringify(spans, (_key, value) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(AWS_KEY_ID);
	});

	it('writes JSON lines: replay --json plus the session, payloads only with --payloads', async () => {
		const events = await replayLines(home, sessions[0]!.id);
		const full = await runMcprec(['export', '--all', '--format', 'jsonl', '--payloads'], home);
		expect(full.exitCode).toBe(0);
		const lines = String(full.stdout).trim().split('\n').map((line) => JSON.parse(line));
		expect(lines.map(({ session: _session, ...event }) => event)).toEqual(events);
		const summary = JSON.parse(String((await runMcprec(['sessions', '--json'], home)).stdout))[0];
		const { counts: _counts, headHash: _headHash, synced: _synced, ...sessionFields } = summary;
		for (const line of lines) expect(line.session).toEqual(sessionFields);

		const file = path.join(home, 'audit.jsonl');
		const bare = await runMcprec(['export', '--since', '1h', '--format', 'jsonl', '--output', file], home);
		expect(bare.exitCode).toBe(0);
		expect(String(bare.stdout)).toBe('');
		const bareLines = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
		expect(bareLines).toEqual(lines.map(({ message: _message, text: _text, ...rest }) => rest));
	});

	it('--since-last sends each ended session once per destination, and goes on after the endpoint was down', async () => {
		const env = otlpEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
		receiver.respondWith(503);
		const down = await runMcprec(['export', '--since-last', '--format', 'otlp'], home, { env: { ...env, OTEL_EXPORTER_OTLP_TIMEOUT: '3000' } });
		expect(down.exitCode).toBe(4);
		expect(String(down.stderr)).toMatch(/did not take the spans.*0 of 1 session\(s\) were exported; run again to go on from there/);
		receiver.respondWith(200);
		receiver.requests.length = 0;
		const first = await runMcprec(['export', '--since-last', '--format', 'otlp'], home, { env });
		expect(first.exitCode).toBe(0);
		expect(new Set(receiver.spans().map((span) => span.traceId)).size).toBe(1);
		receiver.requests.length = 0;
		const again = await runMcprec(['export', '--since-last', '--format', 'otlp'], home, { env });
		expect(String(again.stderr)).toBe(`Exported 0 session(s), 0 spans, to ${receiver.url}/v1/traces.`);
		expect(receiver.requests).toEqual([]);
		// Another destination has its own memory.
		const file = path.join(home, 'since-last.jsonl');
		expect((await runMcprec(['export', '--since-last', '--format', 'jsonl', '--output', file], home)).exitCode).toBe(0);
		expect(fs.readFileSync(file, 'utf8').trim().split('\n').length).toBe(sessions[0]!.event_count);

		await recordSession(home, 'second');
		const next = await runMcprec(['export', '--since-last', '--format', 'otlp'], home, { env });
		expect(next.exitCode).toBe(0);
		const second = readSessions(home).find((session) => session.server === 'second')!;
		expect([...new Set(receiver.spans().map((span) => span.traceId))]).toEqual([String(second.id).replace(/-/g, '')]);
		expect((await runMcprec(['export', '--since-last', '--format', 'jsonl', '--output', file], home)).exitCode).toBe(0);
		expect(fs.readFileSync(file, 'utf8').trim().split('\n').length).toBe(sessions[0]!.event_count + Number(second.event_count));
	}, 60_000);

	it('shows progress on a terminal only, never in the lines', async () => {
		const file = path.join(home, 'tty.jsonl');
		// util-linux `script` runs it on a pseudo-terminal and copies what the terminal showed.
		const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
		const command = [process.execPath, mcprecBin, 'export', '--all', '--format', 'jsonl', '--output', file].map(quote).join(' ');
		const onTerminal = await execa('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: { MCPREC_HOME: home }, stdin: 'ignore', reject: false });
		expect(onTerminal.exitCode).toBe(0);
		expect(onTerminal.stdout).toMatch(/\r\x1b\[2Kexporting session 1 of \d+ \([0-9a-f-]{36}\)/);
		expect(fs.readFileSync(file, 'utf8')).not.toContain('exporting session');
		const piped = await runMcprec(['export', '--all', '--format', 'jsonl', '--output', file], home);
		expect(String(piped.stderr)).not.toContain('exporting session');
	});

	it('explains bad usage', async () => {
		const cases: [string[], Record<string, string>, RegExp][] = [
			[['export', '--format', 'otlp'], {}, /say which sessions to export/],
			[['export', 'last', '--all', '--format', 'jsonl'], {}, /session ids, or --since\/--all, not both/],
			[['export', '--all', '--format', 'csv'], {}, /expected otlp or jsonl, got 'csv'/],
			[['export', '--all', '--format', 'otlp', '--output', 'x'], {}, /--output is for --format jsonl/],
			[['export', '--all', '--format', 'otlp'], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /gRPC is not supported/],
			[['export', '--all', '--format', 'otlp'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_ENDPOINT 'not a url' is not a URL/],
		];
		for (const [args, env, message] of cases) {
			const result = await runMcprec(args, home, { env });
			expect(result.exitCode, args.join(' ')).toBe(2);
			expect(String(result.stderr)).toMatch(message);
		}
	});
});
