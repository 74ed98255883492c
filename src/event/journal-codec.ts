// The write-ahead journal's bytes (DESIGN §3, write-ahead): what `run` appends before it
// forwards a chunk's frames, and what recovery reads back after mcprec died. A journal is
// one file per session: a header line, then entries. An entry is
//   u32 LE  length of the header JSON
//   u32 LE  length of the payload
//   header JSON   {"t":"e", seq, ts, origin, target, kind, method, rpcId, tool, latencyUs, counts}
//                 or {"t":"u", update}   (facts for the session row, the end among them)
//                 or {"t":"r", throughSeq, counters}   (first entry of a journal restarted
//                    once everything up to throughSeq was in the store: the session's
//                    counters at that point; later events count on from them)
//   payload bytes (an event's exact bytes; empty for an update)
// A process killed mid-append leaves at most one torn entry at the end; readers stop there.

import type { EventCounts, RecordedEvent, SessionCounters, SessionEvent } from './event.js';
import { readEvent, type ReadFields } from './event-forms.js';

export const JOURNAL_MAGIC = 'mcprec-journal-v1';

/** Who wrote a journal, so a reader can tell a live session from a dead one. */
export interface JournalHeader {
	sessionId: string;
	/** The writing process and its start time as the OS tells it (Linux: /proc start ticks), or null. */
	pid: number;
	pidStart: string | null;
	/** The session row as it was started, in case the store never got it. */
	session: Record<string, unknown>;
}

/** What the journal is handed: an event as the recorder got it, with its time stamped. */
export type JournalInput = SessionEvent & Pick<RecordedEvent, 'ts'>;

/** An event read back from a journal: recorded (seq assigned), with what it counts. */
export interface JournalEvent extends RecordedEvent {
	counts?: EventCounts;
}

export interface JournalContents {
	header: JournalHeader;
	events: JournalEvent[];
	/** The session facts written after each other, merged. */
	update: Record<string, unknown>;
	/** Bytes at the end that do not form a whole entry (a torn last append). */
	tornBytes: number;
	/** Set when the journal was restarted: events up to throughSeq are in the store, counted in `counters`. */
	base?: JournalBase;
}

export interface JournalBase {
	throughSeq: number;
	counters: SessionCounters;
}

export function encodeJournalHeader(header: JournalHeader): Buffer {
	return Buffer.from(`${JOURNAL_MAGIC}\n${JSON.stringify(header)}\n`);
}

/** The pieces of one event's entry, to be written with others in one writev. */
export function encodeJournalEvent(event: JournalInput, seq: number): Buffer[] {
	const header = Buffer.from(
		JSON.stringify({
			t: 'e',
			seq,
			ts: event.ts,
			origin: event.origin,
			target: event.target,
			kind: event.kind,
			method: event.method ?? null,
			rpcId: event.rpcId ?? null,
			tool: event.tool ?? null,
			latencyUs: event.latencyUs ?? null,
			counts: event.counts ?? null,
		}),
	);
	return [lengths(header.length, event.payload.length), header, event.payload];
}

export function encodeJournalUpdate(update: Record<string, unknown>): Buffer[] {
	const header = Buffer.from(JSON.stringify({ t: 'u', update }));
	return [lengths(header.length, 0), header];
}

export function encodeJournalRestart(base: JournalBase): Buffer[] {
	const header = Buffer.from(JSON.stringify({ t: 'r', throughSeq: base.throughSeq, counters: base.counters }));
	return [lengths(header.length, 0), header];
}

// An event entry's header as encodeJournalEvent writes it (no size: the payload's length).
interface EventEntry extends ReadFields {
	counts: EventCounts | null;
}

function journalEvent(entry: EventEntry, payload: Buffer): JournalEvent {
	const event: JournalEvent = readEvent(entry, payload);
	event.counts = entry.counts ?? undefined;
	return event;
}

function lengths(header: number, payload: number): Buffer {
	const bytes = Buffer.allocUnsafe(8);
	bytes.writeUInt32LE(header, 0);
	bytes.writeUInt32LE(payload, 4);
	return bytes;
}

/** Reads a whole journal; throws only when the file is not a journal at all. */
export function decodeJournal(bytes: Buffer): JournalContents {
	const magicEnd = bytes.indexOf(0x0a);
	const headerEnd = magicEnd === -1 ? -1 : bytes.indexOf(0x0a, magicEnd + 1);
	if (magicEnd === -1 || headerEnd === -1 || bytes.toString('utf8', 0, magicEnd) !== JOURNAL_MAGIC) {
		throw new Error(`not an mcprec journal (expected '${JOURNAL_MAGIC}' on its first line)`);
	}
	const header = JSON.parse(bytes.toString('utf8', magicEnd + 1, headerEnd)) as JournalHeader;
	const events: JournalEvent[] = [];
	const update: Record<string, unknown> = {};
	let base: JournalBase | undefined;
	let offset = headerEnd + 1;
	while (offset + 8 <= bytes.length) {
		const headerLength = bytes.readUInt32LE(offset);
		const payloadLength = bytes.readUInt32LE(offset + 4);
		const end = offset + 8 + headerLength + payloadLength;
		if (end > bytes.length) break;
		let entry: Record<string, unknown>;
		try {
			entry = JSON.parse(bytes.toString('utf8', offset + 8, offset + 8 + headerLength)) as Record<string, unknown>;
		} catch {
			break;
		}
		if (entry.t === 'u') Object.assign(update, entry.update as Record<string, unknown>);
		else if (entry.t === 'r') base = { throughSeq: entry.throughSeq as number, counters: entry.counters as SessionCounters };
		else if (entry.t === 'e') {
			const payload = Buffer.from(bytes.subarray(offset + 8 + headerLength, end));
			events.push(journalEvent(entry as unknown as EventEntry, payload));
		}
		offset = end;
	}
	return { header, events, update, tornBytes: bytes.length - offset, base };
}
