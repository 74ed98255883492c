// The tamper-evident chain over a session's events (DESIGN §5). The canonical form is
// documented in README.md ("Verifying a recording") so anyone can check a chain.

import { createHash, hash, type Hash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import type { EventRow } from '../store/event-queries.js';

/** The fields of an event that the hash covers, in canonical order. */
export interface ChainedFields {
	sessionId: string;
	seq: number;
	ts: number;
	origin: string;
	target: string | null;
	kind: string;
	method: string | null;
	rpcId: string | null;
	tool: string | null;
	size: number;
	latencyUs: number | null;
}

const FORMAT = 'mcprec-event-v1';

/** prev_hash of seq 0: SHA-256 of "mcprec-session-v1\n" + session id. */
export function genesisHash(sessionId: string): string {
	return createHash('sha256').update(`mcprec-session-v1\n${sessionId}`).digest('hex');
}

/** Header line of the canonical form: a JSON array of the event's fields. */
export function canonicalHeader(fields: ChainedFields): string {
	return JSON.stringify([
		FORMAT,
		fields.sessionId,
		fields.seq,
		fields.ts,
		fields.origin,
		fields.target,
		fields.kind,
		fields.method,
		fields.rpcId,
		fields.tool,
		fields.size,
		fields.latencyUs,
	]);
}

/** hash = SHA-256(prev_hash hex ‖ "\n" ‖ header ‖ "\n" ‖ payload bytes). */
export function chainHash(prevHash: string, fields: ChainedFields, payload: Buffer): string {
	return startChainHash(prevHash, fields).update(payload).digest('hex');
}

/** chainHash for a payload that arrives in pieces: update() with each, in order, then digest('hex'). */
export function startChainHash(prevHash: string, fields: ChainedFields): Hash {
	// Same bytes as four separate updates, in one call: each update crosses into C++.
	return createHash('sha256').update(`${prevHash}\n${canonicalHeader(fields)}\n`);
}

// Above this a payload is hashed in place (two updates) rather than copied into the buffer.
const ONE_SHOT_MAX_BYTES = 1024 * 1024;

/**
 * chainHash for a stream of events: the same bytes, laid out in one reused buffer and
 * hashed in one call, so no Hash object is made per event.
 */
export class ChainHasher {
	private scratch = Buffer.allocUnsafeSlow(64 * 1024);

	hash(prevHash: string, fields: ChainedFields, payload: Buffer): string {
		if (payload.length > ONE_SHOT_MAX_BYTES) return chainHash(prevHash, fields, payload);
		const head = `${prevHash}\n${canonicalHeader(fields)}\n`;
		// UTF-8 takes at most 3 bytes per UTF-16 unit.
		const bound = head.length * 3 + payload.length;
		if (bound > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(Math.max(bound, this.scratch.length * 2));
		const scratch = this.scratch;
		let length = scratch.write(head, 0, 'utf8');
		length += payload.copy(scratch, length);
		return hash('sha256', scratch.subarray(0, length), 'hex');
	}
}

/** An event with its payload as bytes: what the chain is computed over. */
export interface ChainEvent extends Omit<ChainedFields, 'sessionId'> {
	prevHash: string;
	hash: string;
	payload: Buffer;
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
