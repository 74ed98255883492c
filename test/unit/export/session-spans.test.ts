// A session as spans (src/export/session-spans.ts), for generated sessions: requests from
// either side with any ids, answered or not, with JSON-RPC errors, tool errors and mcprec's
// refusals, decision and mask notes, progress for some of them, notifications and stderr
// in between, in any order the wire allows. What must hold for every one of them.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromRow, toReplayView, type EventRow, type ReplayEvent } from '../../../src/event/event-forms.js';
import { sessionSpans, traceIdOf, type ExportSession, type SpanRecord } from '../../../src/export/session-spans.js';

// A stored row as the exports read it.
const replayOf = (row: EventRow): ReplayEvent => toReplayView(fromRow(row));

const SESSION_ID = '0190c2a4-5b6e-7f00-8a1b-2c3d4e5f6a7b';
const START = 1_790_000_000_000_000;

type Answer = 'ok' | 'error' | 'tool-error' | 'refused' | 'none';
interface RequestPlan {
	id: string | number;
	method: string;
	tool: string;
	fromServer: boolean;
	answer: Answer;
	progress: number;
	decision: boolean;
	masked: number;
}

const requestPlan = fc.record({
	id: fc.oneof(fc.integer({ min: -5, max: 1e6 }), fc.string({ minLength: 1, maxLength: 8 })),
	method: fc.constantFrom('tools/call', 'tools/list', 'resources/read', 'prompts/get', 'ping', 'sampling/createMessage'),
	tool: fc.constantFrom('echo', 'delete_all', 'get-sum'),
	fromServer: fc.boolean(),
	answer: fc.constantFrom<Answer>('ok', 'error', 'tool-error', 'refused', 'none'),
	progress: fc.nat({ max: 3 }),
	decision: fc.boolean(),
	masked: fc.nat({ max: 4 }),
});

/** Rows as the recorder stores them, for the plans; ids made unique per side, as JSON-RPC wants. */
function rowsFor(plans: RequestPlan[], noise: number[]): EventRow[] {
	const rows: EventRow[] = [];
	let ts = START;
	const add = (row: Partial<EventRow> & { payload: unknown }) => {
		ts += 1 + (rows.length % 7) * 13;
		const payload = Buffer.from(typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload));
		rows.push({ session_id: SESSION_ID, seq: rows.length, ts, origin: 'client', target: 'server', kind: 'message', method: null, rpc_id: null, tool: null, encoding: 'identity', size: payload.length, latency_us: null, prev_hash: `p${rows.length}`, hash: `h${rows.length}`, ...row, payload } as EventRow);
	};
	const seen = new Set<string>();
	plans.forEach((plan, index) => {
		const origin = plan.fromServer ? 'server' : 'client';
		const key = `${origin}:${JSON.stringify(plan.id)}`;
		const id = seen.has(key) ? `${String(plan.id)}-${index}` : plan.id;
		seen.add(`${origin}:${JSON.stringify(id)}`);
		const rpcId = JSON.stringify(id);
		const method = plan.fromServer ? 'sampling/createMessage' : plan.method;
		const tool = method === 'tools/call' ? plan.tool : null;
		const params = method === 'tools/call' ? { name: plan.tool, arguments: { n: index }, ...(plan.progress ? { _meta: { progressToken: `t${index}` } } : {}) } : {};
		const refused = plan.answer === 'refused' && !plan.fromServer;
		if (plan.decision && !plan.fromServer) add({ origin: 'proxy', target: null, kind: 'decision', method, rpc_id: rpcId, tool, payload: { action: 'approve', status: 'held', rule: 'r' } });
		add({ origin, target: refused ? null : plan.fromServer ? 'client' : 'server', method, rpc_id: rpcId, tool, payload: { jsonrpc: '2.0', id, method, params } });
		if (plan.masked) add({ origin: 'proxy', target: null, kind: 'mask', method, rpc_id: rpcId, tool, payload: { findings: [{ detector: 'aws-access-key', path: '$', count: plan.masked }] } });
		for (let step = 1; step <= (params._meta ? plan.progress : 0); step++) {
			add({ origin: 'server', target: 'client', method: 'notifications/progress', payload: { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: `t${index}`, progress: step, total: plan.progress } } });
		}
		for (const extra of noise.filter((value) => value % plans.length === index)) {
			if (extra % 3 === 0) add({ origin: 'server', target: null, kind: 'stderr', payload: `line ${extra}` });
			else add({ origin: 'server', target: 'client', method: 'notifications/message', payload: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: extra } } });
		}
		if (plan.answer === 'none') return;
		const responder = refused ? 'proxy' : plan.fromServer ? 'client' : 'server';
		const body =
			plan.answer === 'error'
				? { error: { code: -32602, message: 'bad params' } }
				: plan.answer === 'tool-error' || refused
					? { result: { content: [{ type: 'text', text: 'no' }], isError: true } }
					: { result: {} };
		add({ origin: responder, target: plan.fromServer ? 'server' : 'client', method, rpc_id: rpcId, tool, payload: { jsonrpc: '2.0', id, ...body }, latency_us: 500 });
	});
	return rows;
}

