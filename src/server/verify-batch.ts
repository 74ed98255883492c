// Checks a batch of uploaded events on its own, before any lock is taken: seqs consecutive,
// sizes right, every hash recomputed with the canonical form (README "Verifying a
// recording") and every prev_hash linking to the event before it. Linking the batch to
// what is already stored happens inside the store's transaction (plan-append.ts).

import { eventHash, genesisHash } from '../event/hash-chain.js';
import { encodePayload } from '../event/payload-encoding.js';
import { ApiError } from './api-error.js';
import type { ChainEvent } from '../event/event.js';

/** An event ready for storage: verified, payload possibly compressed. */
export interface BatchEvent extends ChainEvent {
	/** 'identity' or 'deflate-raw'; `payload` is stored as encoded. */
	encoding: string;
	/** The uncompressed bytes, for outcome detection. */
	rawPayload: Buffer;
}

/** A batch whose events are consecutive and whose hashes are all correct. */
export interface VerifiedBatch {
	sessionId: string;
	events: BatchEvent[];
}

export function verifyBatch(sessionId: string, events: ChainEvent[]): VerifiedBatch {
	const verified: BatchEvent[] = [];
	let previous: ChainEvent | undefined;
	for (const event of events) {
		const reject = (code: string, problem: string) =>
			new ApiError(422, code, `event ${event.seq}: ${problem}`, { seq: event.seq });
		if (previous && event.seq !== previous.seq + 1) {
			throw reject('out_of_order', `expected seq ${previous.seq + 1} after ${previous.seq}; send events in seq order without holes`);
		}
		if (event.payload.length !== event.size) {
			throw reject('size_mismatch', `payload is ${event.payload.length} bytes but size says ${event.size}`);
		}
		const expectedPrev = previous ? previous.hash : event.seq === 0 ? genesisHash(sessionId) : undefined;
		if (expectedPrev !== undefined && event.prevHash !== expectedPrev) {
			throw reject('chain_broken', `prevHash ${event.prevHash} does not link to ${previous ? `event ${previous.seq}` : 'the session (genesis hash)'} (${expectedPrev})`);
		}
		const hash = eventHash(sessionId, event.prevHash, event);
		if (hash !== event.hash) throw reject('hash_mismatch', `hash ${event.hash} does not match the event's content (computed ${hash})`);
		verified.push(encodeForStorage(event));
		previous = event;
	}
	return { sessionId, events: verified };
}

// Stored with the same encoding rule as the local store (event/payload-encoding.ts).
function encodeForStorage(event: ChainEvent): BatchEvent {
	const { payload, encoding } = encodePayload(event.payload);
	return { ...event, payload, encoding, rawPayload: event.payload };
}
