// The forms a recorded event (event.ts) takes outside memory, each converted here and
// nowhere else: the store row (local store and collector alike, DESIGN §5), the wire line
// (sync, the collector API, evidence bundles), the replay view (`mcprec replay --json`, the
// transcript, the viewer, OTLP export) and the spill line (events no store took). The
// journal frames its entries itself (journal-codec.ts); the hash chain covers the event's
// own fields, so every form hashes alike (hash-chain.ts).

import type { ChainEvent, ChainLink, EventKind, EventOrigin, EventTarget, RecordedEvent } from './event.js';
import { decodePayloadBytes } from './payload-encoding.js';
import { responseOutcome, type ResponseOutcome } from './response-outcome.js';

// The store row

/** An event row as stored (DESIGN §5): the event's fields as snake_case columns, the payload as `encoding` says. */
export interface EventRow {
	session_id: string;
	seq: number;
	ts: number;
	origin: EventOrigin;
	target: EventTarget;
	kind: EventKind;
	method: string | null;
	rpc_id: string | null;
	tool: string | null;
	payload: Buffer;
	/** 'identity' or 'deflate-raw' (payload-encoding.ts). */
	encoding: string;
	size: number;
	latency_us: number | null;
	prev_hash: string;
	hash: string;
}

/** The columns of `events`, in the order rowValues gives their values (session_id first). */
export const EVENT_COLUMNS = 'session_id, seq, ts, origin, target, kind, method, rpc_id, tool, payload, encoding, size, latency_us, prev_hash, hash';
/** How many values rowValues pushes: every column but session_id. */
export const EVENT_VALUES = 14;

/** A stored row (local store or collector: same columns) as a chained event, payload uncompressed. */
export function fromRow(row: Omit<EventRow, 'session_id'>): ChainEvent {
	return {
		seq: row.seq,
		ts: row.ts,
		origin: row.origin,
		target: row.target,
		kind: row.kind,
		method: row.method,
		rpcId: row.rpc_id,
		tool: row.tool,
		size: row.size,
		latencyUs: row.latency_us,
		prevHash: row.prev_hash,
		hash: row.hash,
		payload: decodePayloadBytes(row.payload, row.encoding),
	};
}

/**
 * Pushes an event's column values in EVENT_COLUMNS order, session_id left out (it is the
 * same for a whole batch), the payload as stored. Positional because binding 15 named
 * parameters from an object costs more than SQLite's insert (record-writer.ts).
 */
export function pushRowValues(values: unknown[], event: Omit<ChainEvent, 'payload'>, payload: Buffer, encoding: string): void {
	values.push(event.seq, event.ts, event.origin, event.target, event.kind, event.method, event.rpcId, event.tool, payload, encoding, event.size, event.latencyUs, event.prevHash, event.hash);
}

/** A row with its payload uncompressed (encoding 'identity'). */
export function decodePayload(row: EventRow): EventRow {
	return row.encoding === 'identity' ? row : { ...row, payload: decodePayloadBytes(row.payload, row.encoding), encoding: 'identity' };
}

// The wire line: one line of the NDJSON body of `POST /sessions/:id/events`, an item of
// `GET /sessions/:id/events?format=wire` (README "Collector API") and a line of an evidence
// bundle's events.ndjson.

/** One event on the wire: its fields, both hashes, and the payload in base64. */
export interface WireEvent extends Omit<ChainEvent, 'payload'> {
	/** The uncompressed payload bytes, base64. */
	payload: string;
}

// Field by field, in the wire's key order, whatever order the event's keys were set in.
export function toWire(event: ChainEvent): WireEvent {
	return {
		seq: event.seq,
		ts: event.ts,
		origin: event.origin,
		target: event.target,
		kind: event.kind,
		method: event.method,
		rpcId: event.rpcId,
		tool: event.tool,
		size: event.size,
		latencyUs: event.latencyUs,
		prevHash: event.prevHash,
		hash: event.hash,
		payload: event.payload.toString('base64'),
	};
}

/**
 * A wire line its reader has checked (types, allowed values, base64) as an event; a
 * nullable field that is absent reads as null.
 */
export function fromWire(line: WireEvent): ChainEvent {
	const event = readEvent(line, Buffer.from(line.payload, 'base64')) as ChainEvent;
	event.prevHash = line.prevHash;
	event.hash = line.hash;
	return event;
}

/** The nullable fields of an event, which a reader may find absent. */
type NullableField = 'target' | 'method' | 'rpcId' | 'tool' | 'latencyUs';

