// The write-ahead journal's bytes (DESIGN §3, write-ahead): what `run` appends before it
// forwards a chunk's frames, and what recovery reads back after mcprec died. A journal is
// one file per session: a header line, then entries. An entry is
//   u32 LE  length of the entry's header
//   u32 LE  length of the payload
//   header  an event, in binary (below; its first byte is 0x01)
//           or JSON: {"t":"u", update}   (facts for the session row, the end among them)
//                 or {"t":"r", throughSeq, counters}   (first entry of a journal restarted
//                    once everything up to throughSeq was in the store: the session's
//                    counters at that point; later events count on from them)
//                 or {"t":"e", seq, ts, origin, target, kind, method, rpcId, tool, latencyUs,
//                    counts}   (an event as mcprec 0.1 wrote it before the binary form; read still)
//   payload bytes (an event's exact bytes; empty for an update)
// An event's binary header, little-endian, at offsets from the header's start:
//   0   u8 0x01, then u8 codes of origin, target, kind (event.ts ORIGIN_CODES…)
//   4   u32 which counters the event adds to (bit i: COUNTER_NAMES[i])
//   8   f64 seq     16  f64 ts (µs)     24  f64 latencyUs (NaN: none)
//   32  i32 ×3 UTF-8 lengths of method, rpcId, tool (-1: none)
//   44  u32 0
//   48  method, rpcId, tool bytes; then an f64 per counter bit, lowest bit first
// An event is most of what `run` journals, one or two per message: written into a reused
// buffer, its header costs no JSON and no allocation (DESIGN §8).
// A process killed mid-append leaves at most one torn entry at the end; readers stop there.

import { EVENT_KINDS, EVENT_ORIGINS, EVENT_TARGETS, KIND_CODES, ORIGIN_CODES, TARGET_CODES, type CounterName, type EventCounts, type RecordedEvent, type SessionCounters, type SessionEvent } from './event.js';
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

const BINARY_EVENT = 0x01;
const JSON_ENTRY = 0x7b; // `{`
const EVENT_FIXED_BYTES = 48;
const COUNTER_NAMES: readonly CounterName[] = ['requests', 'errors', 'toolErrors', 'blocked', 'denied', 'masked', 'approvals'];
const COUNTER_BITS = Object.fromEntries(COUNTER_NAMES.map((name, bit) => [name, bit])) as Record<CounterName, number>;
// A buffer for event headers is this large (more for an event that needs more).
const SCRATCH_BYTES = 64 * 1024;

/**
 * Encodes events into a buffer it reuses: the pieces it returns stay valid until reuse()
 * says they were written (journal.ts calls it after each write that succeeded).
 */
export class JournalEventEncoder {
	private scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
	private floats = new Float64Array(this.scratch.buffer);
	private ints = new Int32Array(this.scratch.buffer);
	private used = 0;

	/** The pieces of one event's entry, to be written with others in one writev. */
	encode(event: JournalInput, seq: number): [Buffer, Buffer] {
		const { method, rpcId, tool, counts } = event;
		// UTF-8 takes at most 3 bytes per UTF-16 unit; 7 counters at most.
		const bound = 8 + EVENT_FIXED_BYTES + 3 * ((method?.length ?? 0) + (rpcId?.length ?? 0) + (tool?.length ?? 0)) + 8 * COUNTER_NAMES.length;
		if (this.used + bound > this.scratch.length) this.renew(bound);
		const { scratch, floats, ints } = this;
		const start = this.used; // 8-aligned: the header's floats are aligned too
		const word = start >> 2;
		ints[word + 2] = BINARY_EVENT | (ORIGIN_CODES[event.origin] << 8) | ((event.target === null ? 0 : TARGET_CODES[event.target]) << 16) | (KIND_CODES[event.kind] << 24);
		floats[(start >> 3) + 2] = seq;
		floats[(start >> 3) + 3] = event.ts;
		floats[(start >> 3) + 4] = event.latencyUs ?? Number.NaN;
		ints[word + 13] = 0;
		let at = start + 8 + EVENT_FIXED_BYTES;
		let written = method == null ? -1 : scratch.write(method, at, 'utf8');
		ints[word + 10] = written;
		if (written > 0) at += written;
		written = rpcId == null ? -1 : scratch.write(rpcId, at, 'utf8');
		ints[word + 11] = written;
		if (written > 0) at += written;
		written = tool == null ? -1 : scratch.write(tool, at, 'utf8');
		ints[word + 12] = written;
		if (written > 0) at += written;
		let bits = 0;
		if (typeof counts === 'string') {
			bits = 1 << COUNTER_BITS[counts];
			at = scratch.writeDoubleLE(1, at);
		} else if (counts != null) {
			for (let bit = 0; bit < COUNTER_NAMES.length; bit++) {
				const value = counts[COUNTER_NAMES[bit]!];
				if (!value) continue;
				bits |= 1 << bit;
				at = scratch.writeDoubleLE(value, at);
			}
		}
		ints[word + 3] = bits;
		ints[word] = at - start - 8;
		ints[word + 1] = event.payload.length;
		this.used = (at + 7) & ~7;
		return [scratch.subarray(start, at), event.payload];
	}

