import { describe, expect, it } from 'vitest';
import { ContiguousWriter } from '../../../src/proxy/contiguous-writer.js';

describe('ContiguousWriter', () => {
	const collect = () => {
		const written: string[] = [];
		const writer = new ContiguousWriter((bytes) => {
			written.push(bytes.toString());
			return written.length < 3;
		});
		return { written, writer };
	};

	it('writes neighbouring views of one chunk as one buffer, in order', () => {
		const { written, writer } = collect();
		const chunk = Buffer.from('a\nbb\nccc\n');
		writer.add(chunk.subarray(0, 2));
		writer.add(chunk.subarray(2, 5));
		writer.add(chunk.subarray(5, 9));
		expect(written).toEqual([]);
		expect(writer.flush()).toBe(true);
		expect(written).toEqual(['a\nbb\nccc\n']);
	});

	it('starts a new run at a gap or another buffer, and reports back-pressure', () => {
		const { written, writer } = collect();
		const chunk = Buffer.from('a\nSKIP\nc\n');
		writer.add(chunk.subarray(0, 2));
		writer.add(chunk.subarray(7, 9));
		writer.add(Buffer.from('own\n'));
		expect(writer.flush()).toBe(false);
		expect(written).toEqual(['a\n', 'c\n', 'own\n']);
		expect(writer.flush()).toBe(true);
	});
});
