// Recomputes a session's hash chain from the stored bytes (DESIGN §5, README "Verifying
// a recording") and names the first seq where the record stops adding up.

import { chainHash, genesisHash } from '../recorder/hash-chain.js';
import { iterateEvents } from '../store/event-queries.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { SessionRow } from '../store/session-queries.js';

export type VerifyResult =
	| { sessionId: string; intact: true; events: number }
	| { sessionId: string; intact: false; events: number; firstBadSeq: number; problem: string };

export function verifySession(database: StoreDatabase, session: SessionRow): VerifyResult {
	let expectedSeq = 0;
	let previousHash = genesisHash(session.id);
	const fail = (problem: string, seq: number): VerifyResult => ({
		sessionId: session.id,
		intact: false,
		events: expectedSeq,
		firstBadSeq: seq,
		problem,
	});
	for (const row of iterateEvents(database, session.id)) {
		if (row.seq !== expectedSeq) {
			return fail(`event ${expectedSeq} is missing (the next stored event is ${row.seq})`, expectedSeq);
		}
		if (row.prev_hash !== previousHash) return fail('prev_hash does not link to the previous event (removed or reordered)', row.seq);
		if (row.payload.length !== row.size) return fail(`payload is ${row.payload.length} bytes but ${row.size} were recorded`, row.seq);
		const hash = chainHash(
			previousHash,
			{
				sessionId: session.id,
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
			},
			row.payload,
		);
		if (hash !== row.hash) return fail('hash does not match the stored event (it was altered)', row.seq);
		previousHash = row.hash;
		expectedSeq++;
	}
	if (expectedSeq < session.event_count) {
		return fail(`the session recorded ${session.event_count} events but only ${expectedSeq} are stored`, expectedSeq);
	}
	if (expectedSeq > 0 && session.head_hash !== previousHash) {
		return fail("the session's head hash does not match its last event", expectedSeq - 1);
	}
	return { sessionId: session.id, intact: true, events: expectedSeq };
}
