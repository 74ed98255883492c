// An event as the local store keeps it (a row of \`events\`), and its payload's encoding.

import { decodePayloadBytes } from './payload-encoding.js';

/** An event row as stored (DESIGN §5), payload already decompressed. */
export interface EventRow {
	session_id: string;
	seq: number;
	ts: number;
	origin: string;
	target: string | null;
	kind: string;
	method: string | null;
	rpc_id: string | null;
	tool: string | null;
	payload: Buffer;
	encoding: string;
	size: number;
	latency_us: number | null;
	prev_hash: string;
	hash: string;
}

export function decodePayload(row: EventRow): EventRow {
	return row.encoding === 'identity' ? row : { ...row, payload: decodePayloadBytes(row.payload, row.encoding), encoding: 'identity' };
}
