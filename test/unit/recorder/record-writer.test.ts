import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyCounters } from '../../../src/event/event.js';
import { RecordWriter, type EventSource } from '../../../src/recorder/record-writer.js';
import type { SessionStart } from '../../../src/store/session-row.js';
import type { RecordedEvent } from '../../../src/event/event.js';
import { LARGE_PAYLOAD_BYTES } from '../../../src/recorder/writer-messages.js';
import { openStore } from '../../../src/store/open-store.js';
import { resolveSession } from '../../../src/store/session-queries.js';
import { verifySession } from '../../../src/verify/verify-chain.js';
import { verifyLedger } from '../../../src/verify/verify-ledger.js';
import { readLedgerHead } from '../../../src/store/ledger-queries.js';
import { deviceSigner, type DevicePrivateJwk } from '../../../src/event/device-signature.js';
import { generateKeyPairSync } from 'node:crypto';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function storeFile(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-writer-'));
	folders.push(folder);
	return path.join(folder, 'mcprec.db');
}

const session: SessionStart = {
	id: '01a20381-e641-77a0-a5fa-5b0480990e2c',
	server: 'unit',
	command: ['node', 'server.mjs'],
	url: null,
	cwd: '/',
	host: 'host',
	osUser: 'user',
	startedAt: 1795355174000000,
};

const events = (from: number, count: number, size = 20): (RecordedEvent & { size: number })[] =>
	Array.from({ length: count }, (_, index) => ({
		seq: from + index,
		ts: Date.now() * 1000 + index,
		origin: 'client',
		target: 'server',
		kind: 'message',
		method: 'tools/call',
		rpcId: String(from + index),
		tool: 'echo',
		payload: Buffer.alloc(size, `{"n":${from + index}}`),
		size,
		latencyUs: null,
	}));

/** A source over events already in hand; one with fewer payload bytes than `size` follows in pieces. */
function eventsSource(events: readonly (Omit<RecordedEvent, 'seq'> & { size: number })[]): EventSource {
	let index = 0;
	return {
		remaining: events.length,
		next() {
			const event = events[index++];
			this.remaining--;
			return { ...event, payload: event.payload.length < event.size ? undefined : event.payload };
		},
	};
}

function writer(file: string, lockTimeoutMs = 5000) {
	const acks: number[] = [];
	const health: [boolean, string | undefined][] = [];
	const recordWriter = new RecordWriter({
		sessionId: session.id,
		store: { file, busyTimeoutMs: 10 },
		lockTimeoutMs,
		onAcknowledge: (seq) => acks.push(seq),
		onHealthChange: (healthy, reason) => health.push([healthy, reason]),
		signer,
	});
	return { recordWriter, acks, health };
}

const signer = deviceSigner('unit-device', generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as DevicePrivateJwk);

// The session verifies with its signed checkpoint, and the ledger (with its head file) accounts for it.
function expectSignedAndIntact(file: string, events: number): void {
	const database = openStore({ file, readonly: true });
	try {
		const ledger = verifyLedger(database, readLedgerHead(file));
		expect(ledger.problems).toEqual([]);
		expect(ledger.entries).toBe(2);
		const result = verifySession(database, resolveSession(database, session.id), { ledger: ledger.sessionLedger(session.id) });
		expect(result).toEqual({ sessionId: session.id, intact: true, events, checkpoint: 'signed' });
	} finally {
		database.close();
	}
}

describe('the record writer', () => {
	it('writes a chain that verifies, in batches, acknowledging what committed', () => {
		const file = storeFile();
		const { recordWriter, acks } = writer(file);
		expect(recordWriter.start(session)).toBe(true);
		recordWriter.add(eventsSource(events(0, 600)), 0, { ...emptyCounters(), messages: 600 }, { clientName: 'c' });
		recordWriter.add(eventsSource(events(600, 2, 100_000)), 600, { ...emptyCounters(), messages: 602 }, undefined);
		expect(recordWriter.close({ ...emptyCounters(), messages: 602 }, { endReason: 'client-closed', endedAt: Date.now() * 1000 })).toEqual({ ok: true, committedSeq: 601 });
		expect(acks.at(-1)).toBe(601);
		expectSignedAndIntact(file, 602);
		const database = openStore({ file, readonly: true });
		expect(database.prepare('select client_name, end_reason, messages from sessions').get()).toEqual({ client_name: 'c', end_reason: 'client-closed', messages: 602 });
		expect(database.prepare("select count(*) as n from events where encoding = 'deflate-raw'").get()).toEqual({ n: 2 });
		database.close();
	});

	it('hashes and deflates a large payload piece by piece, holding back the events after it', () => {
		const file = storeFile();
		const { recordWriter, acks } = writer(file);
		expect(recordWriter.start(session)).toBe(true);
		const large = Buffer.alloc(LARGE_PAYLOAD_BYTES * 2 + 5);
		for (let index = 0; index < large.length; index++) large[index] = (index * 2654435761) >>> 27;
		const [before, streamed, after] = events(0, 3);
		recordWriter.add(eventsSource([before, { ...streamed, payload: Buffer.alloc(0), size: large.length }, after]), 0, emptyCounters(), undefined);
		recordWriter.addPiece(1, large.subarray(0, LARGE_PAYLOAD_BYTES), false);
		recordWriter.addPiece(1, large.subarray(LARGE_PAYLOAD_BYTES, 2 * LARGE_PAYLOAD_BYTES), false);
		expect(() => recordWriter.addPiece(2, Buffer.alloc(1), true)).toThrow(/expected 1/);
		recordWriter.addPiece(1, large.subarray(2 * LARGE_PAYLOAD_BYTES), true);
		expect(recordWriter.close(emptyCounters(), { endedAt: Date.now() * 1000 })).toEqual({ ok: true, committedSeq: 2 });
		expect(acks.at(-1)).toBe(2);
		expectSignedAndIntact(file, 3);
		const database = openStore({ file, readonly: true });
		const row = database.prepare('select payload, encoding, size from events where seq = 1').get() as { payload: Buffer; encoding: string; size: number };
		expect(row.encoding).toBe('deflate-raw');
		expect(row.size).toBe(large.length);
		expect(inflateRawSync(row.payload).equals(large)).toBe(true);
		database.close();
	});

	it('keeps events while the store is locked and reports it once the lock timeout passes', () => {
		const file = storeFile();
		const { recordWriter, acks, health } = writer(file, 50);
		expect(recordWriter.start(session)).toBe(true);
		const holder = new Database(file);
		holder.exec('BEGIN IMMEDIATE');
		const old = events(0, 3).map((event) => ({ ...event, ts: event.ts - 1_000_000 }));
		recordWriter.add(eventsSource(old), 0, emptyCounters(), undefined);
		const closed = recordWriter.close(emptyCounters(), undefined);
		expect(closed.ok).toBe(false);
		expect(closed.committedSeq).toBe(-1);
		expect(acks).toEqual([]);
		expect(health).toEqual([[false, expect.stringMatching(/locked by another process/)]]);
		holder.exec('COMMIT');
		holder.close();
	});
});
