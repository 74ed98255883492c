import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/jsonrpc/framing.js';

function split(chunks: (string | Buffer)[], end = false): string[] {
	const frames: string[] = [];
	const splitter = new LineSplitter((frame) => frames.push(frame.toString('utf8')));
	for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
	if (end) splitter.end();
	return frames;
}

describe('LineSplitter', () => {
	it.each([
		{ name: 'one line', chunks: ['{"a":1}\n'], frames: ['{"a":1}\n'] },
		{ name: 'two lines in one chunk', chunks: ['{"a":1}\n{"b":2}\n'], frames: ['{"a":1}\n', '{"b":2}\n'] },
		{ name: 'a line split over three chunks', chunks: ['{"a"', ':1', '}\n'], frames: ['{"a":1}\n'] },
		{ name: 'CRLF endings become LF', chunks: ['{"a":1}\r\n{"b":2}\r', '\n'], frames: ['{"a":1}\n', '{"b":2}\n'] },
		{ name: 'blank lines are skipped', chunks: ['\n  \n{"a":1}\n\r\n'], frames: ['{"a":1}\n'] },
		{ name: 'no newline yet: nothing', chunks: ['{"a":1}'], frames: [] },
		{ name: 'a \\r inside a line stays', chunks: ['{"a":"x\ry"}\n'], frames: ['{"a":"x\ry"}\n'] },
	])('$name', ({ chunks, frames }) => {
		expect(split(chunks)).toEqual(frames);
	});

	it('emits the unterminated rest at end of stream', () => {
		expect(split(['{"a":1}\n{"b"', ':2}'], true)).toEqual(['{"a":1}\n', '{"b":2}\n']);
	});

	it('keeps multi-byte UTF-8 split across chunks intact', () => {
		const bytes = Buffer.from('{"t":"é😀"}\n');
		const frames = split([bytes.subarray(0, 7), bytes.subarray(7, 9), bytes.subarray(9)]);
		expect(frames).toEqual(['{"t":"é😀"}\n']);
	});

	it('hands out zero-copy views for lines inside one chunk', () => {
		const chunk = Buffer.from('{"a":1}\n{"b":2}\n');
		const views: Buffer[] = [];
		new LineSplitter((frame) => views.push(frame)).push(chunk);
		expect(views[0].buffer).toBe(chunk.buffer);
	});

	it('tells the size of each line it had to join from several reads, and of no other', () => {
		const joined: number[] = [];
		const frames: string[] = [];
		const splitter = new LineSplitter((frame) => frames.push(frame.toString()), (bytes) => joined.push(bytes));
		splitter.push(Buffer.from('{"a":1}\n{"b":'));
		splitter.push(Buffer.from('2'));
		splitter.push(Buffer.from('}\n{"c":3}\n'));
		expect(frames).toEqual(['{"a":1}\n', '{"b":2}\n', '{"c":3}\n']);
		expect(joined).toEqual([8]);
	});
});