/** An event's fields as a reader found them in JSON: nullable ones perhaps absent, size perhaps not written. */
export type ReadFields = Omit<RecordedEvent, 'payload' | 'size' | NullableField> & Partial<Pick<RecordedEvent, 'size' | NullableField>>;

/** An event from fields read back (wire line, journal entry): absent columns null, size the payload's when not written. */
export function readEvent(fields: ReadFields, payload: Buffer): RecordedEvent {
	return {
		seq: fields.seq,
		ts: fields.ts,
		origin: fields.origin,
		target: fields.target ?? null,
		kind: fields.kind,
		method: fields.method ?? null,
		rpcId: fields.rpcId ?? null,
		tool: fields.tool ?? null,
		size: fields.size ?? payload.length,
		latencyUs: fields.latencyUs ?? null,
		payload,
	};
}

/** The NDJSON body for a batch of events (what `mcprec sync` sends). */
export function encodeEventLines(events: readonly ChainEvent[]): string {
	let body = '';
	for (const event of events) body += `${JSON.stringify(toWire(event))}\n`;
	return body;
}

// The spill line: an event the store never took, kept in a file when the session ends
// (run.ts). No size or hashes: they were never computed.

export function toSpillLine(sessionId: string, seq: number, event: Omit<RecordedEvent, 'seq' | 'payload'>, payload: Buffer): string {
	return JSON.stringify({
		sessionId,
		seq,
		ts: event.ts,
		origin: event.origin,
		target: event.target,
		kind: event.kind,
		method: event.method,
		rpcId: event.rpcId,
		tool: event.tool,
		latencyUs: event.latencyUs,
		payload: payload.toString('base64'),
	});
}

// The replay view: the NDJSON shape of `mcprec replay --json` (DESIGN §5) and the input
// of the transcript, the terminal timeline, the viewer and the exports.

export interface ReplayEvent extends Pick<RecordedEvent, 'seq' | 'origin' | 'target' | 'kind' | 'method' | 'tool' | 'size'>, ChainLink {
	/** ISO 8601 with microseconds. */
	ts: string;
	/** µs since the epoch, for timing and playback. */
	tsMicros: number;
	/** The JSON-RPC id as it was sent (the event's rpcId parsed). */
	id: string | number | null;
	/** The parsed JSON-RPC message, when the payload is JSON. */
	message?: unknown;
	/** The payload as text, when it is not JSON (stderr lines, garbage). */
	text?: string;
	/** Lifecycle, decision and mask details. */
	details?: unknown;
	decision: unknown;
	masked: unknown;
	/**
	 * On responses: `ok`, `error` (JSON-RPC error), `tool-error` (the server's result with
	 * `isError: true`) or `blocked` (mcprec's own refusal of a tools/call).
	 */
	outcome?: ResponseOutcome | 'blocked';
	latencyMs: number | null;
}

export function toReplayView(event: ChainEvent): ReplayEvent {
	const view: ReplayEvent = {
		seq: event.seq,
		ts: isoMicros(event.ts),
		tsMicros: event.ts,
		origin: event.origin,
		target: event.target,
		kind: event.kind,
		method: event.method,
		id: event.rpcId === null ? null : (JSON.parse(event.rpcId) as string | number | null),
		tool: event.tool,
		decision: null,
		masked: null,
		latencyMs: event.latencyUs === null ? null : event.latencyUs / 1000,
		size: event.size,
		hash: event.hash,
		prevHash: event.prevHash,
	};
	const text = event.payload.toString('utf8');
	if (event.kind === 'stderr') {
		view.text = text;
		return view;
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		view.text = text;
		return view;
	}
	if (event.kind === 'message') {
		view.message = parsed;
		if (isResponse(parsed)) {
			const outcome = responseOutcome(parsed, view.method);
			view.outcome = outcome === 'tool-error' && view.origin === 'proxy' ? 'blocked' : outcome;
		}
	}
	else view.details = parsed;
	if (event.kind === 'decision') view.decision = parsed;
	if (event.kind === 'mask') view.masked = parsed;
	return view;
}

/** `2026-11-22T13:40:41.123456Z` from µs since the epoch. */
export function isoMicros(micros: number): string {
	const millis = Math.floor(micros / 1000);
	const iso = new Date(millis).toISOString();
	const extra = String(Math.floor(micros) % 1000).padStart(3, '0');
	return `${iso.slice(0, 23)}${extra}Z`;
}

function isResponse(message: unknown): boolean {
	return typeof message === 'object' && message !== null && !Array.isArray(message) && !('method' in message) && ('result' in message || 'error' in message);
}
