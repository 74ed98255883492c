import { describe, expect, it } from 'vitest';
import { ContiguousWriter } from '../../../src/proxy/contiguous-writer.js';

describe('ContiguousWriter', () => {
	const collect = () => {
		const written: string[] = [];
		const frames: number[] = [];
		const writer = new ContiguousWriter((bytes, count) => {
			written.push(bytes.toString());
			frames.push(count);
			return written.length < 3;
		});
		return { written, frames, writer };
	};

	it('writes neighbouring views of one chunk as one buffer, in order', () => {
		const { written, frames, writer } = collect();
		const chunk = Buffer.from('a\nbb\nccc\n');
		writer.add(chunk.subarray(0, 2));
		writer.add(chunk.subarray(2, 5));
		writer.add(chunk.subarray(5, 9));
		expect(written).toEqual([]);
		expect(writer.flush()).toBe(true);
		expect(written).toEqual(['a\nbb\nccc\n']);
		// The proxy learns which recorded messages a write carried (DESIGN §3, half-close).
		expect(frames).toEqual([3]);
	});

	it('starts a new run at a gap or another buffer, and reports back-pressure', () => {
		const { written, frames, writer } = collect();
		const chunk = Buffer.from('a\nSKIP\nc\n');
		writer.add(chunk.subarray(0, 2));
		writer.add(chunk.subarray(7, 9));
		writer.add(Buffer.from('own\n'));
		expect(writer.flush()).toBe(false);
		expect(written).toEqual(['a\n', 'c\n', 'own\n']);
		expect(frames).toEqual([1, 1, 1]);
		expect(writer.flush()).toBe(true);
	});
});
