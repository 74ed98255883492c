// The wire shape of one event: a line of the NDJSON body of `POST /sessions/:id/events`
// and an item of `GET /sessions/:id/events?format=wire` (README "Collector API").

import type { ChainEvent } from './hash-chain.js';

export { toChainEvent, type ChainEvent } from './hash-chain.js';

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
