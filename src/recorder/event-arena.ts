// Recorded events as bytes in shared memory (DESIGN §8, throughput). The Recorder writes
// each event into a SharedArrayBuffer the moment it is recorded and keeps no object for it;
// the record writer thread reads the same memory, so nothing is copied to hand a batch
// over. Keeping one object per event (and a view of its read chunk) until the store
// committed it cost more than all the forwarding work: in a burst of 100k requests the
// writer, at low priority, falls 200k events behind, and the garbage collector copied and
// promoted every one of them, on this thread and four helpers.
//
// A record, 8-byte aligned: ts and latency (NaN for null) as float64; then as int32 the
// payload's size, the origin/target/kind codes and a large flag, the UTF-8 lengths of
// method, rpc id and tool (-1 for null) and the length of the payload bytes stored here
// (0 for a large payload, which goes to the writer in pieces; writer-messages.ts).

import { EVENT_KINDS, EVENT_ORIGINS, EVENT_TARGETS, KIND_CODES, ORIGIN_CODES, TARGET_CODES, type RecordedEvent } from '../event/event.js';

/**
 * A recorded event as the arena keeps it: no seq (it follows from the order); `payload`
 * undefined for a large one, whose bytes go to the writer in pieces (`size` is still its length).
 */
export interface ArenaEvent extends Omit<RecordedEvent, 'seq' | 'payload'> {
	payload: Buffer | undefined;
}

/** Records [start, end) of one shared buffer: what a batch hands to the writer. */
export interface ArenaRange {
	buffer: SharedArrayBuffer;
	start: number;
	end: number;
	count: number;
}

const HEADER_BYTES = 40;
const SIZE = 4; // int32 index of the size; codes, lengths and stored bytes follow
const LARGE_FLAG = 1 << 12;
// Big enough that a burst fills few of them, small enough that an idle session's one chunk is cheap.
const CHUNK_BYTES = 2 * 1024 * 1024;


/** Typed views over one shared buffer, shared by both threads' readers and the writer below. */
class ArenaChunk {
	readonly bytes: Buffer;
	readonly floats: Float64Array;
	readonly ints: Int32Array;
	/** Bytes written; records below `sent` went to the writer, below `released` were committed. */
	used = 0;
	sent = 0;
	released = 0;
	/** Records written, and how many of them went to the writer. */
	records = 0;
	sentRecords = 0;

	constructor(readonly buffer: SharedArrayBuffer) {
		this.bytes = Buffer.from(buffer);
		this.floats = new Float64Array(buffer);
		this.ints = new Int32Array(buffer);
	}
}

/** The main thread's side: appends records, hands ranges to the writer, drops what committed. */
export class EventArena {
	// Not yet wholly released, oldest first; the last one takes new records.
	private readonly chunks: ArenaChunk[] = [];

	/** Appends one event; a large one (`payload` undefined) keeps only its fields here. */
	append(event: ArenaEvent): void {
		const { method, rpcId, tool, payload } = event;
		const stored = payload === undefined ? 0 : payload.length;
		// UTF-8 takes at most 3 bytes per UTF-16 unit.
		const textBound = 3 * ((method?.length ?? 0) + (rpcId?.length ?? 0) + (tool?.length ?? 0));
		let chunk = this.chunks[this.chunks.length - 1];
		if (chunk === undefined || chunk.used + HEADER_BYTES + textBound + stored + 7 > chunk.buffer.byteLength) {
			chunk = new ArenaChunk(new SharedArrayBuffer(Math.max(CHUNK_BYTES, (HEADER_BYTES + textBound + stored + 7) & ~7)));
			this.chunks.push(chunk);
		}
		const start = chunk.used;
		const { bytes, ints } = chunk;
		chunk.floats[start >> 3] = event.ts;
		chunk.floats[(start >> 3) + 1] = event.latencyUs ?? Number.NaN;
		const at = (start >> 2) + SIZE;
		ints[at] = event.size;
		ints[at + 1] = ORIGIN_CODES[event.origin] | ((event.target === null ? 0 : TARGET_CODES[event.target]) << 4) | (KIND_CODES[event.kind] << 8) | (payload === undefined ? LARGE_FLAG : 0);
		let offset = start + HEADER_BYTES;
		let written = writeText(bytes, method, offset);
		ints[at + 2] = written;
		if (written > 0) offset += written;
		written = writeText(bytes, rpcId, offset);
		ints[at + 3] = written;
		if (written > 0) offset += written;
		written = writeText(bytes, tool, offset);
		ints[at + 4] = written;
		if (written > 0) offset += written;
		ints[at + 5] = stored;
		if (payload !== undefined) bytes.set(payload, offset);
		chunk.used = (offset + stored + 7) & ~7;
		chunk.records++;
	}

