// Which spans a live export may send before the session ends (src/export/live-spans.ts),
// for generated sessions: requests from both sides answered in any order, held calls whose
// decision comes first, mask notes recorded right after their response, progress,
// notifications and stderr in between. What must hold: a span sent early is exactly the
// span the finished session gives (so the rest, sent later, never sends one in two
// versions), and once the session has ended every request's span goes, with the root.
// Also the bookkeeping of what went (export-state.ts): compacting and merging never forget.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromRow, toReplayView, type EventRow, type ReplayEvent } from '../../../src/event/event-forms.js';
import { compactSent, mergeEntries, wasSent, type SentRequests } from '../../../src/export/export-state.js';
import { liveSpans } from '../../../src/export/live-spans.js';
import { sessionSpans, type ExportSession, type SpanRecord } from '../../../src/export/session-spans.js';

// A stored row as the exports read it.
const replayOf = (row: EventRow): ReplayEvent => toReplayView(fromRow(row));

const SESSION_ID = '0190c2a4-5b6e-7f00-8a1b-2c3d4e5f6a7b';
const START = 1_790_000_000_000_000;

interface RequestPlan {
	fromServer: boolean;
	method: 'tools/call' | 'tools/list' | 'resources/read';
	answer: 'ok' | 'error' | 'tool-error' | 'none';
	held: boolean;
	masked: number;
	progress: number;
}

const requestPlan = fc.record({
	fromServer: fc.boolean(),
	method: fc.constantFrom('tools/call' as const, 'tools/list' as const, 'resources/read' as const),
	answer: fc.constantFrom('ok' as const, 'error' as const, 'tool-error' as const, 'none' as const),
	held: fc.boolean(),
	masked: fc.nat({ max: 3 }),
	progress: fc.nat({ max: 2 }),
});

/** A session plan: the requests and, as a shuffle key per step, the order their steps interleave in. */
const sessionPlan = fc.record({
	requests: fc.array(requestPlan, { minLength: 1, maxLength: 8 }),
	order: fc.array(fc.nat({ max: 1000 }), { minLength: 40, maxLength: 40 }),
	noise: fc.array(fc.nat({ max: 1000 }), { maxLength: 6 }),
});

type Group = Omit<EventRow, 'seq' | 'ts' | 'session_id' | 'encoding' | 'size' | 'prev_hash' | 'hash' | 'payload'> & { payload: unknown };

/**
 * Rows as the recorder stores them, in groups that are committed together (a response and
 * the notes recorded with it). Each request's steps stay in their order; requests
 * interleave as `order` says.
 */
