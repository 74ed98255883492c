// The words the collector's full-text index holds for a batch of events, and the words a
// search box's text becomes: what both store backends index and look up (the backends
// themselves are checked against each other in test/server/store-conformance.test.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_QUERY_WORDS, searchChunks, searchTerms, wordsOf } from '../../../src/server/search-words.js';

const message = (body: unknown) => ({ kind: 'message', payload: Buffer.from(JSON.stringify(body)) });
const words = (chunks: string[]) => chunks.flatMap((chunk) => chunk.split(' '));

describe('search words', () => {
	it.each([
		['read_file /etc/passwd', ['read', 'file', 'etc', 'passwd']],
		['Déjà Vu, ÉCOLE', ['deja', 'vu', 'ecole']],
		['[REDACTED:aws-access-key]', ['redacted', 'aws', 'access', 'key']],
		['x42 2026-11-22T10:00Z', ['x42', '2026', '11', '22t10', '00z']],
		['日本語 テキスト', ['日本語', 'テキスト']],
		['-- ,;', []],
	])('%s → %j', (text, expected) => {
		expect(wordsOf(text)).toEqual(expected);
	});

	it('takes the arguments (or params) of requests, the results and errors of responses; not the bytes of images and audio, _meta, envelopes or other kinds', () => {
		const chunks = searchChunks([
			message({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_file', arguments: { path: '/srv/alpha' }, _meta: { progressToken: 'beta' } } }),
			message({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'gamma' }, { type: 'image', mimeType: 'image/png', data: 'delta' }, { type: 'audio', mimeType: 'audio/wav', data: 'epsilon' }], structuredContent: { n: 7 }, _meta: { x: 'zeta' } } }),
			message([{ jsonrpc: '2.0', id: 2, error: { code: -32000, message: 'Permission denied', data: { why: 'eta' } } }]),
			message({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'theta' } }),
			{ kind: 'stderr', payload: Buffer.from('iota') },
			{ kind: 'message', payload: Buffer.from('not json kappa') },
		]);
		expect(words(chunks).sort()).toEqual(['7', 'alpha', 'denied', 'eta', 'gamma', 'info', 'permission', 'srv', 'theta']);
	});

	it('keeps every distinct word once, in chunks under 100,000 characters', () => {
		fc.assert(
			fc.property(fc.array(fc.stringMatching(/^[a-z0-9]{1,64}$/), { minLength: 1, maxLength: 4000 }), fc.integer({ min: 1, max: 40 }), (list, perMessage) => {
				const events = [];
				for (let from = 0; from < list.length; from += perMessage) events.push(message({ jsonrpc: '2.0', id: from, result: { content: [{ type: 'text', text: list.slice(from, from + perMessage).join(' ') }] } }));
				const chunks = searchChunks(events);
				expect(chunks.every((chunk) => chunk.length <= 100_000 && chunk.length > 0)).toBe(true);
				const indexed = words(chunks);
				expect(new Set(indexed).size).toBe(indexed.length);
				expect(new Set(indexed)).toEqual(new Set(list));
			}),
			{ seed: 20, numRuns: 30 },
		);
		// Enough words to need several chunks.
		const many = Array.from({ length: 30_000 }, (_, index) => `word${index}`);
		const chunks = searchChunks([message({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: many.join(' ') }] } })]);
		expect(chunks.length).toBeGreaterThan(1);
		expect(words(chunks)).toEqual(many);
	});

	it('turns a search box into at most eight distinct words and drops runs longer than a word', () => {
		expect(searchTerms('  Passwd  PASSWD delete_file ')).toEqual(['passwd', 'delete', 'file']);
		expect(searchTerms('a b c d e f g h i j')).toHaveLength(MAX_QUERY_WORDS);
		expect(searchTerms('//')).toEqual([]);
		expect(searchTerms('x'.repeat(65))).toEqual([]);
	});
});
