// The tamper-evident chain over a session's events (DESIGN §5). The canonical form is
// documented in README.md ("Verifying a recording") so anyone can check a chain.

import { createHash, hash, type Hash } from 'node:crypto';
import type { ChainEvent, RecordedEvent } from './event.js';

/** The fields of an event that the hash covers besides its payload: all of them, and the session. */
export interface ChainedFields extends EventFields {
	sessionId: string;
}

/** An event's fields without its payload bytes (hashed after the header). */
export type EventFields = Omit<RecordedEvent, 'payload'>;

const FORMAT = 'mcprec-event-v1';

/** prev_hash of seq 0: SHA-256 of "mcprec-session-v1\n" + session id. */
export function genesisHash(sessionId: string): string {
	return createHash('sha256').update(`mcprec-session-v1\n${sessionId}`).digest('hex');
}

/** Header line of the canonical form: a JSON array of the event's fields. */
export function canonicalHeader(fields: ChainedFields): string {
	return eventHeader(fields.sessionId, fields);
}

function eventHeader(sessionId: string, event: EventFields): string {
	return JSON.stringify([FORMAT, sessionId, event.seq, event.ts, event.origin, event.target, event.kind, event.method, event.rpcId, event.tool, event.size, event.latencyUs]);
}

/** hash = SHA-256(prev_hash hex ‖ "\n" ‖ header ‖ "\n" ‖ payload bytes). */
export function chainHash(prevHash: string, fields: ChainedFields, payload: Buffer): string {
	return startChainHash(prevHash, fields).update(payload).digest('hex');
}

/** chainHash for a payload that arrives in pieces: update() with each, in order, then digest('hex'). */
export function startChainHash(prevHash: string, fields: ChainedFields): Hash {
	return startEventHash(fields.sessionId, prevHash, fields);
}

/** The hash of an event of `sessionId` that follows `prevHash`: its chain link's `hash`. */
export function eventHash(sessionId: string, prevHash: string, event: RecordedEvent): string {
	return startEventHash(sessionId, prevHash, event).update(event.payload).digest('hex');
}

/** startChainHash for an event's fields and the session it belongs to. */
export function startEventHash(sessionId: string, prevHash: string, event: EventFields): Hash {
	// Same bytes as four separate updates, in one call: each update crosses into C++.
	return createHash('sha256').update(`${prevHash}\n${eventHeader(sessionId, event)}\n`);
}

/** An event linked after `prevHash` in the chain of `sessionId`. */
export function linkEvent(sessionId: string, prevHash: string, event: RecordedEvent): ChainEvent {
	return { ...event, prevHash, hash: eventHash(sessionId, prevHash, event) };
}

/** Whether an event's stored hash is the one its fields, payload and prevHash give. */
export function hashMatches(sessionId: string, event: ChainEvent): boolean {
	return eventHash(sessionId, event.prevHash, event) === event.hash;
}

// Above this a payload is hashed in place (two updates) rather than copied into the buffer.
const ONE_SHOT_MAX_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const QUOTE = 0x22;
const NULL_BYTES = Buffer.from('null');

/**
 * chainHash for a stream of events: the same bytes, written straight into one reused buffer
 * and hashed in one call, so no Hash object, header string or copy is made per event.
 * Building the header with JSON.stringify and then encoding it cost as much as the hash.
 * Numbers and strings that JSON writes verbatim (non-negative safe integers, printable
 * ASCII without quote or backslash) are written here byte by byte; anything else goes
 * through JSON.stringify, so the bytes are canonicalHeader's exactly.
 */
export class ChainHasher {
	private scratch = Buffer.allocUnsafeSlow(64 * 1024);
	private sessionId: string | undefined;
	private prefix = Buffer.alloc(0);
	private at = 0;

	hash(prevHash: string, fields: ChainedFields, payload: Buffer): string {
		return this.hashEvent(fields.sessionId, prevHash, fields, payload);
	}

