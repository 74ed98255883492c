// The store ledger (issue 13, README "The store ledger"): a hash chain of its own, one entry
// when a session opens, one when it closes and one when `mcprec prune` deletes it, each
// signed with the device key. Events
// prove their order inside a session; the ledger proves which sessions there are and how
// long each one was when it closed, so a session deleted or cut short shows.
//
// hash = SHA-256(prev_hash hex ‖ "\n" ‖ JSON array of the entry's fields), the first entry's
// prev_hash being SHA-256("mcprec-ledger-v1"). The device signs "mcprec-ledger-v1\n<seq>\n<hash>"
// (device-signature.ts). The newest signed entry is also written beside the store (the
// ledger head file), so that the ledger's own tail cannot be cut off unseen either.

import { createHash } from 'node:crypto';

/** `prune`: the session was deleted by `mcprec prune`, with this many events and this head. */
export type LedgerKind = 'open' | 'close' | 'prune';

export interface LedgerEntry {
	seq: number;
	/** Microseconds since the epoch, when the entry was written. */
	ts: number;
	kind: LedgerKind;
	sessionId: string;
	/** At close and prune: how many events the session has, and the hash of the last one. */
	eventCount: number | null;
	headHash: string | null;
	endReason: string | null;
	/** The device that signed it; null when no device key could be had. */
	deviceId: string | null;
}

/** What the ledger head file holds: the newest entry someone wrote, signed. */
export interface LedgerHead {
	seq: number;
	hash: string;
	deviceId: string;
	signature: string;
}

const FORMAT = 'mcprec-ledger-v1';

export const LEDGER_GENESIS = createHash('sha256').update(FORMAT).digest('hex');

export function ledgerHash(prevHash: string, entry: LedgerEntry): string {
	const fields = [FORMAT, entry.seq, entry.ts, entry.kind, entry.sessionId, entry.eventCount, entry.headHash, entry.endReason, entry.deviceId];
	return createHash('sha256').update(`${prevHash}\n${JSON.stringify(fields)}`).digest('hex');
}