function sessionRows(plan: { requests: RequestPlan[]; order: number[]; noise: number[] }): { rows: EventRow[]; groupEnds: number[] } {
	const queues: Group[][][] = plan.requests.map((request, index) => {
		const origin = request.fromServer ? 'server' : 'client';
		const method = request.fromServer ? 'sampling/createMessage' : request.method;
		const tool = method === 'tools/call' ? 'echo' : null;
		const id = index + 1;
		const rpcId = JSON.stringify(id);
		const token = `t${index}`;
		const params = method === 'tools/call' ? { name: 'echo', arguments: { n: index }, _meta: { progressToken: token } } : method === 'resources/read' ? { uri: `file:///${index}` } : {};
		const steps: Group[][] = [];
		if (request.held && !request.fromServer) steps.push([{ origin: 'proxy', target: null, kind: 'decision', method, rpc_id: rpcId, tool, latency_us: null, payload: { action: 'approve', status: 'held', rule: 'r' } }]);
		steps.push([{ origin, target: request.fromServer ? 'client' : 'server', kind: 'message', method, rpc_id: rpcId, tool, latency_us: null, payload: { jsonrpc: '2.0', id, method, params } }]);
		for (let step = 1; step <= (method === 'tools/call' ? request.progress : 0); step++) {
			steps.push([{ origin: 'server', target: 'client', kind: 'message', method: 'notifications/progress', rpc_id: null, tool: null, latency_us: null, payload: { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: step } } }]);
		}
		if (request.answer !== 'none') {
			const body = request.answer === 'error' ? { error: { code: -32602, message: 'bad' } } : request.answer === 'tool-error' ? { result: { content: [{ type: 'text', text: 'no' }], isError: true } } : { result: {} };
			const response: Group = { origin: request.fromServer ? 'client' : 'server', target: origin, kind: 'message', method, rpc_id: rpcId, tool, latency_us: 700, payload: { jsonrpc: '2.0', id, ...body } };
			const notes: Group[] = request.masked > 0 ? [{ origin: 'proxy', target: null, kind: 'mask', method, rpc_id: rpcId, tool, latency_us: null, payload: { findings: [{ detector: 'aws-access-key', count: request.masked }] } }] : [];
			steps.push([response, ...notes]);
		}
		return steps;
	});
	for (const extra of plan.noise) {
		queues.push([[extra % 2 === 0 ? { origin: 'server', target: null, kind: 'stderr', method: null, rpc_id: null, tool: null, latency_us: null, payload: `line ${extra}` } : { origin: 'server', target: 'client', kind: 'message', method: 'notifications/message', rpc_id: null, tool: null, latency_us: null, payload: { jsonrpc: '2.0', method: 'notifications/message', params: { data: extra } } }]]);
	}
	const rows: EventRow[] = [];
	const groupEnds: number[] = [];
	let turn = 0;
	for (;;) {
		const open = queues.filter((queue) => queue.length > 0);
		if (open.length === 0) break;
		const group = open[plan.order[turn++ % plan.order.length]! % open.length]!.shift()!;
		for (const row of group) {
			const payload = Buffer.from(typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload));
			const seq = rows.length;
			rows.push({ ...row, session_id: SESSION_ID, seq, ts: START + seq * 10, encoding: 'identity', size: payload.length, prev_hash: `p${seq}`, hash: `h${seq}`, payload } as EventRow);
		}
		groupEnds.push(rows.length);
	}
	return { rows, groupEnds };
}

function session(events: ReplayEvent[], ended: boolean): ExportSession {
	return {
		id: SESSION_ID,
		server: 'everything',
		protocolVersion: '2025-06-18',
		url: null,
		startedMicros: START - 100,
		endedMicros: ended ? START + events.length * 10 + 50 : null,
		endReason: ended ? 'client-closed' : null,
		user: 'me',
		host: 'laptop',
		clientName: 'client',
		clientVersion: '1',
		headHash: events.at(-1)?.hash ?? null,
		eventCount: events.length,
	};
}

const byId = (spans: SpanRecord[]) => new Map(spans.map((span) => [span.spanId, span]));

