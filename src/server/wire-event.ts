// The wire shape of one event: a line of the NDJSON body of `POST /sessions/:id/events`
// and an item of `GET /sessions/:id/events?format=wire` (README "Collector API").

import { inflateRawSync } from 'node:zlib';
import type { ChainedFields } from '../recorder/hash-chain.js';
import type { EventRow } from '../store/event-queries.js';

/** One event on the wire: the chained fields, both hashes, and the payload in base64. */
export interface WireEvent {
	seq: number;
	/** µs since the epoch, exactly as hashed. */
	ts: number;
	origin: string;
	target: string | null;
	kind: string;
	method: string | null;
	/** The JSON-RPC id in its stored text form (`1`, `"abc"`), as hashed. */
	rpcId: string | null;
	tool: string | null;
	size: number;
	latencyUs: number | null;
	prevHash: string;
	hash: string;
	/** The uncompressed payload bytes, base64. */
	payload: string;
}

/** An event with its payload as bytes: what the chain is computed over. */
export interface ChainEvent extends Omit<ChainedFields, 'sessionId'> {
	prevHash: string;
	hash: string;
	payload: Buffer;
}

export function toWireEvent(event: ChainEvent): WireEvent {
	return {
		seq: event.seq,
		ts: event.ts,
		origin: event.origin,
		target: event.target,
		kind: event.kind,
		method: event.method,
		rpcId: event.rpcId,
		tool: event.tool,
		size: event.size,
		latencyUs: event.latencyUs,
		prevHash: event.prevHash,
		hash: event.hash,
		payload: event.payload.toString('base64'),
	};
}

/** The NDJSON body for a batch of events (what `mcprec sync` sends). */
export function encodeEventLines(events: ChainEvent[]): string {
	let body = '';
	for (const event of events) body += `${JSON.stringify(toWireEvent(event))}\n`;
	return body;
}

/** A stored event row (local store or collector: same columns) as a chain event, payload uncompressed. */
export function toChainEvent(row: Omit<EventRow, 'session_id'>): ChainEvent {
	return {
		seq: row.seq,
		ts: row.ts,
		origin: row.origin,
		target: row.target,
		kind: row.kind,
		method: row.method,
		rpcId: row.rpc_id,
		tool: row.tool,
		size: row.size,
		latencyUs: row.latency_us,
		prevHash: row.prev_hash,
		hash: row.hash,
		payload: row.encoding === 'deflate-raw' ? inflateRawSync(row.payload) : row.payload,
	};
}
