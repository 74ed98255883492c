// What the Recorder (main thread) and its record writer (worker thread) say to each other.
// Events cross as one compact batch: numbers in a Float64Array, the short strings back to
// back in one string, payload bytes in one transferred ArrayBuffer. Structured-cloning one
// object per event cost more than the copy of the bytes. A large payload follows its batch
// in pieces, a few at a time, so it is never copied whole (DESIGN §8: peak RSS of a 64 MiB
// message).

import type { OpenStoreOptions } from '../store/open-store.js';
import type { EventKind, EventOrigin, EventTarget, SessionCounters } from './event.js';
import type { SessionStart, SessionUpdate } from './session-row.js';

/** One event as both sides keep it: seq and ts assigned, payload the exact bytes. */
export interface RecordedEvent {
	seq: number;
	ts: number;
	origin: EventOrigin;
	target: EventTarget;
	kind: EventKind;
	method: string | null;
	rpcId: string | null;
	tool: string | null;
	payload: Buffer;
	latencyUs: number | null;
}

/** What the worker is started with. */
export interface WriterData {
	sessionId: string;
	store: OpenStoreOptions;
	lockTimeoutMs: number;
}

export interface EventBatch {
	type: 'events';
	firstSeq: number;
	/** FIELDS numbers per event; see packEvents. */
	numbers: Float64Array;
	/** method, rpcId and tool of every event, back to back. */
	text: string;
	/** Payloads below LARGE_PAYLOAD_BYTES, back to back; larger ones follow as pieces. */
	payloads: ArrayBuffer;
	counters: SessionCounters;
	update: SessionUpdate | undefined;
}

/** Part of a large payload, in order; the event's metadata came in an earlier batch. */
export interface PayloadPiece {
	type: 'piece';
	seq: number;
	/** The piece is the first `length` bytes; the buffer goes back to be reused. */
	bytes: ArrayBuffer;
	length: number;
	last: boolean;
}

export type ToWriter =
	| { type: 'open'; session: SessionStart }
	| EventBatch
	| PayloadPiece
	| { type: 'close'; counters: SessionCounters; update: SessionUpdate | undefined };

export type FromWriter =
	| { type: 'ack'; committedSeq: number }
	/** A piece was consumed: the next one may be sent, in the buffer handed back. */
	| { type: 'piece-taken'; bytes: ArrayBuffer }
	| { type: 'health'; healthy: boolean; reason?: string }
	| { type: 'opened' }
	| { type: 'closed'; committedSeq: number; ok: boolean; reason?: string };

/** Payloads of this size and more are sent as pieces of this size. */
export const LARGE_PAYLOAD_BYTES = 1024 * 1024;

const ORIGINS: readonly EventOrigin[] = ['client', 'server', 'proxy'];
const TARGETS: readonly EventTarget[] = [null, 'client', 'server'];
const KINDS: readonly EventKind[] = ['message', 'stderr', 'lifecycle', 'decision', 'mask'];
const ORIGIN_CODES: Record<string, number> = { client: 0, server: 1, proxy: 2 };
const TARGET_CODES: Record<string, number> = { client: 1, server: 2 };
const KIND_CODES: Record<string, number> = { message: 0, stderr: 1, lifecycle: 2, decision: 3, mask: 4 };
// ts, latencyUs (NaN for null), size, origin, target, kind, and the lengths of method,
// rpcId and tool in UTF-16 units (-1 for null).
const FIELDS = 9;
const EMPTY = Buffer.alloc(0);

