// The session core as transcripts, without a process or a stream: frames in, then what it
// writes to the client and the server, what it records and how the session ends
// (src/proxy/session-core.ts). Each case mirrors a behaviour the end-to-end suite shows
// through the built binary.

import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../../src/event/event.js';
import type { Stage } from '../../../src/pipeline/stage.js';
import { ApprovalBroker } from '../../../src/approvals/approval-broker.js';
import { PARSE_LIMIT_BYTES } from '../../../src/jsonrpc/classify.js';
import { defaultPolicy } from '../../../src/policy/default-policy.js';
import type { Policy } from '../../../src/policy/policy-types.js';
import { createGuardrailsStage } from '../../../src/stages/guardrails.js';
import { memoryStore, policyOf } from '../../helpers/stage-harness.js';
import { SessionCore, type SessionResult } from '../../../src/proxy/session-core.js';
import { createMasker } from '../../../src/masking/create-masker.js';
import { createMaskingStage } from '../../../src/stages/masking.js';
import { defaultMask } from '../../../src/policy/default-policy.js';

interface Transcript {
	core: SessionCore;
	toClient: unknown[];
	toServer: unknown[];
	records: SessionEvent[];
	warnings: string[];
	/** What was passed on of the server's stderr. */
	stderr: string[];
	updates: Record<string, unknown>[];
	result: SessionResult | undefined;
	closedUpstream: number;
	signals: NodeJS.Signals[];
	health: { healthy: boolean; failureReason: string | undefined };
	client(message: unknown): void;
	server(message: unknown): void;
	/** Messages recorded, as [origin, target, method, id]. */
	messages(): [string, string | null, string | null | undefined, string | null | undefined][];
}

const line = (message: unknown) => Buffer.from(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
const parse = (frame: Buffer) => JSON.parse(frame.toString('utf8'));

function transcript(options: { stages?: Stage[]; onRecordError?: 'block' | 'allow'; policy?: Policy; maskText?: (text: string) => string; command?: string[] } = {}): Transcript {
	let clock = 1_000_000;
	const t: Transcript = {
		toClient: [],
		toServer: [],
		records: [],
		warnings: [],
		stderr: [],
		updates: [],
		result: undefined,
		closedUpstream: 0,
		signals: [],
		health: { healthy: true, failureReason: undefined },
		core: undefined as unknown as SessionCore,
		client: (message) => t.core.clientFrame(line(message)),
		server: (message) => t.core.serverFrame(line(message)),
		messages: () => t.records.filter((event) => event.kind === 'message').map((event) => [event.origin, event.target, event.method, event.rpcId]),
	};
	t.core = new SessionCore({
		context: { sessionId: 'session-1', server: 'test', policy: options.policy ?? defaultPolicy() },
		recording: t.health,
		onRecordError: options.onRecordError,
		now: () => (clock += 10),
		ownIdPrefix: 'mcprec-test',
		maskText: options.maskText,
		io: {
			toClient: (frame) => t.toClient.push(parse(frame)),
			toServer: (frame) => t.toServer.push(parse(frame)),
			record: (event) => t.records.push(event),
			afterWrite: (task) => task(),
			updateSession: (update) => t.updates.push(update as Record<string, unknown>),
			warn: (text) => t.warnings.push(text),
			serverStderr: (frame) => t.stderr.push(frame.toString('utf8')),
			closeUpstream: () => t.closedUpstream++,
			signalUpstream: (signal) => t.signals.push(signal),
			finished: (result) => (t.result = result),
		},
	});
	t.core.setStages(options.stages ?? []);
	t.core.start(options.command ?? ['node', 'server.js'], 1234);
	return t;
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'client', version: '1.0' } } };
const call = (id: number | string, name = 'echo') => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text: 'hi' } } });