describe('liveSpans', () => {
	it('sends early only the spans the finished session has, as it has them', () => {
		fc.assert(
			fc.property(sessionPlan, fc.boolean(), (plan, payloads) => {
				const { rows, groupEnds } = sessionRows(plan);
				const events = rows.map(replayOf);
				const final = byId(sessionSpans(session(events, true), events, { payloads }));
				// Not quiet: any cut at all (even a commit that split a response from its notes).
				// Quiet: the store is between groups, since a group is committed together.
				const cuts = [...events.keys(), events.length].map((cut) => ({ cut, quiet: false })).concat([0, ...groupEnds].map((cut) => ({ cut, quiet: true })));
				for (const { cut, quiet } of cuts) {
					const prefix = events.slice(0, cut);
					const live = liveSpans({ session: session(prefix, false), events: prefix, options: { payloads }, quiet });
					expect(live.root).toBeUndefined();
					for (const { requestSeq, span } of live.requests) {
						expect(span.attributes['mcprec.request.seq']).toBe(requestSeq);
						expect(span).toEqual(final.get(span.spanId));
					}
				}
			}),
			{ seed: 18_2, numRuns: 300 },
		);
	});

	it('sends a span without waiting for quiet once something other than its notes follows its response', () => {
		fc.assert(
			fc.property(sessionPlan, (plan) => {
				const { rows } = sessionRows(plan);
				const events = rows.map(replayOf);
				const live = liveSpans({ session: session(events, false), events, options: { payloads: false }, quiet: false });
				const ready = new Set(live.requests.map(({ requestSeq }) => requestSeq));
				for (const span of sessionSpans(session(events, true), events, { payloads: false }).slice(1)) {
					const responseSeq = span.attributes['mcprec.response.seq'] as number | undefined;
					const after = responseSeq === undefined ? [] : events.slice(responseSeq + 1).filter((event) => !((event.kind === 'mask' || event.kind === 'decision') && event.id === events[responseSeq]!.id));
					expect(ready.has(span.attributes['mcprec.request.seq'] as number), span.name).toBe(after.length > 0);
				}
			}),
			{ seed: 18_3, numRuns: 200 },
		);
	});

	it('sends every request span and the root once the session has ended', () => {
		fc.assert(
			fc.property(sessionPlan, (plan) => {
				const events = sessionRows(plan).rows.map(replayOf);
				const [root, ...children] = sessionSpans(session(events, true), events, { payloads: false });
				const live = liveSpans({ session: session(events, true), events, options: { payloads: false }, quiet: false });
				expect(live.root).toEqual(root);
				expect(live.requests.map(({ span }) => span)).toEqual(children);
				expect(live.requestSeqs).toEqual(children.map((span) => span.attributes['mcprec.request.seq']));
			}),
			{ seed: 18_4, numRuns: 100 },
		);
	});
});

describe('what went, written down (export-state.ts)', () => {
	const sentPlan = fc.record({
		requestSeqs: fc.uniqueArray(fc.nat({ max: 60 }), { maxLength: 20 }).map((seqs) => seqs.sort((a, b) => a - b)),
		picks: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
		earlier: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
	});

	it('compacting keeps exactly what went, before and now, and claims nothing else', () => {
		fc.assert(
			fc.property(sentPlan, ({ requestSeqs, picks, earlier }) => {
				const readThrough = 61;
				const before = new Set(requestSeqs.filter((_seq, index) => earlier[index]));
				const previous = compactSent(requestSeqs, before, readThrough);
				const now = new Set(requestSeqs.filter((_seq, index) => picks[index]));
				const sent = compactSent(requestSeqs, now, readThrough, previous);
				for (const seq of requestSeqs) expect(wasSent(sent, seq), `request ${seq}`).toBe(before.has(seq) || now.has(seq));
				expect(sent.also.every((seq) => seq > sent.through)).toBe(true);
			}),
			{ seed: 18_5, numRuns: 300 },
		);
	});

	it('merging two writers keeps what either sent, whichever saves first; a whole session wins', () => {
		fc.assert(
			fc.property(sentPlan, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), ({ requestSeqs, picks, earlier }, whole) => {
				const entry = (chosen: boolean[]) => ({ sent: compactSent(requestSeqs, new Set(requestSeqs.filter((_seq, index) => chosen[index])), 61) as SentRequests, updatedAt: 'x' });
				const [a, b] = [entry(picks), entry(earlier)];
				for (const merged of [mergeEntries(a, b), mergeEntries(b, a)]) {
					for (const [index, seq] of requestSeqs.entries()) expect(wasSent((merged as typeof a).sent, seq)).toBe(picks[index]! || earlier[index]!);
				}
				const done = { headHash: 'h', exportedAt: 'y' };
				if (whole[0]) {
					expect(mergeEntries(a, done)).toEqual(done);
					expect(mergeEntries(done, a)).toEqual(done);
				}
			}),
			{ seed: 18_6, numRuns: 300 },
		);
	});
});
