// Reads the NDJSON body of `POST /sessions/:id/events` into events, rejecting the first
// malformed line with its number so the uploader can tell which event is wrong.

import { badRequest } from './api-error.js';
import type { ChainEvent, EventKind, EventOrigin, EventTarget } from '../event/event.js';
import { fromWire } from '../event/event-forms.js';

const ORIGINS = new Set(['client', 'server', 'proxy']);
const TARGETS = new Set(['client', 'server']);
const KINDS = new Set(['message', 'stderr', 'lifecycle', 'decision', 'mask']);
const HASH = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseEventLines(body: Buffer | string): ChainEvent[] {
	const text = typeof body === 'string' ? body : body.toString('utf8');
	const events: ChainEvent[] = [];
	let start = 0;
	let lineNumber = 0;
	while (start < text.length) {
		let end = text.indexOf('\n', start);
		if (end === -1) end = text.length;
		lineNumber++;
		let line = text.slice(start, end);
		if (line.endsWith('\r')) line = line.slice(0, -1);
		start = end + 1;
		if (line.trim() === '') continue;
		events.push(parseEventLine(line, lineNumber));
	}
	return events;
}

function parseEventLine(line: string, lineNumber: number): ChainEvent {
	const fail = (problem: string) =>
		badRequest('malformed_ndjson', `line ${lineNumber}: ${problem}`, { line: lineNumber });
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch (error) {
		throw fail(`not JSON (${(error as Error).message})`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('expected one JSON object per line');
	const record = value as Record<string, unknown>;
	const integer = (name: string, nullable = false): number | null => {
		const field = record[name];
		if (nullable && (field === null || field === undefined)) return null;
		if (typeof field !== 'number' || !Number.isSafeInteger(field) || field < 0) {
			throw fail(`'${name}' must be a whole number ≥ 0${nullable ? ' or null' : ''}, got ${JSON.stringify(field) ?? 'nothing'}`);
		}
		return field;
	};
	const text = (name: string, allowed?: Set<string>, nullable = false): string | null => {
		const field = record[name];
		if (nullable && (field === null || field === undefined)) return null;
		if (typeof field !== 'string' || (allowed && !allowed.has(field))) {
			const expected = allowed ? `one of ${[...allowed].join(', ')}` : 'a string';
			throw fail(`'${name}' must be ${expected}${nullable ? ' or null' : ''}, got ${JSON.stringify(field) ?? 'nothing'}`);
		}
		return field;
	};
	const hash = (name: string): string => {
		const field = record[name];
		if (typeof field !== 'string' || !HASH.test(field)) throw fail(`'${name}' must be 64 lowercase hex characters, got ${JSON.stringify(field) ?? 'nothing'}`);
		return field;
	};
	const base64Payload = (): string => {
		const field = record.payload;
		if (typeof field !== 'string' || field.length % 4 !== 0 || !BASE64.test(field)) throw fail("'payload' must be the payload bytes in base64");
		return field;
	};
	// Checked in the wire's field order, so the first bad field is the one named.
	return fromWire({
		seq: integer('seq')!,
		ts: integer('ts')!,
		origin: text('origin', ORIGINS) as EventOrigin,
		target: text('target', TARGETS, true) as EventTarget,
		kind: text('kind', KINDS) as EventKind,
		method: text('method', undefined, true),
		rpcId: text('rpcId', undefined, true),
		tool: text('tool', undefined, true),
		size: integer('size')!,
		latencyUs: integer('latencyUs', true),
		prevHash: hash('prevHash'),
		hash: hash('hash'),
		payload: base64Payload(),
	});
}
