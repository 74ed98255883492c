import { describe, expect, it } from 'vitest';
import { emptyCounters } from '../../../src/recorder/event.js';
import { LARGE_PAYLOAD_BYTES, packEvents, packPiece, unpackEvents, type RecordedEvent } from '../../../src/recorder/writer-messages.js';

const event = (seq: number, overrides: Partial<RecordedEvent> = {}): RecordedEvent => ({
	seq,
	ts: 1795355174465918 + seq,
	origin: 'client',
	target: 'server',
	kind: 'message',
	method: 'tools/call',
	rpcId: String(seq),
	tool: 'echo',
	payload: Buffer.from(`{"id":${seq}}`),
	latencyUs: null,
	...overrides,
});

describe('events crossing to the record writer', () => {
	it('arrive with every field and byte as recorded, from any start; large payloads follow in pieces', () => {
		const large = Buffer.alloc(2 * LARGE_PAYLOAD_BYTES + 3, 'x€');
		const events = [
			event(0),
			event(1, { origin: 'server', target: 'client', latencyUs: 1234, rpcId: '"s:é\u2028"', tool: null }),
			event(2, { origin: 'proxy', target: null, kind: 'lifecycle', method: null, rpcId: null, tool: null, payload: Buffer.alloc(0) }),
			event(3, { kind: 'mask', payload: large }),
			event(4, { kind: 'decision', method: '', rpcId: '', tool: '\u{1F600}', payload: Buffer.from('€') }),
			event(5, { kind: 'stderr', payload: Buffer.alloc(LARGE_PAYLOAD_BYTES - 1, 'y'), latencyUs: 0 }),
		];
		const { batch, transfer } = packEvents(events, 1, events.length, emptyCounters(), { endReason: 'client-closed' });
		expect(transfer).toHaveLength(2);
		expect(batch.update).toEqual({ endReason: 'client-closed' });
		const arrived = unpackEvents(structuredClone(batch, { transfer }));
		// Payloads compared with equals(): toEqual walks a megabyte byte by byte.
		const withoutPayload = ({ payload, ...rest }: RecordedEvent) => ({ ...rest, size: payload.length });
		expect(arrived.map(({ payload, ...rest }) => rest)).toEqual(events.slice(1).map(withoutPayload));
		arrived.forEach((each, index) => expect(each.payload.equals(index === 2 ? Buffer.alloc(0) : events[index + 1].payload)).toBe(true));

		const pieces: Buffer[] = [];
		for (let offset = 0, last = false; !last; ) {
			const { piece, transfer: moved } = packPiece(events[3], offset);
			const received = structuredClone(piece, { transfer: moved });
			expect(received.seq).toBe(3);
			pieces.push(Buffer.from(received.bytes, 0, received.length));
			offset += received.length;
			last = received.last;
		}
		expect(pieces.map((piece) => piece.length)).toEqual([LARGE_PAYLOAD_BYTES, LARGE_PAYLOAD_BYTES, 3]);
		expect(Buffer.concat(pieces).equals(large)).toBe(true);
	});

	it('sends an empty batch when only session facts changed', () => {
		const { batch, transfer } = packEvents([], 0, 0, { ...emptyCounters(), requests: 3 }, { clientName: 'x' });
		expect(unpackEvents(structuredClone(batch, { transfer }))).toEqual([]);
		expect(batch.counters.requests).toBe(3);
	});
});
