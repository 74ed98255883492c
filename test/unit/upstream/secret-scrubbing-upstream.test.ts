// Injected secrets in the server's stderr: replaced before mcprec's stderr or the
// recording see them, however the stream is cut into chunks.

import { describe, expect, it } from 'vitest';
import { createStreamScrubber } from '../../../src/upstream/secret-scrubbing-upstream.js';

const secrets = [
	{ name: 'API_TOKEN', value: 'tok-1234567890' },
	{ name: 'QUOTED', value: 'pa"ss\\word' },
];

function scrubAll(chunks: string[]): { output: string; emitted: string[] } {
	const emitted: string[] = [];
	const scrubber = createStreamScrubber(secrets, (chunk) => emitted.push(chunk.toString('utf8')));
	for (const chunk of chunks) scrubber.push(Buffer.from(chunk));
	scrubber.end();
	return { output: emitted.join(''), emitted };
}

describe('createStreamScrubber', () => {
	it('replaces a value split across chunks at every position', () => {
		const line = 'token=tok-1234567890 done\n';
		for (let cut = 1; cut < line.length; cut++) {
			expect(scrubAll([line.slice(0, cut), line.slice(cut)]).output).toBe('token=[REDACTED:API_TOKEN] done\n');
		}
	});

	it('replaces the JSON-escaped form too', () => {
		expect(scrubAll([`{"p":${JSON.stringify('pa"ss\\word')}}\n`]).output).toBe('{"p":"[REDACTED:QUOTED]"}\n');
		expect(scrubAll(['raw pa"ss\\word\n']).output).toBe('raw [REDACTED:QUOTED]\n');
	});

	it('lets complete lines go at once and holds back only what could start a value', () => {
		const emitted: string[] = [];
		const scrubber = createStreamScrubber(secrets, (chunk) => emitted.push(chunk.toString('utf8')));
		scrubber.push(Buffer.from('first line\nsecond tok-123'));
		expect(emitted.join('')).toMatch(/^first line\n/);
		expect(emitted.join('')).not.toContain('tok-');
		scrubber.push(Buffer.from('4567890\n'));
		expect(emitted.join('')).toBe('first line\nsecond [REDACTED:API_TOKEN]\n');
		scrubber.end();
	});

	it('keeps bytes that are not UTF-8 as they were', () => {
		const emitted: Buffer[] = [];
		const scrubber = createStreamScrubber(secrets, (chunk) => emitted.push(chunk));
		scrubber.push(Buffer.from([0xff, 0xfe, 0x0a]));
		scrubber.end();
		expect(Buffer.concat(emitted)).toEqual(Buffer.from([0xff, 0xfe, 0x0a]));
	});
});
