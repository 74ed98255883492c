// What the Recorder (main thread) and its record writer (worker thread) say to each other.
// Events cross as ranges of shared memory the Recorder already wrote them into
// (event-arena.ts): a batch is a few numbers, whatever its size. A large payload follows
// its batch in pieces, a few at a time, so it is never copied whole (DESIGN §8: peak RSS of
// a 64 MiB message).

import type { OpenStoreOptions } from '../store/open-store.js';
import type { ArenaRange } from './event-arena.js';
import type { SessionCounters } from '../event/event.js';
import type { SessionStart, SessionUpdate } from '../store/session-row.js';
import type { DevicePrivateJwk } from '../event/device-signature.js';

/** The device key as it crosses to the writer thread, which signs with it. */
export interface SignerData {
	deviceId: string;
	jwk: DevicePrivateJwk;
}

/** What the worker is started with. */
export interface WriterData {
	sessionId: string;
	store: OpenStoreOptions;
	lockTimeoutMs: number;
	signer?: SignerData;
}

export interface EventBatch {
	type: 'events';
	/** The seq of the first event in `ranges`; the others follow in order. */
	firstSeq: number;
	/** Payloads below LARGE_PAYLOAD_BYTES are in the ranges; larger ones follow as pieces. */
	ranges: ArenaRange[];
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
	| ({ type: 'signer' } & SignerData)
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

/**
 * One piece of a large payload, copied into `spare` (a buffer the writer handed back) or a
 * new buffer of its own, so it can move.
 */
export function packPiece(event: { seq: number; payload: Buffer }, offset: number, spare?: ArrayBuffer): { piece: PayloadPiece; transfer: ArrayBuffer[] } {
	const end = Math.min(offset + LARGE_PAYLOAD_BYTES, event.payload.length);
	const bytes = spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(LARGE_PAYLOAD_BYTES);
	const length = event.payload.copy(bytes, 0, offset, end);
	const piece: PayloadPiece = { type: 'piece', seq: event.seq, bytes: bytes.buffer as ArrayBuffer, length, last: end === event.payload.length };
	return { piece, transfer: [piece.bytes] };
}
