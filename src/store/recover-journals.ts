// Recovery of sessions whose mcprec died (kill -9, a crash, a power cut of the client):
// their write-ahead journal (recorder/journal.ts) holds every event that was forwarded,
// the store holds those that were committed. The next mcprec that opens the store imports
// what the store lacks, chaining hashes on from the stored head, and closes the session
// (as `crashed` unless the journal says how it ended). Idempotent: events are keyed by seq,
// a journal is claimed by renaming it, and removed only after its import committed.

import fs from 'node:fs';
import path from 'node:path';
import { decodeJournal } from '../event/journal-codec.js';
import { genesisHash, linkEvent } from '../event/hash-chain.js';
import { countEvent, emptyCounters } from '../event/event.js';
import { EVENT_COLUMNS, EVENT_VALUES, pushRowValues } from '../event/event-forms.js';
import { encodePayload } from '../event/payload-encoding.js';
import type { StoreDatabase } from './open-store.js';
import { processIsAlive } from './process-identity.js';
import { INSERT_SESSION } from './session-row.js';
import type { DeviceSigner } from '../event/device-signature.js';
import type { LedgerHead } from '../event/ledger.js';
import { closeInLedger } from './ledger-queries.js';

export interface RecoveryOptions {
	/**
	 * The device key, asked for only when a session is recovered: the recovering process
	 * signs the head and the ledger's closing entry in the dead one's place.
	 */
	signer?: () => DeviceSigner | undefined;
	/** Told the newest signed ledger entry written, for the ledger head file. */
	onLedgerHead?: (head: LedgerHead) => void;
}

/** Where a store's journals live: beside the database. */
export function journalDirectory(databaseFile: string): string {
	return path.join(path.dirname(databaseFile), 'journal');
}

export interface RecoveredSession {
	sessionId: string;
	/** Events the store lacked and now has. */
	imported: number;
	endReason: string;
	/** Why some of the journal could not be used, if so. */
	problem?: string;
	/** Why nothing could be recovered this time. */
	failed?: string;
}

const CLAIMED = /^(.+\.journal)\.recovering\.(\d+)$/;

/** Recovers every dead session's journal in `directory`; live sessions' journals are left alone. */
export function recoverJournals(database: StoreDatabase, directory: string, options: RecoveryOptions = {}): RecoveredSession[] {
	let signer: DeviceSigner | undefined;
	let asked = false;
	const signing: Signing = {
		signer: () => {
			if (!asked) signer = options.signer?.();
			asked = true;
			return signer;
		},
		heads: [],
	};
	try {
		return recoverAll(database, directory, signing);
	} finally {
		const newest = signing.heads.at(-1);
		if (newest) options.onLedgerHead?.(newest);
	}
}

interface Signing {
	signer: () => DeviceSigner | undefined;
	heads: LedgerHead[];
}

function recoverAll(database: StoreDatabase, directory: string, signing: Signing): RecoveredSession[] {
	let names: string[];
	try {
		names = fs.readdirSync(directory);
	} catch {
		return [];
	}
	const recovered: RecoveredSession[] = [];
	for (const name of names.sort()) {
		if (removeIfAbandoned(directory, name)) continue;
		const claimed = claim(directory, name);
		if (claimed === undefined) continue;
		try {
			recovered.push(importJournal(database, claimed, signing));
			fs.rmSync(claimed, { force: true });
		} catch (error) {
			// Left claimed by this (soon dead) process: the next start tries again.
			recovered.push({ sessionId: name.split('.')[0]!, imported: 0, endReason: 'unknown', failed: `${(error as Error).message}; it is kept as ${claimed} for the next try` });
		}
	}
	recovered.push(...closeDeadSessions(database, new Set(names.map((name) => name.split('.')[0]!)), signing));
	return recovered;
}

