// Detector triggers let the masker skip every detector for a string none of them can
// match in. A trigger that misses a text its detector reports in would let a secret
// through, so each one is checked against every text of the corpus and a few edge cases.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBuiltInDetectors, BUILT_IN_DETECTORS } from '../../../src/masking/detectors/catalog.js';
import { createMasker } from '../../../src/masking/create-masker.js';
import { createSensitiveKeys } from '../../../src/masking/sensitive-keys.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';

interface Corpus {
	planted: { text: string }[];
	lookalikes: { text: string }[];
	samples: { text: string }[];
}

const corpus = JSON.parse(readFileSync(new URL('../../../fixtures/masking-corpus/corpus.json', import.meta.url), 'utf8')) as Corpus;
const texts = [
	...corpus.planted.map((entry) => entry.text),
	...corpus.lookalikes.map((entry) => entry.text),
	...corpus.samples.map((entry) => entry.text),
	'curl -u deploy:Zq9-hunter2 https://example.net',
	'login --user admin:S3cr3tPw!',
	'télé 06 12 34 56 78',
	'Server=db;Uid=app;Pwd=Xy9!kLm2;',
	'Authorization: Basic dXNlcjpwYXNz',
	'{"name":"DB_PASSWORD","value":"p4ss-W0rd-x"}',
	'call me: +44 20 7946 0958',
];

describe('detector triggers', () => {
	const detectors = createBuiltInDetectors(BUILT_IN_DETECTORS, createSensitiveKeys(['*_pin']));

	it('every built-in detector has one', () => {
		expect(detectors.filter((detector) => detector.trigger === undefined).map((detector) => detector.name)).toEqual([]);
	});

	it.each(detectors.map((detector) => [detector.name, detector] as const))('%s: matches every text it reports in', (_name, detector) => {
		let reporting = 0;
		for (const text of texts) {
			let reported = false;
			detector.collect(text, () => (reported = true));
			if (!reported) continue;
			reporting++;
			expect(detector.trigger!.test(text), `trigger ${detector.trigger} misses ${JSON.stringify(text.slice(0, 120))}`).toBe(true);
		}
		expect(reporting).toBeGreaterThan(0);
	});

	it('masks the same with and without the shortcut, custom patterns and injected secrets included', () => {
		const policy: MaskPolicy = {
			detectors: ['secrets', 'pii'],
			exclude: [],
			custom: [{ name: 'ticket', pattern: /(T)-\d{5}-\1/ }],
			fields: ['*_pin'],
			strategy: 'redact',
			requests: 'record',
		};
		const masker = createMasker(policy, { sessionSalt: 'triggers', extraLiterals: [{ name: 'API_TOKEN', value: 'zz-injected-value-99' }] });
		expect(masker.maskText('ticket T-12345-T and zz-injected-value-99').text).toBe('ticket [REDACTED:ticket] and [REDACTED:API_TOKEN]');
		expect(masker.maskText('hello world, nothing here').findings).toEqual([]);
		const message = { jsonrpc: '2.0', id: 1, result: { card_pin: '4321', content: [{ type: 'text', text: 'hello' }] } };
		expect(masker.maskMessage(message)).toEqual([{ detector: 'sensitive-field', path: '$.result.card_pin', count: 1 }]);
	});

	// The masking stage skips parsing a line whose text (with no escapes) mayFindIn clears:
	// every message that would have findings must not be cleared.
	it.each([
		['the default policy', { detectors: ['secrets'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' }, 10],
		['secrets, non-ASCII fields and a custom pattern', { detectors: ['secrets'], exclude: [], custom: [{ name: 'ticket', pattern: /(T)-\d{5}-\1/ }], fields: ['*_pin', 'пароль*'], strategy: 'redact', requests: 'record' }, 10],
		// PII triggers (digits around a dot, "call") occur in nearly every envelope: little is cleared.
		['every detector', { detectors: ['secrets', 'pii'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' }, -1],
	] as [string, MaskPolicy, number][])('mayFindIn never clears a message with findings (%s)', (_name, policy, minimumCleared) => {
		const masker = createMasker(policy, { sessionSalt: 'triggers', extraLiterals: [{ name: 'API_TOKEN', value: 'zz-injected-value-99' }] });
		const extra = ['ticket T-12345-T', 'zz-injected-value-99'];
		let checked = 0;
		let cleared = 0;
		for (const text of [...texts, ...extra]) {
			for (const message of [
				{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } },
				{ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: { value: text } } },
				{ jsonrpc: '2.0', id: 3, result: { card_pin: text.slice(0, 6) } },
				{ jsonrpc: '2.0', id: 4, result: { пароль_почты: text.slice(0, 6) } },
			]) {
				const json = JSON.stringify(message);
				if (json.includes('\\')) continue;
				checked++;
				const found = masker.maskMessage(structuredClone(message)).length > 0;
				if (!masker.mayFindIn(json)) {
					cleared++;
					expect(found, `mayFindIn cleared ${json.slice(0, 160)}`).toBe(false);
				}
			}
		}
		// Enough of both kinds that the check means something.
		expect(checked).toBeGreaterThan(100);
		expect(cleared).toBeGreaterThan(minimumCleared);
	});
});
