// The journal's bytes: generated events written the way `run` writes them (a reused buffer,
// several per write, the buffer reused after each write) read back field for field; entries
// in the JSON form earlier versions wrote are still read; a torn or foreign header ends the
// reading where it is, as a torn append does.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CounterName } from '../../../src/event/event.js';
import { decodeJournal, encodeJournalHeader, encodeJournalUpdate, JournalEventEncoder, type JournalEvent, type JournalInput } from '../../../src/event/journal-codec.js';

const COUNTERS: CounterName[] = ['requests', 'errors', 'toolErrors', 'blocked', 'denied', 'masked', 'approvals'];
const text = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant(''));
const counts = fc.oneof(
	fc.constant(undefined),
	fc.constantFrom(...COUNTERS),
	fc.dictionary(fc.constantFrom(...COUNTERS), fc.integer({ min: 1, max: 1000 }), { minKeys: 1 }).filter((value) => Object.values(value).some((count) => count !== 1) || Object.keys(value).length > 1),
);
const event = fc.record({
	ts: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
	origin: fc.constantFrom('client' as const, 'server' as const, 'proxy' as const),
	target: fc.constantFrom('client' as const, 'server' as const, null),
	kind: fc.constantFrom('message' as const, 'stderr' as const, 'lifecycle' as const, 'decision' as const, 'mask' as const),
	method: text,
	rpcId: text,
	tool: text,
	latencyUs: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 10 ** 9 })),
	counts,
	payload: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
});

const header = encodeJournalHeader({ sessionId: 's', pid: 1, pidStart: null, session: { id: 's' } });

// Writes in flushes as journal.ts does: pieces of several events, then the buffer reused.
function written(events: JournalInput[], perFlush: number): Buffer {
	const encoder = new JournalEventEncoder();
	const file: Buffer[] = [header];
	for (let start = 0; start < events.length; start += perFlush) {
		const pieces: Buffer[] = [];
		events.slice(start, start + perFlush).forEach((item, index) => pieces.push(...encoder.encode(item, start + index)));
		file.push(Buffer.concat(pieces));
		encoder.reuse();
	}
	return Buffer.concat(file);
}

// What a reader must get back: a recorded event (size the payload's), fields as given, absent
// ones null; a single count of one as its name.
function expected(item: JournalInput, seq: number): JournalEvent {
	return { ...item, seq, size: item.payload.length, method: item.method ?? null, rpcId: item.rpcId ?? null, tool: item.tool ?? null, latencyUs: item.latencyUs ?? null, counts: item.counts };
}

describe('the journal codec', () => {
	it('reads back every generated event, field for field, however the writes fall', () => {
		fc.assert(
			fc.property(fc.array(event, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (events, perFlush) => {
				const contents = decodeJournal(written(events, perFlush));
				expect(contents.tornBytes).toBe(0);
				expect(contents.events).toEqual(events.map(expected));
			}),
			{ numRuns: 300 },
		);
	});

	it('stops at a torn last entry, at any cut, and keeps every whole entry before it', () => {
		fc.assert(
			fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), fc.nat(), (events, cutAt) => {
				const bytes = written(events, 3);
				const lastStart = written(events.slice(0, -1), 3).length;
				const cut = lastStart + (cutAt % (bytes.length - lastStart));
				const contents = decodeJournal(bytes.subarray(0, cut));
				expect(contents.events).toEqual(events.slice(0, -1).map(expected));
				expect(contents.tornBytes).toBe(cut - lastStart);
			}),
		);
	});

	it('still reads events in the JSON form earlier versions wrote, between binary ones and updates', () => {
		const old = Buffer.from(JSON.stringify({ t: 'e', seq: 1, ts: 5, origin: 'server', target: 'client', kind: 'message', method: null, rpcId: '7', tool: null, latencyUs: 12, counts: { errors: 1, toolErrors: 1 } }));
		const lengths = Buffer.alloc(8);
		lengths.writeUInt32LE(old.length, 0);
		lengths.writeUInt32LE(2, 4);
		const encoder = new JournalEventEncoder();
		const first = { ts: 4, origin: 'client' as const, target: 'server' as const, kind: 'message' as const, method: 'tools/call', rpcId: '7', tool: 'echo', counts: 'requests' as const, payload: Buffer.from('{}') };
		const bytes = Buffer.concat([header, ...encoder.encode(first, 0), lengths, old, Buffer.from('{}'), ...encodeJournalUpdate({ endReason: 'client-closed' })]);
		const contents = decodeJournal(bytes);
		expect(contents.events).toEqual([
			expected(first, 0),
			{ seq: 1, ts: 5, origin: 'server', target: 'client', kind: 'message', method: null, rpcId: '7', tool: null, size: 2, latencyUs: 12, counts: { errors: 1, toolErrors: 1 }, payload: Buffer.from('{}') },
		]);
		expect(contents.update).toEqual({ endReason: 'client-closed' });
	});

	it('ends the reading at a header it does not know, as at a torn entry', () => {
		const encoder = new JournalEventEncoder();
		const item = { ts: 1, origin: 'client' as const, target: 'server' as const, kind: 'message' as const, payload: Buffer.from('{}') };
		const good = Buffer.concat(encoder.encode(item, 0));
		const foreign = Buffer.from(good);
		foreign[8] = 0x02;
		const contents = decodeJournal(Buffer.concat([header, good, foreign]));
		expect(contents.events).toHaveLength(1);
		expect(contents.tornBytes).toBe(foreign.length);
	});
});