function sessionOf(rows: EventRow[]): ExportSession {
	return {
		id: SESSION_ID, server: 'srv', protocolVersion: '2025-06-18', url: null, startedMicros: START, endedMicros: (rows.at(-1)?.ts ?? START) + 10,
		endReason: 'client-closed', user: 'ada', host: 'box', clientName: 'c', clientVersion: '1', headHash: rows.at(-1)?.hash ?? null, eventCount: rows.length,
	};
}

const isAttributeValue = (value: unknown) =>
	(typeof value === 'string') || (typeof value === 'boolean') || (typeof value === 'number' && Number.isFinite(value)) || (Array.isArray(value) && value.every((item) => typeof item === 'string'));

describe('sessionSpans', () => {
	it('gives every request one span under the session root, with sound ids, times and attributes', () => {
		fc.assert(
			fc.property(fc.array(requestPlan, { minLength: 1, maxLength: 12 }), fc.array(fc.nat({ max: 100 }), { maxLength: 10 }), fc.boolean(), (plans, noise, payloads) => {
				const rows = rowsFor(plans, noise);
				const events: ReplayEvent[] = rows.map(replayOf);
				const spans = sessionSpans(sessionOf(rows), events, { payloads });
				const [root, ...children] = spans as [SpanRecord, ...SpanRecord[]];
				expect(root.parentSpanId).toBeNull();
				expect(children).toHaveLength(plans.length);
				expect(new Set(spans.map((span) => span.spanId)).size).toBe(spans.length);
				for (const span of spans) {
					expect(span.traceId).toBe(traceIdOf(SESSION_ID));
					expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
					expect(span.startMicros).toBeLessThanOrEqual(span.endMicros);
					expect(span.startMicros).toBeGreaterThanOrEqual(root.startMicros);
					expect(span.endMicros).toBeLessThanOrEqual(root.endMicros);
					for (const [key, value] of [...Object.entries(span.attributes), ...span.events.flatMap((event) => Object.entries(event.attributes))]) {
						expect(isAttributeValue(value), `${key} = ${String(value)}`).toBe(true);
					}
					if (!payloads) expect(Object.keys(span.attributes).filter((key) => /body|arguments|result|text/.test(key))).toEqual([]);
				}
				children.forEach((span, index) => {
					const plan = plans[index]!;
					const request = events.find((event) => event.seq === span.attributes['mcprec.request.seq'])!;
					expect(span.parentSpanId).toBe(root.spanId);
					expect(span.attributes['jsonrpc.request.id']).toBe(String(request.id));
					expect(span.attributes['mcp.method.name']).toBe(request.method);
					expect(span.kind).toBe(plan.fromServer ? 'server' : 'client');
					const refused = plan.answer === 'refused' && !plan.fromServer;
					// Only a tools/call can fail as a tool (response-outcome.ts): an isError elsewhere is a result.
					const failed = plan.answer === 'error' || (plan.answer === 'tool-error' && request.method === 'tools/call') || refused;
					expect(span.status.code).toBe(failed ? 'error' : 'unset');
					expect('error.type' in span.attributes).toBe(failed);
					if (request.method === 'tools/call') expect(span.attributes['gen_ai.tool.name']).toBe(plan.tool);
					else expect(span.attributes).not.toHaveProperty(['gen_ai.tool.name']);
					const progress = span.events.filter((event) => event.name === 'notifications/progress');
					expect(progress.map((event) => event.attributes['mcp.progress'])).toEqual(
						request.method === 'tools/call' && !plan.fromServer ? Array.from({ length: plan.progress }, (_, step) => step + 1) : [],
					);
					expect(span.attributes['mcprec.masked.count'] ?? 0).toBe(plan.masked);
					expect(span.events.filter((event) => event.name === 'mcprec.decision')).toHaveLength(plan.decision && !plan.fromServer ? 1 : 0);
				});
				expect(root.events.filter((event) => event.name === 'mcprec.stderr' || event.name === 'notifications/message')).toHaveLength(noise.length);
			}),
			{ seed: 1818, numRuns: 300 },
		);
	});

	it('keeps the ids of a session across exports, and a non-UUID session id still gets a valid trace id', () => {
		const rows = rowsFor([{ id: 1, method: 'ping', tool: 'echo', fromServer: false, answer: 'ok', progress: 0, decision: false, masked: 0 }], []);
		const first = sessionSpans(sessionOf(rows), rows.map(replayOf), { payloads: false });
		const second = sessionSpans(sessionOf(rows), rows.map(replayOf), { payloads: true });
		expect(second.map((span) => span.spanId)).toEqual(first.map((span) => span.spanId));
		expect(traceIdOf(SESSION_ID)).toBe('0190c2a45b6e7f008a1b2c3d4e5f6a7b');
		expect(traceIdOf('not-a-uuid')).toMatch(/^[0-9a-f]{32}$/);
		expect(traceIdOf('00000000-0000-0000-0000-000000000000')).not.toBe('0'.repeat(32));
	});
});
