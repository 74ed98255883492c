// The event-stream reader of `run --url` (src/upstream/sse-parser.ts): generated streams,
// written the ways servers write them, cut into chunks anywhere (inside a CRLF, inside a
// UTF-8 character), must give the same events as the whole stream at once.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, type ServerSentEvent } from '../../../src/upstream/sse-parser.js';

interface Parsed {
	events: ServerSentEvent[];
	ids: string[];
	retries: number[];
}

function parse(chunks: Uint8Array[]): Parsed {
	const parsed: Parsed = { events: [], ids: [], retries: [] };
	const parser = new SseParser({
		onEvent: (event) => parsed.events.push(event),
		onId: (id) => parsed.ids.push(id),
		onRetry: (ms) => parsed.retries.push(ms),
	});
	for (const chunk of chunks) parser.push(chunk);
	parser.end();
	return parsed;
}

/** One event as a server would write it, and what a reader must make of it. */
const eventArbitrary = fc.record({
	event: fc.option(fc.constantFrom('message', 'endpoint', 'ping'), { nil: undefined }),
	id: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { nil: undefined }),
	// Data lines: JSON-ish text with unicode, no line breaks inside a line.
	data: fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }).map((text) => text.replace(/[\r\n]/g, ' ')), { minLength: 0, maxLength: 3 }),
	retry: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
	comment: fc.boolean(),
	newline: fc.constantFrom('\n', '\r\n', '\r'),
	spaceAfterColon: fc.boolean(),
});

type GeneratedEvent = typeof eventArbitrary extends fc.Arbitrary<infer T> ? T : never;

function write(events: GeneratedEvent[]): string {
	return events
		.map((event) => {
			const nl = event.newline;
			const field = (name: string, value: string) => `${name}:${event.spaceAfterColon ? ' ' : ''}${value}${nl}`;
			let text = event.comment ? `: keep-alive${nl}` : '';
			if (event.event) text += field('event', event.event);
			if (event.id !== undefined) text += field('id', event.id);
			if (event.retry !== undefined) text += field('retry', String(event.retry));
			for (const line of event.data) text += field('data', line);
			return `${text}${nl}`;
		})
		.join('');
}

function expected(events: GeneratedEvent[]): Parsed {
	const parsed: Parsed = { events: [], ids: [], retries: [] };
	let lastId: string | undefined;
	for (const event of events) {
		if (event.id !== undefined) {
			lastId = event.id;
			parsed.ids.push(event.id);
		}
		if (event.retry !== undefined) parsed.retries.push(event.retry);
		// A value's single leading space is dropped, so data written without one may lose its own.
		const data = event.data.map((line) => (!event.spaceAfterColon && line.startsWith(' ') ? line.slice(1) : line));
		if (data.length > 0) parsed.events.push({ event: event.event ?? 'message', data: data.join('\n'), id: lastId });
	}
	return parsed;
}

/** `bytes` cut at the given offsets (anywhere, even inside a character or a CRLF). */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
	const points = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let start = 0;
	for (const point of points) {
		chunks.push(bytes.subarray(start, point));
		start = point;
	}
	chunks.push(bytes.subarray(start));
	return chunks;
}

describe('SseParser', () => {
	it('reads generated streams the same however they are cut', () => {
		fc.assert(
			fc.property(fc.array(eventArbitrary, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (events, offsets) => {
				const text = write(events);
				// A lone CR at the very end could still become CRLF: a stream that ends there ends its last line too.
				const bytes = new TextEncoder().encode(text);
				const whole = parse([bytes]);
				expect(parse(cut(bytes, offsets))).toEqual(whole);
				expect(whole).toEqual(expected(events));
			}),
			{ seed: 1616, numRuns: 2000 },
		);
	});

	it.each([
		['a byte-order mark at the start is not part of the first field', '\uFEFFdata: x\n\n', [{ event: 'message', data: 'x', id: undefined }]],
		['an event without its blank line at the end is dropped', 'data: a\n\ndata: b\n', [{ event: 'message', data: 'a', id: undefined }]],
		['an id with NUL is ignored', 'id: a\0b\ndata: x\n\n', [{ event: 'message', data: 'x', id: undefined }]],
		['a field without a colon is a field with an empty value', 'data\ndata\n\n', [{ event: 'message', data: '\n', id: undefined }]],
		['unknown fields are ignored', 'foo: bar\ndata: x\n\n', [{ event: 'message', data: 'x', id: undefined }]],
		['the id persists into later events', 'id: 7\ndata: a\n\ndata: b\n\n', [{ event: 'message', data: 'a', id: '7' }, { event: 'message', data: 'b', id: '7' }]],
	])('%s', (_case, text, events) => {
		expect(parse([new TextEncoder().encode(text)]).events).toEqual(events);
	});

	it('reports an id on an event without data (a priming event) and a retry that is digits only', () => {
		const parsed = parse([new TextEncoder().encode('id: p1\nretry: 50\ndata:\n\nretry: 5s\n\n')]);
		expect(parsed.ids).toEqual(['p1']);
		expect(parsed.retries).toEqual([50]);
		expect(parsed.events).toEqual([{ event: 'message', data: '', id: 'p1' }]);
	});
});