	/** The records appended since the last call, as ranges for the writer (usually one). */
	takeUnsent(): ArenaRange[] {
		const ranges: ArenaRange[] = [];
		for (const chunk of this.chunks) {
			if (chunk.sent === chunk.used) continue;
			ranges.push({ buffer: chunk.buffer, start: chunk.sent, end: chunk.used, count: chunk.records - chunk.sentRecords });
			chunk.sent = chunk.used;
			chunk.sentRecords = chunk.records;
		}
		return ranges;
	}

	/** Drops the oldest `count` records (committed); returns the sum of their sizes. */
	release(count: number): number {
		let bytes = 0;
		while (count > 0) {
			// A chunk emptied while it was the only one stays until a newer one exists; then it goes.
			while (this.chunks.length > 1 && this.chunks[0]!.released === this.chunks[0]!.used) this.chunks.shift();
			const chunk = this.chunks[0];
			if (chunk === undefined || chunk.released === chunk.used) throw new Error(`event arena: ${count} more records released than were appended`);
			bytes += chunk.ints[(chunk.released >> 2) + SIZE];
			chunk.released = recordEnd(chunk, chunk.released);
			count--;
			// A full chunk the writer is done with goes; the last one keeps taking records.
			if (chunk.released === chunk.used && this.chunks.length > 1) this.chunks.shift();
		}
		return bytes;
	}

	/** Every record not yet released, oldest first. */
	*unreleased(): Generator<ArenaEvent> {
		for (const chunk of this.chunks) {
			for (let offset = chunk.released; offset < chunk.used; offset = recordEnd(chunk, offset)) yield readRecord(chunk, offset);
		}
	}
}

/** The writer thread's side: the events of a batch's ranges, read one at a time. */
export class ArenaReader {
	private chunk: ArenaChunk | undefined;
	private offset = 0;
	private end = 0;
	private nextRange = 0;
	/** Records not yet read. */
	remaining: number;

	constructor(private readonly ranges: readonly ArenaRange[]) {
		this.remaining = ranges.reduce((sum, range) => sum + range.count, 0);
	}

	/** The next event; its payload is a view of the shared memory, not a copy. */
	next(): ArenaEvent {
		while (this.chunk === undefined || this.offset >= this.end) {
			const range = this.ranges[this.nextRange++];
			if (range === undefined) throw new Error('event arena: read past the end of a batch');
			this.chunk = new ArenaChunk(range.buffer);
			this.offset = range.start;
			this.end = range.end;
		}
		const event = readRecord(this.chunk, this.offset);
		this.offset = recordEnd(this.chunk, this.offset);
		this.remaining--;
		return event;
	}
}

function readRecord(chunk: ArenaChunk, start: number): ArenaEvent {
	const { bytes, ints } = chunk;
	const at = (start >> 2) + SIZE;
	const codes = ints[at + 1];
	const latencyUs = chunk.floats[(start >> 3) + 1];
	let offset = start + HEADER_BYTES;
	const method = readText(bytes, offset, ints[at + 2]);
	if (ints[at + 2] > 0) offset += ints[at + 2];
	const rpcId = readText(bytes, offset, ints[at + 3]);
	if (ints[at + 3] > 0) offset += ints[at + 3];
	const tool = readText(bytes, offset, ints[at + 4]);
	if (ints[at + 4] > 0) offset += ints[at + 4];
	return {
		ts: chunk.floats[start >> 3],
		latencyUs: Number.isNaN(latencyUs) ? null : latencyUs,
		origin: EVENT_ORIGINS[codes & 0xf]!,
		target: EVENT_TARGETS[(codes >> 4) & 0xf]!,
		kind: EVENT_KINDS[(codes >> 8) & 0xf]!,
		method,
		rpcId,
		tool,
		size: ints[at],
		payload: codes & LARGE_FLAG ? undefined : bytes.subarray(offset, offset + ints[at + 5]),
	};
}

function recordEnd(chunk: ArenaChunk, start: number): number {
	const at = (start >> 2) + SIZE;
	const ints = chunk.ints;
	const length = HEADER_BYTES + Math.max(ints[at + 2], 0) + Math.max(ints[at + 3], 0) + Math.max(ints[at + 4], 0) + ints[at + 5];
	return (start + length + 7) & ~7;
}

// Short ASCII text (methods, ids, tool names) byte by byte, which costs less than a call
// into the encoder; anything else through it. Returns the bytes written, -1 for null.
function writeText(bytes: Buffer, text: string | null, offset: number): number {
	if (text === null) return -1;
	const length = text.length;
	for (let index = 0; index < length; index++) {
		const unit = text.charCodeAt(index);
		if (unit >= 0x80) return bytes.write(text, offset, 'utf8');
		bytes[offset + index] = unit;
	}
	return length;
}

function readText(bytes: Buffer, offset: number, length: number): string | null {
	if (length < 0) return null;
	return length === 0 ? '' : bytes.toString('utf8', offset, offset + length);
}