	/** hash() for an event and its session given apart, so no object is made to join them. */
	hashEvent(sessionId: string, prevHash: string, fields: EventFields, payload: Buffer): string {
		if (payload.length > ONE_SHOT_MAX_BYTES) return startEventHash(sessionId, prevHash, fields).update(payload).digest('hex');
		if (sessionId !== this.sessionId) {
			this.sessionId = sessionId;
			this.prefix = Buffer.from(`${JSON.stringify([FORMAT, sessionId]).slice(0, -1)},`);
		}
		const { method, rpcId, tool } = fields;
		// JSON escapes a UTF-16 unit into at most 6 bytes; numbers take at most 24.
		const textUnits = fields.origin.length + (fields.target?.length ?? 0) + fields.kind.length + (method?.length ?? 0) + (rpcId?.length ?? 0) + (tool?.length ?? 0);
		const bound = prevHash.length * 3 + this.prefix.length + textUnits * 6 + 4 * 24 + 32 + payload.length;
		if (bound > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(Math.max(bound, this.scratch.length * 2));
		const scratch = this.scratch;
		this.at = scratch.write(prevHash, 0, 'utf8');
		scratch[this.at++] = NEWLINE;
		this.at += this.prefix.copy(scratch, this.at);
		this.writeNumber(fields.seq);
		scratch[this.at++] = COMMA;
		this.writeNumber(fields.ts);
		scratch[this.at++] = COMMA;
		this.writeString(fields.origin);
		scratch[this.at++] = COMMA;
		this.writeString(fields.target);
		scratch[this.at++] = COMMA;
		this.writeString(fields.kind);
		scratch[this.at++] = COMMA;
		this.writeString(method);
		scratch[this.at++] = COMMA;
		this.writeString(rpcId);
		scratch[this.at++] = COMMA;
		this.writeString(tool);
		scratch[this.at++] = COMMA;
		this.writeNumber(fields.size);
		scratch[this.at++] = COMMA;
		this.writeNumber(fields.latencyUs);
		scratch[this.at++] = 0x5d; // ]
		scratch[this.at++] = NEWLINE;
		const length = this.at + payload.copy(scratch, this.at);
		return hash('sha256', scratch.subarray(0, length), 'hex');
	}

	private writeNumber(value: number | null): void {
		const scratch = this.scratch;
		if (value === null) {
			this.at += NULL_BYTES.copy(scratch, this.at);
			return;
		}
		if (!Number.isSafeInteger(value) || value < 0) {
			this.at += scratch.write(JSON.stringify(value), this.at, 'utf8');
			return;
		}
		// Two halves below 10^8 each, so the digits come from int32 arithmetic, not doubles.
		const high = Math.floor(value / 1e8);
		if (high > 0) {
			this.writeDigits(high, 0);
			this.writeDigits(value - high * 1e8, 8);
		} else {
			this.writeDigits(value, 0);
		}
	}

	// Writes an integer below 10^8, zero-padded to `width` digits.
	private writeDigits(value: number, width: number): void {
		let digits = 1;
		for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
		if (digits < width) digits = width;
		const scratch = this.scratch;
		let rest = value | 0;
		for (let index = this.at + digits - 1; index >= this.at; index--) {
			const next = (rest / 10) | 0;
			scratch[index] = 0x30 + rest - next * 10;
			rest = next;
		}
		this.at += digits;
	}

	private writeString(value: string | null): void {
		const scratch = this.scratch;
		if (value === null) {
			this.at += NULL_BYTES.copy(scratch, this.at);
			return;
		}
		const start = this.at;
		let at = start;
		scratch[at++] = QUOTE;
		for (let index = 0; index < value.length; index++) {
			const unit = value.charCodeAt(index);
			if (unit < 0x20 || unit >= 0x80 || unit === QUOTE || unit === 0x5c) {
				this.at = start + scratch.write(JSON.stringify(value), start, 'utf8');
				return;
			}
			scratch[at++] = unit;
		}
		scratch[at++] = QUOTE;
		this.at = at;
	}
}
