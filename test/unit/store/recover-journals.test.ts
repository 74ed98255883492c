// Recovery of dead sessions' journals, in memory of one temp folder: what a restarted journal
// adds to the counters the store already had, the ledger and checkpoint signed in the dead
// process's place, leftovers of a create or restart that never finished, and idempotence.

import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceSigner, type DevicePrivateJwk } from '../../../src/event/device-signature.js';
import { emptyCounters } from '../../../src/event/event.js';
import { encodeJournalEvent, encodeJournalHeader, encodeJournalRestart, type JournalBase } from '../../../src/event/journal-codec.js';
import { readLedgerHead } from '../../../src/store/ledger-queries.js';
import { openStore } from '../../../src/store/open-store.js';
import { journalDirectory, recoverJournals } from '../../../src/store/recover-journals.js';
import { resolveSession } from '../../../src/store/session-queries.js';
import { sessionRow } from '../../../src/store/session-row.js';
import { verifySession } from '../../../src/verify/verify-chain.js';
import { verifyLedger } from '../../../src/verify/verify-ledger.js';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

// Linux pids stop at 4194304; this one is not running.
const DEAD_PID = 4_194_000;
const SESSION = '01a20381-e641-77a0-a5fa-5b0480990e2c';
const signer = deviceSigner('unit-device', generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as DevicePrivateJwk);

function store(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-recover-'));
	folders.push(folder);
	return path.join(folder, 'mcprec.db');
}

function writeJournal(file: string, name: string, options: { base?: JournalBase; seqs: number[] }): void {
	const directory = journalDirectory(file);
	fs.mkdirSync(directory, { recursive: true });
	const session = sessionRow({ id: SESSION, server: 'unit', command: ['node'], url: null, cwd: '/', host: 'h', osUser: 'u', startedAt: 1_000 });
	const pieces = [encodeJournalHeader({ sessionId: SESSION, pid: DEAD_PID, pidStart: null, session }), ...(options.base ? encodeJournalRestart(options.base) : [])];
	for (const seq of options.seqs) {
		pieces.push(...encodeJournalEvent({ origin: 'client', target: 'server', kind: 'message', method: 'tools/call', rpcId: String(seq), payload: Buffer.from(`{"n":${seq}}`), ts: 2_000 + seq, counts: 'requests' }, seq));
	}
	fs.writeFileSync(path.join(directory, name), Buffer.concat(pieces));
}

describe('recovering a dead session', () => {
	it('imports a journal, closes the session as crashed, and signs its checkpoint and ledger entries once', () => {
		const file = store();
		writeJournal(file, `${SESSION}.journal`, { seqs: [0, 1, 2] });
		const database = openStore({ file, recover: false, warnPermissions: false });
		try {
			const first = recoverJournals(database, journalDirectory(file), { signer: () => signer });
			expect(first).toEqual([{ sessionId: SESSION, imported: 3, endReason: 'crashed', problem: undefined }]);
			expect(recoverJournals(database, journalDirectory(file), { signer: () => signer })).toEqual([]);
			const ledger = verifyLedger(database, readLedgerHead(file));
			expect(ledger.entries).toBe(2);
			// The head file is written by openStore's caller; here only the ledger itself is checked.
			expect(ledger.problems.filter((problem) => !/head file/.test(problem.problem))).toEqual([]);
			const row = resolveSession(database, SESSION);
			expect(row).toMatchObject({ end_reason: 'crashed', event_count: 3, messages: 3, requests: 3, checkpoint_event_count: 3 });
			expect(verifySession(database, row, { ledger: ledger.sessionLedger(SESSION) })).toMatchObject({ intact: true, checkpoint: 'signed' });
		} finally {
			database.close();
		}
	});

	it('counts a restarted journal on from the counters it starts with', () => {
		const file = store();
		const database = openStore({ file, recover: false, warnPermissions: false });
		try {
			// The store has seqs 0..1 (what the journal held before it started over).
			writeJournal(file, `${SESSION}.journal`, { seqs: [0, 1] });
			recoverJournals(database, journalDirectory(file));
			database.prepare('UPDATE sessions SET ended_at = NULL, end_reason = NULL WHERE id = ?').run(SESSION);
			const base = { throughSeq: 1, counters: { ...emptyCounters(), messages: 2, requests: 2, bytes: 14 } };
			writeJournal(file, `${SESSION}.journal`, { base, seqs: [2, 3, 4] });
			const [recovered] = recoverJournals(database, journalDirectory(file));
			expect(recovered).toMatchObject({ imported: 3, endReason: 'crashed' });
			expect(resolveSession(database, SESSION)).toMatchObject({ event_count: 5, messages: 5, requests: 5, bytes: 14 + 3 * 7, ended_at: 2_004 });
		} finally {
			database.close();
		}
	});

	it('removes what a create or restart killed midway left behind, once its writer is gone', () => {
		const file = store();
		writeJournal(file, `${SESSION}.journal.creating`, { seqs: [] });
		writeJournal(file, `${SESSION}.journal.restarting`, { seqs: [] });
		const database = openStore({ file, recover: false, warnPermissions: false });
		try {
			expect(recoverJournals(database, journalDirectory(file))).toEqual([]);
			expect(fs.readdirSync(journalDirectory(file))).toEqual([]);
		} finally {
			database.close();
		}
	});
});