// Sessions still marked running whose process is gone and that left no journal (it was
// removed after the last commit, and the process died before writing the end).
function closeDeadSessions(database: StoreDatabase, withJournal: ReadonlySet<string>, signing: Signing): RecoveredSession[] {
	const open = database.prepare('SELECT id, pid, pid_start AS pidStart, started_at AS startedAt FROM sessions WHERE ended_at IS NULL AND pid IS NOT NULL').all() as { id: string; pid: number; pidStart: string | null; startedAt: number }[];
	const closed: RecoveredSession[] = [];
	for (const session of open) {
		if (withJournal.has(session.id) || session.pid === process.pid || processIsAlive(session.pid, session.pidStart)) continue;
		let committed = () => {};
		const changed = database
			.transaction(() => {
				const last = database.prepare('SELECT seq, ts, hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(session.id) as { seq: number; ts: number; hash: string } | undefined;
				const endedAt = last?.ts ?? session.startedAt;
				const changes = database.prepare("UPDATE sessions SET ended_at = ?, end_reason = 'crashed' WHERE id = ? AND ended_at IS NULL").run(endedAt, session.id).changes;
				if (changes > 0) committed = signClosed(database, signing, { sessionId: session.id, eventCount: (last?.seq ?? -1) + 1, headHash: last?.hash ?? genesisHash(session.id), endReason: 'crashed', ts: endedAt });
				return changes;
			})
			.immediate();
		committed();
		if (changed > 0) closed.push({ sessionId: session.id, imported: 0, endReason: 'crashed' });
	}
	return closed;
}

// A journal of a dead process, renamed so that no other mcprec recovers it at the same
// time; undefined when the session still runs or someone else has it.
function claim(directory: string, name: string): string | undefined {
	const file = path.join(directory, name);
	const mine = `${name.replace(/\.recovering\.\d+$/, '')}.recovering.${process.pid}`;
	const stale = CLAIMED.exec(name);
	if (stale) {
		if (Number(stale[2]) === process.pid || processIsAlive(Number(stale[2]), null)) return undefined;
	} else if (name.endsWith('.journal')) {
		if (!writerIsDead(file)) return undefined;
	} else return undefined;
	try {
		fs.renameSync(file, path.join(directory, mine));
		return path.join(directory, mine);
	} catch {
		return undefined;
	}
}

// A journal being created or restarted is written under another name and renamed into
// place; a process killed in between leaves that file. It holds nothing the real journal
// (or, while creating, nothing forwarded yet) lacks: removed once its writer is gone, or,
// when its header never made it to disk, once it is an hour old.
const ABANDONED = /\.journal\.(creating|restarting)$/;
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

function removeIfAbandoned(directory: string, name: string): boolean {
	if (!ABANDONED.test(name)) return false;
	const file = path.join(directory, name);
	try {
		if (writerIsDead(file) || Date.now() - fs.statSync(file).mtimeMs > ABANDONED_AFTER_MS) fs.rmSync(file, { force: true });
	} catch {
		// Gone already, or not ours to remove.
	}
	return true;
}

function writerIsDead(file: string): boolean {
	let bytes: Buffer;
	try {
		// The header is in the first few hundred bytes.
		const fd = fs.openSync(file, 'r');
		try {
			bytes = Buffer.alloc(64 * 1024);
			bytes = bytes.subarray(0, fs.readSync(fd, bytes, 0, bytes.length, 0));
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		return false;
	}
	const lines = bytes.toString('utf8').split('\n');
	try {
		const header = JSON.parse(lines[1] ?? '') as { pid: number; pidStart: string | null };
		return header.pid !== process.pid && !processIsAlive(header.pid, header.pidStart);
	} catch {
		// Journals are created whole (renamed into place), so this is not one of ours: leave it.
		return false;
	}
}

// The ledger head goes to its file only once the transaction that wrote it has committed.
function signClosed(database: StoreDatabase, signing: Signing, session: Parameters<typeof closeInLedger>[1]): () => void {
	const head = closeInLedger(database, session, signing.signer());
	return () => {
		if (head) signing.heads.push(head);
	};
}

function importJournal(database: StoreDatabase, file: string, signing: Signing): RecoveredSession {
	const journal = decodeJournal(fs.readFileSync(file));
	const { sessionId } = journal.header;
	const insertEvent = database.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ${Array(EVENT_VALUES).fill('?').join(', ')})`);
	let committed = () => {};
	const result = database
		.transaction((): RecoveredSession => {
			database.prepare(INSERT_SESSION).run(journal.header.session);
			const head = database.prepare('SELECT seq, hash, ts FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(sessionId) as { seq: number; hash: string; ts: number } | undefined;
			let prevHash = head?.hash ?? genesisHash(sessionId);
			let nextSeq = (head?.seq ?? -1) + 1;
			let imported = 0;
			let problem: string | undefined;
			// A restarted journal begins with the counters of what came before it.
			const counters = journal.base ? { ...emptyCounters(), ...journal.base.counters } : emptyCounters();
			const countedThrough = journal.base?.throughSeq ?? -1;
			let lastTs: number | undefined;
			for (const event of journal.events) {
				if (event.seq > countedThrough) countEvent(counters, event);
				lastTs = event.ts;
				if (event.seq < nextSeq) continue;
				if (event.seq > nextSeq) {
					problem = `the journal skips from seq ${nextSeq - 1} to ${event.seq}; recovered up to the gap`;
					break;
				}
				const linked = linkEvent(sessionId, prevHash, event);
				const { payload, encoding } = encodePayload(event.payload);
				const values: unknown[] = [sessionId];
				pushRowValues(values, linked, payload, encoding);
				insertEvent.run(...values);
				prevHash = linked.hash;
				nextSeq++;
				imported++;
			}
			if (journal.tornBytes > 0) problem ??= `the last ${journal.tornBytes} bytes were a torn entry (mcprec died while appending it)`;
			const update = journal.update as { endedAt?: number; endReason?: string; exitCode?: number | null; exitSignal?: string | null; clientName?: string; clientVersion?: string; protocolVersion?: string };
			const endReason = update.endReason ?? 'crashed';
			database
				.prepare(
					`UPDATE sessions SET
  messages = @messages, requests = @requests, errors = @errors, tool_errors = @toolErrors, blocked = @blocked, denied = @denied, masked = @masked, approvals = @approvals, bytes = @bytes,
  event_count = @eventCount, head_hash = @headHash,
  client_name = coalesce(client_name, @clientName), client_version = coalesce(client_version, @clientVersion), protocol_version = coalesce(protocol_version, @protocolVersion),
  ended_at = coalesce(ended_at, @endedAt), end_reason = coalesce(end_reason, @endReason),
  exit_code = coalesce(exit_code, @exitCode), exit_signal = coalesce(exit_signal, @exitSignal)
  WHERE id = @id`,
				)
				.run({
					id: sessionId,
					...counters,
					eventCount: nextSeq,
					headHash: nextSeq > 0 ? prevHash : null,
					clientName: update.clientName ?? null,
					clientVersion: update.clientVersion ?? null,
					protocolVersion: update.protocolVersion ?? null,
					endedAt: update.endedAt ?? lastTs ?? head?.ts ?? (journal.header.session.startedAt as number),
					endReason,
					exitCode: update.exitCode ?? null,
					exitSignal: update.exitSignal ?? null,
				});
			const closed = database.prepare('SELECT ended_at AS endedAt, end_reason AS endReason FROM sessions WHERE id = ?').get(sessionId) as { endedAt: number; endReason: string };
			committed = signClosed(database, signing, { sessionId, eventCount: nextSeq, headHash: nextSeq > 0 ? prevHash : genesisHash(sessionId), endReason: closed.endReason, ts: closed.endedAt });
			return { sessionId, imported, endReason, problem };
		})
		.immediate();
	committed();
	return result;
}
