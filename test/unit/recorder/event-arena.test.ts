import { describe, expect, it } from 'vitest';
import { ArenaReader, EventArena, type ArenaEvent } from '../../../src/recorder/event-arena.js';
import { LARGE_PAYLOAD_BYTES, packPiece } from '../../../src/recorder/writer-messages.js';

const event = (n: number, overrides: Partial<ArenaEvent> = {}): ArenaEvent => {
	const payload = overrides.payload === undefined && 'payload' in overrides ? undefined : (overrides.payload ?? Buffer.from(`{"id":${n}}`));
	return {
		ts: 1795355174465918 + n,
		latencyUs: null,
		origin: 'client',
		target: 'server',
		kind: 'message',
		method: 'tools/call',
		rpcId: String(n),
		tool: 'echo',
		...overrides,
		payload,
		size: overrides.size ?? payload?.length ?? 0,
	};
};

// What the writer thread sees: the ranges cross as a worker message would carry them.
function readAcross(arena: EventArena): ArenaEvent[] {
	const reader = new ArenaReader(structuredClone(arena.takeUnsent()));
	const read: ArenaEvent[] = [];
	while (reader.remaining > 0) read.push(reader.next());
	return read;
}

// Payloads compared with equals(): toEqual walks a megabyte byte by byte.
const fields = ({ payload, ...rest }: ArenaEvent) => rest;

describe('the event arena', () => {
	it('hands every field and byte to the other thread as appended, across chunks, without large payloads', () => {
		const arena = new EventArena();
		const events = [
			event(0),
			event(1, { origin: 'server', target: 'client', latencyUs: 1234, rpcId: '"s:é\u2028"', tool: null }),
			event(2, { origin: 'proxy', target: null, kind: 'lifecycle', method: null, rpcId: null, tool: null, payload: Buffer.alloc(0) }),
			event(3, { kind: 'mask', payload: undefined, size: 3 * LARGE_PAYLOAD_BYTES }),
			event(4, { kind: 'decision', method: '', rpcId: '', tool: '\u{1F600}', payload: Buffer.from('€') }),
			// Bigger than what is left of the first chunk, and than a chunk: each starts a new one.
			event(5, { kind: 'stderr', payload: Buffer.alloc(LARGE_PAYLOAD_BYTES - 1, 'y'), latencyUs: 0 }),
			event(6, { payload: Buffer.alloc(LARGE_PAYLOAD_BYTES - 1, 'z') }),
			event(7, { payload: Buffer.alloc(3 * LARGE_PAYLOAD_BYTES - 1, 'w') }),
			event(8),
		];
		for (const each of events.slice(0, 3)) arena.append(each);
		const first = readAcross(arena);
		for (const each of events.slice(3)) arena.append(each);
		const second = readAcross(arena);
		expect(readAcross(arena)).toEqual([]);
		const read = [...first, ...second];
		expect(read.map(fields)).toEqual(events.map(fields));
		read.forEach((each, index) => {
			if (events[index].payload === undefined) expect(each.payload).toBeUndefined();
			else expect(each.payload!.equals(events[index].payload!)).toBe(true);
		});
	});

	it('releases committed records in order, their sizes summed, and keeps the rest readable', () => {
		const arena = new EventArena();
		const events = Array.from({ length: 5000 }, (_, n) => event(n, { payload: Buffer.alloc(1000 + (n % 7), 'x') }));
		for (const each of events) arena.append(each);
		arena.takeUnsent();
		expect(arena.release(4000)).toBe(events.slice(0, 4000).reduce((sum, each) => sum + each.size, 0));
		const left = [...arena.unreleased()];
		expect(left.map(fields)).toEqual(events.slice(4000).map(fields));
		expect(arena.release(1000)).toBe(events.slice(4000).reduce((sum, each) => sum + each.size, 0));
		expect([...arena.unreleased()]).toEqual([]);
		expect(() => arena.release(1)).toThrow(/more records released than were appended/);
		// Still takes records after everything was released.
		arena.append(event(9));
		expect(readAcross(arena).map(fields)).toEqual([fields(event(9))]);
	});
});

describe('large payloads crossing to the writer', () => {
	it('arrive whole, piece by piece', () => {
		const large = Buffer.alloc(2 * LARGE_PAYLOAD_BYTES + 3, 'x€');
		const pieces: Buffer[] = [];
		for (let offset = 0, last = false; !last; ) {
			const { piece, transfer } = packPiece({ seq: 3, payload: large }, offset);
			const received = structuredClone(piece, { transfer });
			expect(received.seq).toBe(3);
			pieces.push(Buffer.from(received.bytes, 0, received.length));
			offset += received.length;
			last = received.last;
		}
		expect(pieces.map((piece) => piece.length)).toEqual([LARGE_PAYLOAD_BYTES, LARGE_PAYLOAD_BYTES, 3]);
		expect(Buffer.concat(pieces).equals(large)).toBe(true);
	});
});

describe('event arena: a chunk emptied while it was the only one', () => {
	it('is dropped when the next record lands in a new chunk, and releasing goes on there', () => {
		const arena = new EventArena();
		// Fill the first 2 MiB chunk so that the next event no longer fits.
		const big = Buffer.alloc(1024 * 1024 - 512, 0x61);
		arena.append(event(1, { payload: big }));
		arena.append(event(2, { payload: big }));
		readAcross(arena);
		// Everything so far committed: the chunk is empty but kept (it is the only one).
		expect(arena.release(2)).toBe(2 * big.length);
		// The next event needs a new chunk; committing it must release it, not fail on the old one.
		arena.append(event(3, { payload: big }));
		expect(readAcross(arena).map((read) => read.rpcId)).toEqual(['3']);
		expect(arena.release(1)).toBe(big.length);
		expect([...arena.unreleased()]).toEqual([]);
	});
});
