// One recorded event, every form it takes (src/event/event-forms.ts), for generated events:
// through a real store row and back, through the wire line (as sync sends it and the
// collector parses it) and back, through the write-ahead journal's bytes and back. Each
// form gives the same event, the same chain hash (whichever hasher computes it) and the
// same replay view.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainEvent, EventCounts, RecordedEvent } from '../../../src/event/event.js';
import { EVENT_COLUMNS, EVENT_VALUES, encodeEventLines, fromRow, fromWire, pushRowValues, toReplayView, toSpillLine, toWire } from '../../../src/event/event-forms.js';
import { ChainHasher, chainHash, eventHash, genesisHash, hashMatches, linkEvent, startEventHash } from '../../../src/event/hash-chain.js';
import { decodeJournal, encodeJournalEvent, encodeJournalHeader } from '../../../src/event/journal-codec.js';
import { encodePayload } from '../../../src/event/payload-encoding.js';
import { iterateEvents } from '../../../src/store/event-queries.js';
import { openStore } from '../../../src/store/open-store.js';
import type { StoreDatabase } from '../../../src/store/open-store.js';
import { parseEventLines } from '../../../src/server/parse-event-lines.js';

// Text as recorded columns carry it: mostly short ASCII names, sometimes anything at all
// (quotes, backslashes, control characters, lone surrogates, emoji), which JSON escapes.
const text = fc.oneof(
	{ weight: 3, arbitrary: fc.constantFrom('tools/call', 'initialize', 'read_file', 'batch') },
	{ weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
);
// Payloads: small bytes of any kind, and now and then a large compressible one, which the
// store keeps deflated (payload-encoding.ts).
const payload = fc.oneof(
	{ weight: 9, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
	{ weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 20, maxLength: 40 }), fc.integer({ min: 1_700, max: 3_000 })).map(([unit, times]) => Buffer.from(unit.repeat(times))) },
);
const recordedEvent: fc.Arbitrary<RecordedEvent> = fc
	.record({
		seq: fc.nat({ max: 1_000_000 }),
		ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
		origin: fc.constantFrom('client', 'server', 'proxy'),
		target: fc.constantFrom('client', 'server', null),
		kind: fc.constantFrom('message', 'stderr', 'lifecycle', 'decision', 'mask'),
		method: fc.option(text),
		// The id's stable text form (idKey): JSON of a number or a string.
		rpcId: fc.option(fc.oneof(fc.integer().map(String), text.map((id) => JSON.stringify(id)))),
		tool: fc.option(text),
		latencyUs: fc.option(fc.nat()),
		payload,
	})
	.map((fields) => ({ ...fields, size: fields.payload.length }));
// As the journal keeps them: a single count of one by its name, larger counts by number (a zero count is no count).
const counts: fc.Arbitrary<EventCounts | undefined> = fc.option(fc.oneof(fc.constantFrom('requests', 'errors', 'blocked'), fc.record({ masked: fc.integer({ min: 2, max: 9 }) })), { nil: undefined });
const sessionId = fc.uuid({ version: 7 });
const prevHash = fc.oneof(sessionId.map(genesisHash), fc.stringMatching(/^[0-9a-f]{64}$/));

let folder: string;
let database: StoreDatabase;
beforeAll(() => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-event-forms-'));
	database = openStore({ file: path.join(folder, 'mcprec.db'), recover: false, warnPermissions: false });
});
afterAll(() => {
	database.close();
	fs.rmSync(folder, { recursive: true, force: true });
});

// Events compared with their payloads as text: deep equality walks a Buffer byte by byte.
const plain = <T extends { payload: Buffer }>(event: T) => ({ ...event, payload: event.payload.toString('base64') });

