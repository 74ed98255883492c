// Recomputes a session's hash chain from the stored bytes (DESIGN §5, README "Verifying
// a recording") and names the first seq where the record stops adding up. A session that
// `mcprec sync` sealed is also checked against its signed head: the signature must verify
// with the device's public key, and the signed count and head must be what is stored.

import { chainHash, genesisHash, toChainEvent } from '../event/hash-chain.js';
import { verifySealedHead } from '../event/device-signature.js';
import { deviceKeyOf, sealOf } from '../store/sync-queries.js';
import { iterateEvents } from '../store/event-queries.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { SessionRow } from '../store/session-queries.js';

/** `ok` when the session carries a seal whose signature verified; absent when it has none. */
export type SignatureStatus = 'ok';

export type VerifyResult =
	| { sessionId: string; intact: true; events: number; signature?: SignatureStatus }
	| { sessionId: string; intact: false; events: number; firstBadSeq: number; problem: string };

export function verifySession(database: StoreDatabase, session: SessionRow, options: { skipSeal?: boolean } = {}): VerifyResult {
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
		const event = toChainEvent(row);
		const hash = chainHash(previousHash, { sessionId: session.id, ...event }, event.payload);
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
	const seal = options.skipSeal ? undefined : sealOf(session);
	if (!seal) return { sessionId: session.id, intact: true, events: expectedSeq };
	const publicKey = deviceKeyOf(database, seal.deviceId);
	if (!publicKey) return fail(`the session is sealed by device '${seal.deviceId}', whose public key is not in the store`, Math.max(0, expectedSeq - 1));
	if (!verifySealedHead(publicKey, { sessionId: session.id, eventCount: seal.eventCount, headHash: seal.headHash }, seal.signature)) {
		return fail(`the seal's signature does not verify with device '${seal.deviceId}''s key (the signed head or count was altered)`, Math.max(0, expectedSeq - 1));
	}
	const head = expectedSeq === 0 ? genesisHash(session.id) : previousHash;
	if (seal.eventCount !== expectedSeq || seal.headHash !== head) {
		return fail(`the store holds ${expectedSeq} events ending in ${head.slice(0, 12)}…, but ${seal.eventCount} ending in ${seal.headHash.slice(0, 12)}… were signed`, Math.min(seal.eventCount, expectedSeq));
	}
	return { sessionId: session.id, intact: true, events: expectedSeq, signature: 'ok' };
}
