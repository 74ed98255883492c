// The tamper-evident chain over a session's events (DESIGN §5). The canonical form is
// documented in README.md ("Verifying a recording") so anyone can check a chain.

import { createHash } from 'node:crypto';

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
	// Same bytes as five separate updates, in two calls: each update crosses into C++.
	return createHash('sha256').update(`${prevHash}\n${canonicalHeader(fields)}\n`).update(payload).digest('hex');
}
