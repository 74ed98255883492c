// Sessions and hash-chained events as a laptop would upload them, for the collector's
// storage and API tests: built with the same canonical form as the recorder.

import path from 'node:path';
import { chainHash, genesisHash } from '../../src/event/hash-chain.js';
import { newSessionId } from '../../src/event/session-id.js';
import type { ChainEvent } from '../../src/event/event.js';
import type { ServerSettings } from '../../src/server/resolve-server-settings.js';

export interface EventSpec {
	origin?: string;
	target?: string | null;
	kind?: string;
	method?: string | null;
	rpcId?: string | null;
	tool?: string | null;
	latencyUs?: number | null;
	/** µs since the epoch; by default 1 ms after the previous event's slot. */
	ts?: number;
	payload: string | Buffer;
}

/** Links event specs into a chain starting at `fromSeq` after `prevHash` (genesis by default). */
export function chain(sessionId: string, specs: EventSpec[], options: { fromSeq?: number; prevHash?: string; startTs?: number } = {}): ChainEvent[] {
	let prevHash = options.prevHash ?? genesisHash(sessionId);
	let seq = options.fromSeq ?? 0;
	const startTs = options.startTs ?? 1_795_000_000_000_000;
	return specs.map((spec) => {
		const payload = Buffer.isBuffer(spec.payload) ? spec.payload : Buffer.from(spec.payload);
		const fields = {
			seq,
			ts: spec.ts ?? startTs + seq * 1000,
			origin: spec.origin ?? 'client',
			target: spec.target === undefined ? 'server' : spec.target,
			kind: spec.kind ?? 'message',
			method: spec.method ?? null,
			rpcId: spec.rpcId ?? null,
			tool: spec.tool ?? null,
			size: payload.length,
			latencyUs: spec.latencyUs ?? null,
		};
		const hash = chainHash(prevHash, { sessionId, ...fields }, payload);
		const event: ChainEvent = { ...fields, prevHash, hash, payload };
		prevHash = hash;
		seq++;
		return event;
	});
}

/** `count` ordinary events: tools/call requests and their responses alternating. */
export function callEvents(count: number, tool = 'read_file'): EventSpec[] {
	return Array.from({ length: count }, (_, index) => {
		const id = String(Math.floor(index / 2) + 1);
		return index % 2 === 0
			? { method: 'tools/call', rpcId: id, tool, payload: JSON.stringify({ jsonrpc: '2.0', id: Number(id), method: 'tools/call', params: { name: tool, arguments: { path: `/tmp/${index}` } } }) }
			: { origin: 'server', target: 'client', method: 'tools/call', rpcId: id, tool, latencyUs: 120, payload: JSON.stringify({ jsonrpc: '2.0', id: Number(id), result: { content: [{ type: 'text', text: `file ${index}` }] } }) };
	});
}

/**
 * One of each outcome the summary tracks: a block (with mcprec's own isError answer, which is
 * no tool error), a mask, an approval, a held call an approver denied, a JSON-RPC error and a
 * tool error. Summarised: { blocked 1, denied 1, held 1, masked 1, approved 1, errors 2, toolErrors 1 }.
 */
export function outcomeEvents(): EventSpec[] {
	return [
		{ origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', rpcId: '90', tool: 'delete_file', payload: JSON.stringify({ action: 'deny', rule: 'no-deletes', message: 'no' }) },
		{ origin: 'proxy', target: 'client', method: 'tools/call', rpcId: '90', tool: 'delete_file', payload: JSON.stringify({ jsonrpc: '2.0', id: 90, result: { content: [{ type: 'text', text: "Blocked by policy rule 'no-deletes': no" }], isError: true } }) },
		{ origin: 'proxy', target: null, kind: 'mask', method: 'tools/call', rpcId: '91', tool: 'read_file', payload: JSON.stringify({ detectors: { 'aws-access-key': 1 } }) },
		{ origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', rpcId: '92', tool: 'drop_table', payload: JSON.stringify({ action: 'approve', status: 'approved', rule: 'confirm', via: 'cli' }) },
		{ origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', rpcId: '95', tool: 'drop_table', payload: JSON.stringify({ action: 'approve', status: 'held', rule: 'confirm', method: 'tools/call', tool: 'drop_table' }) },
		{ origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', rpcId: '95', tool: 'drop_table', payload: JSON.stringify({ action: 'approve', status: 'denied', rule: 'confirm', via: 'viewer', reason: 'denied by audrey@example.com in the viewer' }) },
		{ origin: 'server', target: 'client', method: 'tools/call', rpcId: '93', tool: 'read_file', payload: JSON.stringify({ jsonrpc: '2.0', id: 93, error: { code: -32000, message: 'boom' } }) },
		...toolErrorEvents(),
	];
}

/** The outcomes of outcomeEvents(). */
export const OUTCOME_EVENTS_SUMMARY = { blocked: 1, denied: 1, held: 1, masked: 1, approved: 1, errors: 2, toolErrors: 1 };

/** A tools/call the server answered with a tool error (MCP: result.isError true). */
export function toolErrorEvents(id = 94): EventSpec[] {
	return [
		{ method: 'tools/call', rpcId: String(id), tool: 'read_file', payload: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'read_file', arguments: { path: 42 } } }) },
		{ origin: 'server', target: 'client', method: 'tools/call', rpcId: String(id), tool: 'read_file', latencyUs: 900, payload: JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'MCP error -32602: Input validation error' }], isError: true } }) },
	];
}

/** A session document in the shape of `mcprec sessions --json`. */
export function sessionDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> & { id: string } {
	const id = (overrides.id as string | undefined) ?? newSessionId();
	return {
		id,
		server: 'filesystem',
		command: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
		url: null,
		startedAt: '2026-11-22T13:40:41.123456Z',
		endedAt: null,
		endReason: null,
		exitCode: null,
		exitSignal: null,
		user: { osUser: 'me', host: 'laptop', issuer: null, sub: null, email: null, name: null, groups: [] },
		client: { name: 'claude-code', version: '2.1.0' },
		protocolVersion: '2025-06-18',
		counts: { messages: 0, requests: 0, errors: 0, blocked: 0, masked: 0, approvals: 0, bytes: 0, events: 0 },
		policyDigest: null,
		headHash: null,
		synced: false,
		...overrides,
	};
}

/** Recomputes a stored chain from seq 0; returns the first problem, or undefined. */
export function chainProblem(sessionId: string, events: ChainEvent[]): string | undefined {
	let prevHash = genesisHash(sessionId);
	for (const [index, event] of events.entries()) {
		if (event.seq !== index) return `seq ${event.seq} at position ${index}`;
		if (event.prevHash !== prevHash) return `event ${event.seq} does not link`;
		if (chainHash(prevHash, { sessionId, ...event }, event.payload) !== event.hash) return `event ${event.seq} hash differs`;
		prevHash = event.hash;
	}
	return undefined;
}

/**
 * A collector on 127.0.0.1 for tests: its database in `folder`, tokens from `issuer` for
 * `audience`, auditors in group `auditors`, 32 MiB bodies; `overrides` for the rest.
 */
export function testCollectorSettings(options: { folder: string; issuer: string; audience: string } & Partial<ServerSettings>): ServerSettings {
	const { folder, ...overrides } = options;
	return {
		host: '127.0.0.1',
		port: 0,
		database: path.join(folder, 'collector.db'),
		groupsClaim: 'groups',
		auditorGroup: 'auditors',
		approverGroup: undefined,
		bodyLimitBytes: 32 * 1024 * 1024,
		...overrides,
	};
}