describe('session core: forwarding', () => {
	it('forwards a request and its response unchanged, pairing them for the record', () => {
		const t = transcript();
		t.client(initialize);
		t.server({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', serverInfo: { name: 's', version: '2' }, capabilities: {} } });
		expect(t.toServer).toEqual([initialize]);
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', serverInfo: { name: 's', version: '2' }, capabilities: {} } }]);
		expect(t.messages()).toEqual([
			['client', 'server', 'initialize', '1'],
			['server', 'client', 'initialize', '1'],
		]);
		const response = t.records.find((event) => event.origin === 'server')!;
		// One tick of the test clock between the request's arrival and the response's.
		expect(response.latencyUs).toBe(10);
		expect(t.records[0]).toMatchObject({ kind: 'lifecycle', payload: Buffer.from(JSON.stringify({ event: 'start', command: ['node', 'server.js'], pid: 1234 })) });
	});

	it('learns the client and protocol from initialize, the server from its answer', () => {
		const t = transcript();
		t.client(initialize);
		t.server({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', serverInfo: { name: 's', version: '2' }, capabilities: {} } });
		expect(t.updates).toEqual(expect.arrayContaining([expect.objectContaining({ clientName: 'client', clientVersion: '1.0', protocolVersion: '2025-06-18' })]));
		expect(t.core.context.clientCapabilities).toEqual({ elicitation: {} });
	});

	it('labels a response with its request method and tool, and counts requests and errors', () => {
		const t = transcript();
		t.client(call(7, 'search'));
		t.server({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'bad' } });
		expect(t.records.filter((event) => event.kind === 'message').map((event) => [event.method, event.tool, event.counts])).toEqual([
			['tools/call', 'search', 'requests'],
			['tools/call', 'search', 'errors'],
		]);
	});

	it('counts a tool error (a result with isError: true) as an error and as a tool error, scanned or parsed', () => {
		const t = transcript();
		t.client(call(7, 'search'));
		t.server({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'MCP error -32602: Input validation error' }], isError: true } });
		t.client(call(8, 'search'));
		// A backslash sends the line to the full parser instead of the envelope scan.
		t.server({ jsonrpc: '2.0', id: 8, result: { content: [{ type: 'text', text: 'line one\nline two' }], isError: true } });
		t.client(call(9, 'search'));
		t.server({ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'fine, and "isError" is only text here' }], isError: false } });
		t.server([{ jsonrpc: '2.0', id: 'b1', result: { isError: true, content: [] } }, { jsonrpc: '2.0', id: 'b2', error: { code: 1, message: 'x' } }]);
		// Only a tools/call fails as a tool: isError in another method's result is just data.
		t.client({ jsonrpc: '2.0', id: 10, method: 'resources/read', params: { uri: 'demo://x' } });
		t.server({ jsonrpc: '2.0', id: 10, result: { contents: [], isError: true } });
		expect(t.records.filter((event) => event.kind === 'message' && event.origin === 'server').map((event) => event.counts)).toEqual([
			{ requests: 0, errors: 1, toolErrors: 1 },
			{ requests: 0, errors: 1, toolErrors: 1 },
			undefined,
			{ requests: 0, errors: 2, toolErrors: 1 },
			undefined,
		]);
	});

	it('forwards batches whole, counting the requests in them', () => {
		const t = transcript();
		const batch = [call(1), call(2), { jsonrpc: '2.0', method: 'notifications/initialized' }];
		t.client(batch);
		expect(t.toServer).toEqual([batch]);
		expect(t.records.find((event) => event.kind === 'message')).toMatchObject({ method: 'batch', counts: { requests: 2, errors: 0 } });
	});

	it('passes server→client requests and the client answers, in both id spaces', () => {
		const t = transcript();
		t.server({ jsonrpc: '2.0', id: 1, method: 'roots/list' });
		t.client({ jsonrpc: '2.0', id: 1, result: { roots: [] } });
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 1, method: 'roots/list' }]);
		expect(t.toServer).toEqual([{ jsonrpc: '2.0', id: 1, result: { roots: [] } }]);
		expect(t.messages()).toEqual([
			['server', 'client', 'roots/list', '1'],
			['client', 'server', 'roots/list', '1'],
		]);
	});

	it('forwards a message it does not understand and records it', () => {
		const t = transcript();
		t.client({ jsonrpc: '2.0', id: 3, method: 'vendor/experimental', params: { x: 1 } });
		expect(t.toServer).toEqual([{ jsonrpc: '2.0', id: 3, method: 'vendor/experimental', params: { x: 1 } }]);
	});
});

