// Drives stages in memory the way the session core does (src/proxy): a line in, stages run
// over its flow, a hold awaited and the remaining stages run after it, the record shaped by
// recordToServer once a client message is on its way. What comes out is the flow's outcome
// and its notes; the session context is a fake that records what stages asked of it.

import Database from 'better-sqlite3';
import { classifyLine, type JsonRpcId } from '../../src/jsonrpc/classify.js';
import { frameBody } from '../../src/jsonrpc/framing.js';
import type { PendingRequest } from '../../src/jsonrpc/pending-requests.js';
import { newFlow, type Flow } from '../../src/pipeline/flow.js';
import type { SessionContext } from '../../src/pipeline/session-context.js';
import { runStages, shapeRecord, type Stage } from '../../src/pipeline/stage.js';
import { parsePolicy } from '../../src/policy/load-policy.js';
import type { Policy } from '../../src/policy/policy-types.js';
import type { SessionIdentity } from '../../src/identity/session-identity.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { StoreDatabase } from '../../src/store/open-store.js';

/** A fixed clock for the fake context, in µs since the epoch. */
export const NOW_US = 1_750_000_000_000_000;

/** The policy a row gives, as `policy.yaml` after `version: 1` (empty text: rules, mask and tools left at their defaults). */
export function policyOf(yaml = ''): Policy {
	return parsePolicy(`version: 1\n${yaml}`, 'policy.yaml');
}

/** One line as the proxy reads it: the message as JSON (or the text as given), newline included. */
export function frameOf(message: unknown): Buffer {
	const text = typeof message === 'string' ? message : JSON.stringify(message);
	return Buffer.from(`${text}\n`, 'utf8');
}

/** A client→server flow, classified like the session core does. */
export function clientFlow(message: unknown): Flow {
	const frame = frameOf(message);
	return newFlow('to-server', frame, classifyLine(frameBody(frame)));
}

/** A server→client flow; `request` is the client request a response answers (method, tool). */
export function serverFlow(message: unknown, request?: { method: string; tool?: string }): Flow {
	const frame = frameOf(message);
	const classified = classifyLine(frameBody(frame));
	const pending: PendingRequest | undefined = request && { id: classified.id as JsonRpcId, method: request.method, tool: request.tool, ts: NOW_US - 1000 };
	return newFlow('to-client', frame, classified, pending);
}

export interface FakeContextOptions {
	policy?: Policy | string;
	server?: string;
	identity?: SessionIdentity;
	clientCapabilities?: Record<string, unknown>;
	modern?: boolean;
	/** What the client answers to mcprec's own requests (elicitation/create); by default it never answers. */
	answerClient?: (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

/** The session context with recording stubs: what was asked of the client and noted outside a flow. */
export interface FakeContext extends SessionContext {
	clientRequests: { method: string; params: Record<string, unknown>; timeoutMs: number }[];
	clientNotifications: { method: string; params: Record<string, unknown> }[];
	contextNotes: { note: { kind: 'decision' | 'mask'; details: Record<string, unknown> }; rpcId: string | null | undefined }[];
}

export function fakeContext(options: FakeContextOptions = {}): FakeContext {
	const policy = typeof options.policy === 'string' || options.policy === undefined ? policyOf(options.policy) : options.policy;
	const context: FakeContext = {
		sessionId: '01jstagetests0000000000000',
		server: options.server ?? 'fs',
		policy,
		identity: options.identity,
		clientCapabilities: options.clientCapabilities ?? {},
		modern: options.modern ?? false,
		toolAnnotations: new Map(),
		clientRequests: [],
		clientNotifications: [],
		contextNotes: [],
		requestClient(method, params, timeoutMs) {
			context.clientRequests.push({ method, params, timeoutMs });
			return options.answerClient ? options.answerClient(method, params) : new Promise(() => {});
		},
		notifyClient(method, params) {
			context.clientNotifications.push({ method, params });
		},
		note(note, rpcId) {
			context.contextNotes.push({ note, rpcId });
		},
		now: () => NOW_US,
	};
	return context;
}

const stoppedAt = new WeakMap<Flow, number>();

/** Runs the stages over a flow like the session core: until one answers, swallows or holds it; then the record (client messages that are not held). */
export function pass(stages: readonly Stage[], context: SessionContext, flow: Flow): Flow {
	const stopped = runStages(stages, flow, context);
	if (flow.hold) stoppedAt.set(flow, stopped);
	else finishRecord(stages, context, flow);
	return flow;
}

/** Waits for a held flow to settle, then runs the stages after the one that held it (unless it was answered or swallowed). */
export async function resume(stages: readonly Stage[], context: SessionContext, flow: Flow): Promise<Flow> {
	const hold = flow.hold;
	if (!hold) throw new Error('resume: the flow is not held');
	flow.hold = undefined;
	await hold;
	if (flow.answer === undefined && !flow.swallow) {
		const stopped = runStages(stages, flow, context, (stoppedAt.get(flow) ?? stages.length) + 1);
		if (flow.hold) {
			stoppedAt.set(flow, stopped);
			return flow;
		}
	}
	finishRecord(stages, context, flow);
	return flow;
}

function finishRecord(stages: readonly Stage[], context: SessionContext, flow: Flow): void {
	if (flow.direction === 'to-server') shapeRecord(stages, flow, context);
}

/** What happened to a message, in the words of the brief: one of five outcomes. */
export type Outcome = { forwarded: true } | { rewritten: unknown } | { answered: unknown } | { held: true } | { swallowed: true };

export function outcomeOf(flow: Flow): Outcome {
	if (flow.hold) return { held: true };
	if (flow.answer !== undefined) return { answered: flow.answer };
	if (flow.swallow) return { swallowed: true };
	if (flow.rewrite !== undefined) return { rewritten: Buffer.isBuffer(flow.rewrite) ? JSON.parse(flow.rewrite.toString('utf8')) : flow.rewrite };
	return { forwarded: true };
}

/** An empty in-memory store with the real schema (approvals, grants, tool pins). */
export function memoryStore(): StoreDatabase {
	const database = new Database(':memory:');
	for (const migration of MIGRATIONS) database.exec(migration.sql);
	return database;
}

/** A JSON-RPC request line's object. */
export function request(id: JsonRpcId, method: string, params?: Record<string, unknown>): Record<string, unknown> {
	return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

/** A tools/call request's object. */
export function toolCall(id: JsonRpcId, name: string, args?: Record<string, unknown>): Record<string, unknown> {
	return request(id, 'tools/call', args === undefined ? { name } : { name, arguments: args });
}

/** A JSON-RPC success response's object. */
export function response(id: JsonRpcId, result: unknown): Record<string, unknown> {
	return { jsonrpc: '2.0', id, result };
}
