// Decides, under the session's lock, what a verified batch does to the stored chain:
// re-sent events must be identical, the first new event must follow the stored head.
// Pure, so both storage backends share exactly the same rules.

import { genesisHash } from '../event/hash-chain.js';
import type { BatchEvent, VerifiedBatch } from './verify-batch.js';

/** Where a session's stored chain ends. */
export interface ChainHead {
	/** The seq the next new event must have (= events stored). */
	nextSeq: number;
	/** The hash of event nextSeq - 1; null when nothing is stored. */
	headHash: string | null;
}

export type AppendPlan =
	| { kind: 'append'; fresh: BatchEvent[]; duplicates: number }
	/** The batch starts after the stored head: events are missing in between. */
	| { kind: 'gap'; expectedSeq: number }
	/** A re-sent event differs from the one stored with the same seq. */
	| { kind: 'conflict'; seq: number }
	/** The first new event's prevHash is not the stored head. */
	| { kind: 'unlinked'; seq: number; expectedPrevHash: string };

/** The seqs (inclusive) whose stored hashes the plan needs, or undefined when none overlap. */
export function overlapRange(head: ChainHead, batch: VerifiedBatch): { from: number; to: number } | undefined {
	const first = batch.events[0];
	if (!first || first.seq >= head.nextSeq) return undefined;
	const last = batch.events[batch.events.length - 1]!;
	return { from: first.seq, to: Math.min(last.seq, head.nextSeq - 1) };
}

export function planAppend(head: ChainHead, batch: VerifiedBatch, storedHashes: ReadonlyMap<number, string>): AppendPlan {
	const first = batch.events[0];
	if (!first) return { kind: 'append', fresh: [], duplicates: 0 };
	if (first.seq > head.nextSeq) return { kind: 'gap', expectedSeq: head.nextSeq };
	let duplicates = 0;
	for (const event of batch.events) {
		if (event.seq >= head.nextSeq) break;
		if (storedHashes.get(event.seq) !== event.hash) return { kind: 'conflict', seq: event.seq };
		duplicates++;
	}
	const fresh = batch.events.slice(duplicates);
	const expectedPrevHash = head.headHash ?? genesisHash(batch.sessionId);
	if (fresh.length > 0 && fresh[0]!.prevHash !== expectedPrevHash) {
		return { kind: 'unlinked', seq: fresh[0]!.seq, expectedPrevHash };
	}
	return { kind: 'append', fresh, duplicates };
}