describe('session core: bad input', () => {
	it.each([
		['not JSON', '{"jsonrpc":', -32700, null],
		['JSON that is not JSON-RPC', '{"hello":"world"}', -32600, null],
		['a request without jsonrpc 2.0', '{"id":4,"method":"ping"}', -32600, 4],
	])('answers %s from the client itself, records it, forwards nothing', (_name, text, code, id) => {
		const t = transcript();
		t.client(text);
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([expect.objectContaining({ id, error: expect.objectContaining({ code }) })]);
		expect(t.messages().map(([origin, target]) => [origin, target])).toEqual([
			['client', null],
			['proxy', 'client'],
		]);
	});

	// Issue 12: what parsers may read differently is refused whole, from either side, and
	// recorded as a decision of its own (counted as blocked).
	it('refuses a line parsers may read differently: -32600, nothing forwarded, recorded as a decision', () => {
		const t = transcript();
		t.client('{"jsonrpc":"2.0","id":30,"method":"ping","Method":"tools/call","params":{"name":"write_file","arguments":{"path":"/etc/passwd"}}}');
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 30, error: { code: -32600, message: expect.stringContaining("Invalid Request: ambiguous JSON: the keys 'method' and 'Method'") } }]);
		expect(t.records.filter((event) => event.kind !== 'lifecycle').map((event) => [event.origin, event.target, event.kind, event.method, event.rpcId, event.counts])).toEqual([
			['client', null, 'message', 'ping', '30', undefined],
			['proxy', null, 'decision', 'ping', '30', 'blocked'],
			['proxy', 'client', 'message', undefined, '30', 'errors'],
		]);
		expect(JSON.parse(String(t.records.find((event) => event.kind === 'decision')!.payload))).toMatchObject({ action: 'deny', rule: 'ambiguous-json', from: 'client' });
	});

	it('answers each request of a refused batch, with null where the id is in doubt', () => {
		const t = transcript();
		t.client('[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"}},{"jsonrpc":"2.0","id":2,"ID":3,"method":"tools/call","params":{"name":"read_file"}},{"jsonrpc":"2.0","method":"notifications/x"}]');
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([[expect.objectContaining({ id: 1, error: expect.objectContaining({ code: -32600 }) }), expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) })]]);
	});

	// The session facts are read from every request until they are known: reading them must
	// not leave a batch element holding the whole batch, where the rules look for its arguments.
	it('checks each call of a batch too large to parse, even before initialize', () => {
		const database = memoryStore();
		const approvals = new ApprovalBroker({ sessionId: 'session-1', openDatabase: () => database });
		try {
			const policy = policyOf('rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }');
			const t = transcript({ stages: [createGuardrailsStage({ approvals, summarize: () => '' })], policy });
			const pad = 'x'.repeat(PARSE_LIMIT_BYTES);
			t.client([call(1, 'read_file'), { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'write_file', arguments: { pad, path: '/etc/passwd' } } }]);
			expect(t.toServer).toEqual([]);
			expect(t.toClient).toEqual([[expect.objectContaining({ id: 1, error: expect.objectContaining({ code: -32011 }) }), expect.objectContaining({ id: 2, error: expect.objectContaining({ code: -32011 }) })]]);
		} finally {
			approvals.close();
		}
	});

	it("refuses the server's ambiguous lines: its request is answered -32600, the client's request it answers fails", () => {
		const t = transcript();
		t.client(call(5));
		t.server('{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"AKIA-secret"}]},"result":{"content":[]}}');
		t.server('{"jsonrpc":"2.0","id":9,"method":"ping","Method":"sampling/createMessage"}');
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 5, error: { code: -32000, message: expect.stringContaining("mcprec refused the server's answer: ambiguous JSON: the key 'result' twice") } }]);
		expect(t.toServer).toEqual([call(5), { jsonrpc: '2.0', id: 9, error: { code: -32600, message: expect.stringContaining("Invalid Request: ambiguous JSON: the keys 'method' and 'Method'") } }]);
		expect(t.warnings).toEqual([expect.stringMatching(/JSON parsers may read differently .*not forwarded/), expect.stringMatching(/JSON parsers may read differently/)]);
		expect(t.records.filter((event) => event.kind === 'decision').map((event) => JSON.parse(String(event.payload)).from)).toEqual(['server', 'server']);
	});

	it('records garbage from the server, warns, and forwards none of it', () => {
		const t = transcript();
		t.server('this is not json');
		expect(t.toClient).toEqual([]);
		expect(t.messages()).toEqual([['server', null, undefined, null]]);
		expect(t.warnings[0]).toMatch(/the server wrote a line that is not JSON-RPC .*recorded, not forwarded: this is not json/);
	});
});