// Through the store as the recorder writes a row (the payload encoded by the common rule)
// and as every reader reads it.
function throughStore(id: string, event: ChainEvent): ChainEvent[] {
	const { payload: stored, encoding } = encodePayload(event.payload);
	// Generated sessions may repeat (and shrinking runs a case again): each run starts afresh.
	database.prepare('DELETE FROM events WHERE session_id = ?').run(id);
	const values: unknown[] = [id];
	pushRowValues(values, event, stored, encoding);
	expect(values).toHaveLength(EVENT_VALUES + 1);
	database.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`).run(...values);
	return [...iterateEvents(database, id, event.seq - 1)];
}

describe('the forms of a recorded event (event-forms.ts)', () => {
	it('event → store row → event, with the same chain hash and replay view', () => {
		fc.assert(
			fc.property(sessionId, prevHash, recordedEvent, (id, previous, event) => {
				const linked = linkEvent(id, previous, event);
				const read = throughStore(id, linked);
				expect(read.map(plain)).toEqual([plain(linked)]);
				expect(hashMatches(id, read[0]!)).toBe(true);
				expect(toReplayView(read[0]!)).toEqual(toReplayView(linked));
			}),
			{ seed: 15_1, numRuns: 200 },
		);
	});

	it('event → wire line → event, as sync sends it and the collector parses it', () => {
		fc.assert(
			fc.property(sessionId, prevHash, fc.array(recordedEvent, { minLength: 1, maxLength: 4 }), (id, previous, events) => {
				const linked = events.map((event) => linkEvent(id, previous, event));
				const body = encodeEventLines(linked);
				expect(parseEventLines(body).map(plain)).toEqual(linked.map(plain));
				const lines = body.trimEnd().split('\n');
				for (const [index, line] of lines.entries()) {
					const wire = JSON.parse(line) as ReturnType<typeof toWire>;
					// The wire's keys and their order are part of the format (README "Collector API").
					expect(Object.keys(wire)).toEqual(['seq', 'ts', 'origin', 'target', 'kind', 'method', 'rpcId', 'tool', 'size', 'latencyUs', 'prevHash', 'hash', 'payload']);
					const back = fromWire(wire);
					expect(plain(back)).toEqual(plain(linked[index]!));
					expect(hashMatches(id, back)).toBe(true);
				}
			}),
			{ seed: 15_2, numRuns: 200 },
		);
	});

	it('event → journal bytes → event, with what it counts', () => {
		fc.assert(
			fc.property(sessionId, recordedEvent, counts, (id, event, counted) => {
				const { seq, size: _size, ...handed } = event;
				const bytes = Buffer.concat([encodeJournalHeader({ sessionId: id, pid: 1, pidStart: null, session: {} }), ...encodeJournalEvent({ ...handed, counts: counted }, seq)]);
				const journal = decodeJournal(bytes);
				expect(journal.tornBytes).toBe(0);
				expect(journal.events.map(plain)).toEqual([plain({ ...event, counts: counted })]);
				const previous = genesisHash(id);
				expect(eventHash(id, previous, journal.events[0]!)).toBe(eventHash(id, previous, event));
			}),
			{ seed: 15_3, numRuns: 200 },
		);
	});

	it('leaves the columns a session event does not know as null in the journal', () => {
		const bytes = Buffer.concat([
			encodeJournalHeader({ sessionId: 's', pid: 1, pidStart: null, session: {} }),
			...encodeJournalEvent({ origin: 'proxy', target: null, kind: 'lifecycle', ts: 5, payload: Buffer.from('{"event":"start"}') }, 0),
		]);
		expect(decodeJournal(bytes).events).toEqual([
			{ seq: 0, ts: 5, origin: 'proxy', target: null, kind: 'lifecycle', method: null, rpcId: null, tool: null, size: 17, latencyUs: null, payload: Buffer.from('{"event":"start"}'), counts: undefined },
		]);
	});

	it('computes one chain hash whichever way: canonical recipe, one-shot hasher, in pieces', () => {
		const hasher = new ChainHasher();
		fc.assert(
			fc.property(sessionId, prevHash, recordedEvent, fc.nat(), (id, previous, event, cut) => {
				const expected = chainHash(previous, { sessionId: id, ...event }, event.payload);
				expect(eventHash(id, previous, event)).toBe(expected);
				expect(hasher.hashEvent(id, previous, event, event.payload)).toBe(expected);
				const at = event.payload.length === 0 ? 0 : cut % event.payload.length;
				const pieces = startEventHash(id, previous, event).update(event.payload.subarray(0, at)).update(event.payload.subarray(at));
				expect(pieces.digest('hex')).toBe(expected);
			}),
			{ seed: 15_4, numRuns: 200 },
		);
	});

	it('changes the hash when any field of the event changes', () => {
		fc.assert(
			fc.property(sessionId, prevHash, recordedEvent, recordedEvent, (id, previous, event, other) => {
				const base = linkEvent(id, previous, event);
				for (const key of Object.keys(event) as (keyof RecordedEvent)[]) {
					if (key === 'payload' ? other.payload.equals(event.payload) : other[key] === event[key]) continue;
					const changed = { ...base, [key]: other[key] };
					expect(hashMatches(id, changed)).toBe(false);
				}
			}),
			{ seed: 15_5, numRuns: 200 },
		);
	});

	it('writes a spill line with every field but the hashes, the payload in base64', () => {
		fc.assert(
			fc.property(sessionId, recordedEvent, (id, event) => {
				const { seq, size: _size, payload, ...fields } = event;
				const line = JSON.parse(toSpillLine(id, seq, { ...fields, size: event.size }, payload)) as Record<string, unknown>;
				expect(line).toEqual({ sessionId: id, seq, ...fields, payload: payload.toString('base64') });
				expect(Buffer.from(line.payload as string, 'base64').equals(payload)).toBe(true);
			}),
			{ seed: 15_6, numRuns: 100 },
		);
	});

	it('reads a row the way every reader does: fromRow decodes a deflated payload', () => {
		const event = linkEvent('s', genesisHash('s'), { seq: 0, ts: 1, origin: 'server', target: 'client', kind: 'message', method: null, rpcId: '1', tool: null, size: 100_000, latencyUs: 7, payload: Buffer.alloc(100_000, 'a') });
		const { payload, encoding } = encodePayload(event.payload);
		expect(encoding).toBe('deflate-raw');
		const row = { seq: 0, ts: 1, origin: 'server', target: 'client', kind: 'message', method: null, rpc_id: '1', tool: null, payload, encoding, size: 100_000, latency_us: 7, prev_hash: event.prevHash, hash: event.hash } as const;
		expect(plain(fromRow(row))).toEqual(plain(event));
		expect(toWire(fromRow(row)).payload).toBe(event.payload.toString('base64'));
	});
});