	/** Everything encoded so far was written: its room is used again. */
	reuse(): void {
		this.used = 0;
	}

	// The pieces handed out keep the old buffer alive until they are written.
	private renew(bound: number): void {
		this.scratch = Buffer.allocUnsafeSlow(Math.max(SCRATCH_BYTES, bound));
		this.floats = new Float64Array(this.scratch.buffer);
		this.ints = new Int32Array(this.scratch.buffer);
		this.used = 0;
	}
}

/** The pieces of one event's entry (a buffer of their own). */
export function encodeJournalEvent(event: JournalInput, seq: number): Buffer[] {
	return new JournalEventEncoder().encode(event, seq);
}

export function encodeJournalUpdate(update: Record<string, unknown>): Buffer[] {
	const header = Buffer.from(JSON.stringify({ t: 'u', update }));
	return [lengths(header.length, 0), header];
}

export function encodeJournalRestart(base: JournalBase): Buffer[] {
	const header = Buffer.from(JSON.stringify({ t: 'r', throughSeq: base.throughSeq, counters: base.counters }));
	return [lengths(header.length, 0), header];
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
		const kind = headerLength > 0 ? bytes[offset + 8] : undefined;
		if (kind === BINARY_EVENT) {
			const entry = decodeBinaryEvent(bytes.subarray(offset + 8, offset + 8 + headerLength));
			if (entry === undefined) break;
			events.push(journalEvent(entry, Buffer.from(bytes.subarray(offset + 8 + headerLength, end))));
			offset = end;
			continue;
		}
		let entry: Record<string, unknown>;
		try {
			if (kind !== JSON_ENTRY) break;
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

// An event entry's header, binary or JSON, as read (no size: the payload's length).
interface EventEntry extends ReadFields {
	counts?: EventCounts | null;
}

function journalEvent(entry: EventEntry, payload: Buffer): JournalEvent {
	const event: JournalEvent = readEvent(entry, payload);
	event.counts = entry.counts ?? undefined;
	return event;
}

// An event's binary header (see the top of this file); undefined when it does not hold together.
function decodeBinaryEvent(header: Buffer): EventEntry | undefined {
	if (header.length < EVENT_FIXED_BYTES) return undefined;
	const origin = EVENT_ORIGINS[header[1]!];
	const target = EVENT_TARGETS[header[2]!];
	const kind = EVENT_KINDS[header[3]!];
	if (origin === undefined || target === undefined || kind === undefined) return undefined;
	const bits = header.readUInt32LE(4);
	const latency = header.readDoubleLE(24);
	let at = EVENT_FIXED_BYTES;
	const text = (length: number): string | null | undefined => {
		if (length === -1) return null;
		if (length < 0 || at + length > header.length) return undefined;
		const value = header.toString('utf8', at, at + length);
		at += length;
		return value;
	};
	const method = text(header.readInt32LE(32));
	const rpcId = text(header.readInt32LE(36));
	const tool = text(header.readInt32LE(40));
	if (method === undefined || rpcId === undefined || tool === undefined) return undefined;
	const counts: Partial<Record<CounterName, number>> = {};
	let counted = 0;
	for (let bit = 0; bit < COUNTER_NAMES.length; bit++) {
		if ((bits & (1 << bit)) === 0) continue;
		if (at + 8 > header.length) return undefined;
		counts[COUNTER_NAMES[bit]!] = header.readDoubleLE(at);
		at += 8;
		counted++;
	}
	const only = counted === 1 ? (Object.keys(counts)[0] as CounterName) : undefined;
	return {
		seq: header.readDoubleLE(8),
		ts: header.readDoubleLE(16),
		origin,
		target,
		kind,
		method,
		rpcId,
		tool,
		latencyUs: Number.isNaN(latency) ? null : latency,
		counts: counted === 0 ? undefined : only !== undefined && counts[only] === 1 ? only : counts,
	};
}