/** Packs events[start, end) into one message; `transfer` lists the buffers to move, not copy. */
export function packEvents(
	events: readonly RecordedEvent[],
	start: number,
	end: number,
	counters: SessionCounters,
	update: SessionUpdate | undefined,
): { batch: EventBatch; transfer: ArrayBuffer[] } {
	let smallBytes = 0;
	for (let index = start; index < end; index++) {
		const length = events[index].payload.length;
		if (length < LARGE_PAYLOAD_BYTES) smallBytes += length;
	}
	// allocUnsafeSlow: a buffer of its own (never a slice of the shared pool), so it can move.
	const payloads = Buffer.allocUnsafeSlow(smallBytes);
	const numbers = new Float64Array((end - start) * FIELDS);
	let text = '';
	let offset = 0;
	let field = 0;
	for (let index = start; index < end; index++) {
		const event = events[index];
		const payload = event.payload;
		if (payload.length < LARGE_PAYLOAD_BYTES) offset += payload.copy(payloads, offset);
		numbers[field] = event.ts;
		numbers[field + 1] = event.latencyUs ?? Number.NaN;
		numbers[field + 2] = payload.length;
		numbers[field + 3] = ORIGIN_CODES[event.origin];
		numbers[field + 4] = event.target === null ? 0 : TARGET_CODES[event.target];
		numbers[field + 5] = KIND_CODES[event.kind];
		const { method, rpcId, tool } = event;
		if (method === null) numbers[field + 6] = -1;
		else {
			numbers[field + 6] = method.length;
			text += method;
		}
		if (rpcId === null) numbers[field + 7] = -1;
		else {
			numbers[field + 7] = rpcId.length;
			text += rpcId;
		}
		if (tool === null) numbers[field + 8] = -1;
		else {
			numbers[field + 8] = tool.length;
			text += tool;
		}
		field += FIELDS;
	}
	const batch: EventBatch = {
		type: 'events',
		firstSeq: events[start]?.seq ?? 0,
		numbers,
		text,
		payloads: payloads.buffer as ArrayBuffer,
		counters: { ...counters },
		update,
	};
	return { batch, transfer: [batch.payloads, numbers.buffer as ArrayBuffer] };
}

/**
 * One piece of a large payload, copied into `spare` (a buffer the writer handed back) or a
 * new buffer of its own, so it can move.
 */
export function packPiece(event: RecordedEvent, offset: number, spare?: ArrayBuffer): { piece: PayloadPiece; transfer: ArrayBuffer[] } {
	const end = Math.min(offset + LARGE_PAYLOAD_BYTES, event.payload.length);
	const bytes = spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(LARGE_PAYLOAD_BYTES);
	const length = event.payload.copy(bytes, 0, offset, end);
	const piece: PayloadPiece = { type: 'piece', seq: event.seq, bytes: bytes.buffer as ArrayBuffer, length, last: end === event.payload.length };
	return { piece, transfer: [piece.bytes] };
}

/**
 * The events of a batch; payloads are views into the batch's buffer (no copy). A large
 * payload is empty here, with its length in `size`: its pieces come next.
 */
export function unpackEvents(batch: EventBatch): (RecordedEvent & { size: number })[] {
	const { numbers, text } = batch;
	const count = numbers.length / FIELDS;
	const events: (RecordedEvent & { size: number })[] = new Array(count);
	let textOffset = 0;
	let payloadOffset = 0;
	const readText = (length: number): string | null => {
		if (length < 0) return null;
		const value = text.slice(textOffset, textOffset + length);
		textOffset += length;
		return value;
	};
	for (let index = 0, field = 0; index < count; index++, field += FIELDS) {
		const size = numbers[field + 2];
		let payload: Buffer;
		if (size < LARGE_PAYLOAD_BYTES) {
			payload = Buffer.from(batch.payloads, payloadOffset, size);
			payloadOffset += size;
		} else {
			payload = EMPTY;
		}
		const latencyUs = numbers[field + 1];
		events[index] = {
			seq: batch.firstSeq + index,
			ts: numbers[field],
			origin: ORIGINS[numbers[field + 3]],
			target: TARGETS[numbers[field + 4]],
			kind: KINDS[numbers[field + 5]],
			method: readText(numbers[field + 6]),
			rpcId: readText(numbers[field + 7]),
			tool: readText(numbers[field + 8]),
			payload,
			size,
			latencyUs: Number.isNaN(latencyUs) ? null : latencyUs,
		};
	}
	return events;
}