describe('session core: record or refuse, refusal, lifecycle', () => {
	it('refuses requests while the store cannot be written, and forwards again once it can', () => {
		const t = transcript();
		t.health.healthy = false;
		t.health.failureReason = 'disk full';
		t.client(call(1));
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'mcprec refused this request because it cannot be recorded: disk full' } }]);
		t.health.healthy = true;
		t.client(call(2));
		expect(t.toServer).toEqual([call(2)]);
	});

	it('forwards anyway under record.onError: allow', () => {
		const t = transcript({ onRecordError: 'allow' });
		t.health.healthy = false;
		t.client(call(1));
		expect(t.toServer).toEqual([call(1)]);
	});

	it('answers every request of a refused session with the reason, and ends when the client closes', () => {
		const t = transcript();
		t.core.refuse({ message: 'invalid policy', status: 2, reason: 'policy-invalid' });
		t.client(initialize);
		t.client(call(2));
		expect(t.toServer).toEqual([]);
		expect(t.toClient.map((message) => (message as { error: { message: string } }).error.message)).toEqual(['invalid policy', 'invalid policy']);
		expect(t.result).toBeUndefined();
		t.core.clientClosed();
		expect(t.result).toEqual({ status: 2, reason: 'policy-invalid' });
	});

	it('a server that cannot be started refuses like a refusal, with 127 for a missing command', () => {
		const t = transcript();
		t.core.upstreamStartFailed(Object.assign(new Error('spawn nope ENOENT'), { code: 'ENOENT', path: 'nope' }), ['nope']);
		t.client(initialize);
		expect((t.toClient[0] as { error: { message: string } }).error.message).toBe("cannot start the MCP server: command not found: 'nope' (check the server command and your PATH)");
		t.core.clientClosed();
		expect(t.result).toEqual({ status: 127, reason: 'spawn-failed' });
	});

	it('answers pending requests when the server exits, and ends with its status', () => {
		const t = transcript();
		t.client(call(1));
		t.client(call(2));
		t.core.upstreamExited({ code: 3, signal: null });
		expect(t.toClient).toEqual([
			{ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'upstream server exited (code 3)' } },
			{ jsonrpc: '2.0', id: 2, error: { code: -32000, message: 'upstream server exited (code 3)' } },
		]);
		expect(t.result).toEqual({ status: 3, reason: 'upstream-exited' });
		expect(t.updates.at(-1)).toMatchObject({ endReason: 'upstream-exited', exitCode: 3 });
	});

	it('keeps answering a client that closed its input (half-close) until the server exits', () => {
		const t = transcript();
		t.client(call(1));
		t.core.clientClosed();
		expect(t.closedUpstream).toBe(1);
		t.server({ jsonrpc: '2.0', id: 1, result: { content: [] } });
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 1, result: { content: [] } }]);
		expect(t.messages().at(-1)).toEqual(['server', 'client', 'tools/call', '1']);
		t.core.upstreamExited({ code: 0, signal: null });
		expect(t.result).toEqual({ status: 0, reason: 'client-closed' });
	});

	it('records what could not reach a client whose output closed, and writes nothing more', () => {
		const t = transcript();
		t.client(call(1));
		t.core.clientOutputClosed({ error: 'EPIPE', undelivered: [4] });
		t.server({ jsonrpc: '2.0', id: 1, result: {} });
		expect(t.toClient).toEqual([]);
		expect(t.messages().at(-1)).toEqual(['server', null, 'tools/call', '1']);
		expect(JSON.parse(t.records.find((event) => event.kind === 'lifecycle' && event.payload.includes('client-output-closed'))!.payload.toString())).toEqual({
			event: 'client-output-closed',
			error: 'EPIPE',
			undelivered: [4],
		});
		expect(t.closedUpstream).toBe(1);
	});

	it('passes a signal on and ends with the reason signal', () => {
		const t = transcript();
		t.core.signal('SIGTERM');
		expect(t.signals).toEqual(['SIGTERM']);
		t.core.upstreamExited({ code: null, signal: 'SIGTERM' });
		expect(t.result).toEqual({ status: 143, reason: 'signal' });
	});
});

