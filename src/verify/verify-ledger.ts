// Checks the store ledger (event/ledger.ts, README "The store ledger"): its own chain and
// signatures, that its newest entry is still the one the head file beside the store
// names, and that every session it records is still in the store. Returns what it says
// about each session for verify-chain.ts to compare with the session's events.

import { ledgerMessage, verifyDeviceSignature, type DevicePublicKey } from '../event/device-signature.js';
import { LEDGER_GENESIS, ledgerHash, type LedgerHead } from '../event/ledger.js';
import { iterateLedger, type LedgerRow } from '../store/ledger-queries.js';
import type { StoreDatabase } from '../store/open-store.js';
import { deviceKeyOf } from '../store/sync-queries.js';
import type { SessionLedger } from './verify-chain.js';

export interface LedgerProblem {
	/** The session concerned, when there is one (a session missing from the store). */
	sessionId?: string;
	problem: string;
}

/** A session `mcprec prune` deleted, as its signed tombstone says. */
export interface PrunedSession {
	sessionId: string;
	/** µs since the epoch. */
	prunedAt: number;
	events: number;
}

export interface LedgerReport {
	entries: number;
	problems: LedgerProblem[];
	pruned: PrunedSession[];
	/** What the ledger records per session; startedAt is shared by all. */
	sessionLedger(sessionId: string): SessionLedger;
}

export function verifyLedger(database: StoreDatabase, headFile: { head?: LedgerHead; problem?: string }): LedgerReport {
	const problems: LedgerProblem[] = [];
	const bySession = new Map<string, SessionLedger & { prune?: LedgerRow }>();
	const keys = new Map<string, DevicePublicKey | undefined>();
	const keyOf = (id: string) => {
		if (!keys.has(id)) keys.set(id, deviceKeyOf(database, id));
		return keys.get(id);
	};
	let expectedSeq = 0;
	let previousHash = LEDGER_GENESIS;
	let startedAt: number | undefined;
	let unsigned = 0;
	let signed = 0;
	let brokenAt: number | undefined;
	let headSeen = false;
	for (const row of iterateLedger(database)) {
		if (brokenAt === undefined) {
			if (row.seq !== expectedSeq) brokenAt = expectedSeq;
			else if (row.prevHash !== previousHash || ledgerHash(previousHash, row) !== row.hash) brokenAt = row.seq;
			if (brokenAt !== undefined) {
				problems.push({ problem: `the store ledger was altered at entry ${brokenAt}: entries were removed, reordered or edited` });
			}
		}
		if (row.deviceId === null || row.signature === null) unsigned++;
		else {
			const key = keyOf(row.deviceId);
			if (!key) problems.push({ problem: `ledger entry ${row.seq} is signed by device '${row.deviceId}', whose public key is not in the store` });
			else if (!verifyDeviceSignature(key, ledgerMessage(row), row.signature)) problems.push({ problem: `ledger entry ${row.seq}'s signature does not verify (the entry was altered)` });
			else signed++;
		}
		if (headFile.head && row.seq === headFile.head.seq) {
			headSeen = true;
			if (row.hash !== headFile.head.hash) problems.push({ problem: `ledger entry ${row.seq} is not the one the ledger head file recorded (the ledger was rewritten)` });
		}
		startedAt ??= row.ts;
		const entry = bySession.get(row.sessionId) ?? {};
		if (row.kind === 'open') entry.open ??= row;
		else if (row.kind === 'prune') entry.prune = row;
		else entry.close = row;
		bySession.set(row.sessionId, entry);
		previousHash = row.hash;
		expectedSeq = row.seq + 1;
	}
	if (unsigned > 0) {
		problems.push({ problem: `${unsigned} ledger entr${unsigned === 1 ? 'y is' : 'ies are'} not signed (the device key could not be read when ${unsigned === 1 ? 'it was' : 'they were'} written, or the signatures were removed)` });
	}
	problems.push(...checkHeadFile(headFile, headSeen, expectedSeq, signed, keyOf));
	const sessionExists = database.prepare('SELECT 1 FROM sessions WHERE id = ?').pluck();
	const pruned: PrunedSession[] = [];
	for (const [sessionId, entry] of bySession) {
		const exists = sessionExists.get(sessionId) !== undefined;
		if (entry.prune) {
			// Deleted by policy, and signed as such: not missing. Back in the store, it was put back by hand.
			if (exists) problems.push({ sessionId, problem: `session ${sessionId} was pruned on ${isoDate(entry.prune.ts)}, but it is in the store again (restored from a copy)` });
			else pruned.push({ sessionId, prunedAt: entry.prune.ts, events: entry.prune.eventCount ?? 0 });
			continue;
		}
		if (exists) continue;
		const opened = entry.open ? isoDate(entry.open.ts) : 'an unknown time';
		const closed = entry.close ? `, closed with ${entry.close.eventCount} events` : '';
		problems.push({ sessionId, problem: `session ${sessionId} is missing from the store (the ledger records it opened at ${opened}${closed}): it was deleted` });
	}
	return {
		entries: expectedSeq,
		problems,
		pruned,
		sessionLedger: (sessionId) => ({ ...bySession.get(sessionId), startedAt }),
	};
}

function checkHeadFile(
	headFile: { head?: LedgerHead; problem?: string },
	headSeen: boolean,
	entries: number,
	signed: number,
	keyOf: (id: string) => DevicePublicKey | undefined,
): LedgerProblem[] {
	if (headFile.problem) return [{ problem: headFile.problem }];
	const head = headFile.head;
	if (!head) return signed > 0 ? [{ problem: 'the ledger head file beside the store is missing (it was removed)' }] : [];
	const key = keyOf(head.deviceId);
	if (!key || !verifyDeviceSignature(key, ledgerMessage(head), head.signature)) return [{ problem: 'the ledger head file does not carry a valid signature of this store\'s device (it was altered)' }];
	if (!headSeen) return [{ problem: `the store ledger ends at entry ${entries - 1}, but entry ${head.seq} was written: its newest entries were removed` }];
	return [];
}

function isoDate(micros: number): string {
	return new Date(micros / 1000).toISOString();
}
