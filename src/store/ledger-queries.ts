// The store ledger and per-session checkpoints in the local store (event/ledger.ts, README
// "The store ledger"). Entries are appended inside the caller's write transaction, so the
// entry and what it speaks of commit together; SQLite's write lock orders the entries of
// concurrent mcprec processes. The head file beside the store is written after the commit.

import fs from 'node:fs';
import path from 'node:path';
import { checkpointMessage, ledgerMessage, type DeviceSigner, type SealedHead } from '../event/device-signature.js';
import { LEDGER_GENESIS, ledgerHash, type LedgerEntry, type LedgerHead, type LedgerKind } from '../event/ledger.js';
import type { StoreDatabase } from './open-store.js';
import { rememberDeviceKey } from './sync-queries.js';

export interface LedgerRow extends LedgerEntry {
	prevHash: string;
	hash: string;
	signature: string | null;
}

/** Where the newest signed ledger entry is kept: beside the database. */
export function ledgerHeadFile(databaseFile: string): string {
	return path.join(path.dirname(databaseFile), 'ledger-head.json');
}

/** Appends one entry; call inside a write transaction. Returns the signed head to write after commit, if signed. */
export function appendLedgerEntry(
	database: StoreDatabase,
	entry: { ts: number; kind: LedgerKind; sessionId: string; eventCount?: number | null; headHash?: string | null; endReason?: string | null },
	signer: DeviceSigner | undefined,
): LedgerHead | undefined {
	const last = database.prepare('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
	const full: LedgerEntry = {
		seq: (last?.seq ?? -1) + 1,
		ts: entry.ts,
		kind: entry.kind,
		sessionId: entry.sessionId,
		eventCount: entry.eventCount ?? null,
		headHash: entry.headHash ?? null,
		endReason: entry.endReason ?? null,
		deviceId: signer?.deviceId ?? null,
	};
	const prevHash = last?.hash ?? LEDGER_GENESIS;
	const hash = ledgerHash(prevHash, full);
	const signature = signer ? signer.sign(ledgerMessage({ seq: full.seq, hash })) : null;
	database
		.prepare(
			`INSERT INTO ledger (seq, ts, kind, session_id, event_count, head_hash, end_reason, device_id, prev_hash, hash, signature)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		)
		.run(full.seq, full.ts, full.kind, full.sessionId, full.eventCount, full.headHash, full.endReason, full.deviceId, prevHash, hash, signature);
	return signer && signature ? { seq: full.seq, hash, deviceId: signer.deviceId, signature } : undefined;
}

/** Whether the ledger already has an entry of this kind for the session. */
export function hasLedgerEntry(database: StoreDatabase, sessionId: string, kind: LedgerKind): boolean {
	return database.prepare('SELECT 1 FROM ledger WHERE session_id = ? AND kind = ? LIMIT 1').get(sessionId, kind) !== undefined;
}

export function* iterateLedger(database: StoreDatabase): Generator<LedgerRow> {
	const rows = database
		.prepare(
			`SELECT seq, ts, kind, session_id AS sessionId, event_count AS eventCount, head_hash AS headHash, end_reason AS endReason,
  device_id AS deviceId, prev_hash AS prevHash, hash, signature FROM ledger ORDER BY seq`,
		)
		.iterate() as Iterable<LedgerRow>;
	yield* rows;
}

/** Signs the session's head as it now stands in the store; call inside the transaction that wrote it. */
export function saveCheckpoint(database: StoreDatabase, head: SealedHead, signer: DeviceSigner): void {
	database
		.prepare('UPDATE sessions SET checkpoint_device_id = ?, checkpoint_event_count = ?, checkpoint_head_hash = ?, checkpoint_signature = ? WHERE id = ?')
		.run(signer.deviceId, head.eventCount, head.headHash, signer.sign(checkpointMessage(head)), head.sessionId);
}

/**
 * Records `head` in the head file unless the file already names a later entry. Best effort:
 * two processes racing leave the earlier of two heads, which the ledger still extends.
 */
export function writeLedgerHead(databaseFile: string, head: LedgerHead): void {
	const file = ledgerHeadFile(databaseFile);
	const current = readLedgerHead(databaseFile);
	if (current.head && current.head.seq >= head.seq) return;
	const temporary = `${file}.${process.pid}.tmp`;
	try {
		fs.writeFileSync(temporary, `${JSON.stringify(head)}\n`, { mode: 0o600 });
		fs.renameSync(temporary, file);
	} catch {
		fs.rmSync(temporary, { force: true });
	}
}

export function readLedgerHead(databaseFile: string): { head?: LedgerHead; problem?: string } {
	let text: string;
	try {
		text = fs.readFileSync(ledgerHeadFile(databaseFile), 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
		return { problem: `cannot read ${ledgerHeadFile(databaseFile)}: ${(error as Error).message}` };
	}
	try {
		const head = JSON.parse(text) as LedgerHead;
		if (Number.isSafeInteger(head.seq) && typeof head.hash === 'string' && typeof head.signature === 'string' && typeof head.deviceId === 'string') return { head };
	} catch {
		// Reported below.
	}
	return { problem: `${ledgerHeadFile(databaseFile)} is not a ledger head (it was altered)` };
}

/**
 * Signs a session that another process left open: the ledger gets the entries it lacks
 * (opening, closing) and the checkpoint covers the head as recovered. Call inside the
 * transaction that closed it.
 */
export function closeInLedger(
	database: StoreDatabase,
	session: { sessionId: string; eventCount: number; headHash: string; endReason: string; ts: number },
	signer: DeviceSigner | undefined,
): LedgerHead | undefined {
	const { sessionId, eventCount, headHash, endReason, ts } = session;
	let head: LedgerHead | undefined;
	if (signer) {
		rememberDeviceKey(database, signer.deviceId, signer.publicKey);
		saveCheckpoint(database, { sessionId, eventCount, headHash }, signer);
	}
	if (!hasLedgerEntry(database, sessionId, 'open')) head = appendLedgerEntry(database, { ts, kind: 'open', sessionId }, signer) ?? head;
	if (!hasLedgerEntry(database, sessionId, 'close')) head = appendLedgerEntry(database, { ts, kind: 'close', sessionId, eventCount, headHash, endReason }, signer) ?? head;
	return head;
}