describe('session core: stages', () => {
	const denyAll: Stage = {
		name: 'deny-all',
		toServer(flow) {
			if (flow.message.method !== 'tools/call') return;
			flow.answer = { jsonrpc: '2.0', id: flow.message.id, result: { isError: true, content: [{ type: 'text', text: 'no' }] } };
			flow.notes.push({ kind: 'decision', details: { action: 'deny', rule: 'r' } });
		},
	};

	it('answers a call a stage refuses, records the refusal and counts it blocked', () => {
		const t = transcript({ stages: [denyAll] });
		t.client(call(1));
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 1, result: { isError: true, content: [{ type: 'text', text: 'no' }] } }]);
		expect(t.records.filter((event) => event.kind !== 'lifecycle').map((event) => [event.origin, event.target, event.kind, event.counts])).toEqual([
			['client', null, 'message', undefined],
			['proxy', null, 'decision', 'blocked'],
			['proxy', 'client', 'message', undefined],
		]);
	});

	it('never answers a notification a stage refused, nor forwards it', () => {
		const t = transcript({ stages: [denyAll] });
		t.client({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'admin_reset' } });
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([]);
		expect(t.records.filter((event) => event.kind !== 'lifecycle').map((event) => [event.origin, event.target, event.kind, event.counts])).toEqual([
			['client', null, 'message', undefined],
			['proxy', null, 'decision', 'blocked'],
		]);
	});

	it('fails closed when a stage throws: the request is answered with an error, nothing is forwarded', () => {
		const broken: Stage = {
			name: 'broken',
			toServer() {
				throw new Error('boom');
			},
		};
		const t = transcript({ stages: [broken] });
		t.client(call(1));
		expect(t.toServer).toEqual([]);
		expect(t.toClient).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32603, message: "mcprec could not process this message (stage 'broken' failed: boom); it was not forwarded" } }]);
	});

	it('holds a message until the stage settles it, then goes on with the next stages', async () => {
		let release!: () => void;
		const seen: string[] = [];
		const holder: Stage = {
			name: 'holder',
			toServer(flow) {
				seen.push('holder');
				flow.hold = new Promise((resolve) => (release = resolve));
			},
		};
		const after: Stage = { name: 'after', toServer: () => void seen.push('after') };
		const t = transcript({ stages: [holder, after] });
		t.client(call(1));
		expect(t.toServer).toEqual([]);
		release();
		await new Promise((resolve) => setImmediate(resolve));
		expect(seen).toEqual(['holder', 'after']);
		expect(t.toServer).toEqual([call(1)]);
	});

	it("asks the client itself with an unguessable id, swallows the answer, and refuses a server request that reuses that id", async () => {
		let answer: Promise<Record<string, unknown>> | undefined;
		const asker: Stage = {
			name: 'asker',
			toServer(flow, context) {
				if (flow.message.method !== 'tools/call') return;
				answer = context.requestClient('elicitation/create', { message: 'ok?' }, 5000);
				flow.hold = answer.then(() => undefined);
			},
		};
		const t = transcript({ stages: [asker] });
		t.client(call(1));
		const question = t.toClient[0] as { id: string; method: string };
		expect(question).toMatchObject({ id: 'mcprec-test-1', method: 'elicitation/create' });
		// A hostile server tries to take the client's answer for itself.
		t.server({ jsonrpc: '2.0', id: question.id, method: 'sampling/createMessage', params: {} });
		expect(t.toClient).toHaveLength(1);
		expect(t.toServer).toEqual([{ jsonrpc: '2.0', id: question.id, error: { code: -32600, message: 'Invalid Request: this id is in use by the proxy' } }]);
		expect(t.warnings.at(-1)).toMatch(/id of mcprec's own pending request/);
		t.client({ jsonrpc: '2.0', id: question.id, result: { action: 'accept' } });
		await expect(answer).resolves.toEqual({ jsonrpc: '2.0', id: question.id, result: { action: 'accept' } });
		await new Promise((resolve) => setImmediate(resolve));
		// The answer was mcprec's: it is recorded, not forwarded; the held call then goes on.
		expect(t.toServer.at(-1)).toEqual(call(1));
		expect(t.toServer).toHaveLength(2);
	});
});

// What the stages never see is masked by the same masker: the server's stderr and its lines
// that are not JSON-RPC, the event columns, mcprec's own words, facts about the session.
describe('session core: masking outside the stages', () => {
	const SECRET = 'ghp_R8x2Lq0vNw4Tz7Kp1Ys9Hc3Md6Fb5Ja0Ue2W';
	const masker = createMasker(defaultMask(), { sessionSalt: 's' });
	const maskText = (text: string) => masker.maskText(text).text;
	const stored = (t: Transcript) => [...t.records.map((event) => `${event.payload.toString('utf8')} ${event.method} ${event.rpcId} ${event.tool}`), ...t.stderr, ...t.warnings, JSON.stringify(t.updates)].join('\n');

	it('masks a stderr line in the record and in what is passed on', () => {
		const t = transcript({ maskText });
		t.core.serverStderrLine(line(`debug: using ${SECRET}`));
		expect(t.stderr).toEqual(['debug: using [REDACTED:github-token]\n']);
		expect(t.records.at(-1)).toMatchObject({ kind: 'stderr', payload: Buffer.from('debug: using [REDACTED:github-token]') });
	});

	it('masks a server line that is not JSON-RPC in the record and in the warning', () => {
		const t = transcript({ maskText });
		t.server(`oops ${SECRET}`);
		t.server({ jsonrpc: '1.0', id: SECRET });
		expect(stored(t)).not.toContain(SECRET);
		expect(t.warnings.join('\n')).toContain('[REDACTED:github-token]');
	});

	it('masks a client line that is not JSON in the record (the parse error quotes it)', () => {
		const t = transcript({ maskText });
		t.client(`${SECRET} {`);
		expect(stored(t)).not.toContain(SECRET);
		expect(t.toClient).toHaveLength(1);
	});

	it('masks the method, id and tool columns and the facts learned from the client', () => {
		const t = transcript({ maskText });
		t.client({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: `client ${SECRET}`, version: '1' } } });
		t.client({ jsonrpc: '2.0', id: SECRET, method: 'tools/call', params: { name: `tool ${SECRET}`, arguments: {} } });
		t.server({ jsonrpc: '2.0', method: `notifications/${SECRET}` });
		const columns = t.records.map((event) => [event.method, event.rpcId, event.tool].join(' ')).join('\n');
		expect(columns).not.toContain(SECRET);
		expect(columns).toContain('[REDACTED:github-token]');
		expect(JSON.stringify(t.updates)).not.toContain(SECRET);
		// What goes out is not the core's to change (the masking stage does that): the id pairs the answer.
		expect(t.toServer.at(-1)).toMatchObject({ id: SECRET });
	});

	it("a server request whose id holds a secret reaches the client under a substitute id, and the answer goes back under the server's", () => {
		const stage = createMaskingStage({ masker, maskRequestsInRecord: true });
		const t = transcript({ maskText, stages: [stage] });
		t.server({ jsonrpc: '2.0', id: SECRET, method: 'roots/list' });
		const forwarded = t.toClient.at(-1) as { id: string };
		expect(forwarded).toEqual({ jsonrpc: '2.0', id: '[REDACTED:github-token] #1', method: 'roots/list' });
		t.server({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: SECRET, reason: 'late' } });
		expect(t.toClient.at(-1)).toEqual({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: '[REDACTED:github-token] #1', reason: 'late' } });
		t.server({ jsonrpc: '2.0', id: `other ${SECRET}`, method: 'roots/list' });
		t.client({ jsonrpc: '2.0', id: forwarded.id, result: { roots: [] } });
		expect(t.toServer.at(-1)).toEqual({ jsonrpc: '2.0', id: SECRET, result: { roots: [] } });
		// Paired with the request it answers, and recorded with the id masked.
		const answer = t.records.filter((event) => event.origin === 'client' && event.kind === 'message').at(-1)!;
		expect(answer.method).toBe('roots/list');
		expect((t.toClient.at(-1) as { id: string }).id).toBe('other [REDACTED:github-token] #2');
		expect(stored(t)).not.toContain(SECRET);
	});

	it("masks mcprec's own records: the command line of the start event", () => {
		const t = transcript({ maskText, command: ['server', '--api-key', SECRET] });
		expect(t.records[0].payload.toString()).toBe(JSON.stringify({ event: 'start', command: ['server', '--api-key', '[REDACTED:github-token]'], pid: 1234 }));
	});
});
