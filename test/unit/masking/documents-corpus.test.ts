// Recall and precision of the masker over whole documents in the formats servers return
// (fixtures/masking-corpus/generate-documents.mjs), per format and per detector. Every
// planted value must go, every look-alike must stay: below 0.98 on any format or any
// detector fails the build. The table printed here is the one in the README.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types (it runs under node alone to write documents.json)
import { generateDocuments } from '../../../fixtures/masking-corpus/generate-documents.mjs';
import { createMasker } from '../../../src/masking/create-masker.js';
import { BUILT_IN_DETECTORS } from '../../../src/masking/detectors/catalog.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';
import { type CorpusDocument, formatScoreTable, precision, recall, scoreDocuments } from './score-documents.js';

const generated = generateDocuments() as { documents: CorpusDocument[] };
const documents = generated.documents;
const policy: MaskPolicy = { detectors: ['secrets', 'pii'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' };
const THRESHOLD = 0.98;

describe('document corpus', () => {
	it('is what the generator writes (regenerate with: node fixtures/masking-corpus/generate-documents.mjs > fixtures/masking-corpus/documents.json)', () => {
		const stored = JSON.parse(readFileSync(new URL('../../../fixtures/masking-corpus/documents.json', import.meta.url), 'utf8'));
		expect(stored).toEqual(JSON.parse(JSON.stringify(generated)));
	});

	it('is big and varied enough to mean something', () => {
		const planted = documents.flatMap((document) => document.planted);
		const lookalikes = documents.flatMap((document) => document.lookalikes);
		expect(new Set(documents.map((document) => document.format)).size).toBeGreaterThanOrEqual(20);
		expect(planted.length).toBeGreaterThanOrEqual(300);
		expect(lookalikes.length).toBeGreaterThanOrEqual(planted.length);
	});

	it('plants values for every built-in detector (a new detector comes with its planted values)', () => {
		const planted = new Set(documents.flatMap((document) => document.planted.map((entry) => entry.detector)));
		expect(BUILT_IN_DETECTORS.filter((name) => !planted.has(name))).toEqual([]);
	});

	it(`masks ≥ ${THRESHOLD} of planted values and keeps ≥ ${THRESHOLD} of masks on them, per format and per detector`, () => {
		const masker = createMasker(policy, { sessionSalt: 'documents' });
		const score = scoreDocuments(masker, documents);
		const table = formatScoreTable(score);
		console.log(`${table}\n${[...score.misses.map((line) => `missed: ${line}`), ...score.falseAlarms.map((line) => `false alarm: ${line}`)].join('\n')}`);
		const below = [...[...score.byFormat].map(([name, tally]) => [`format ${name}`, tally] as const), ...[...score.byDetector].map(([name, tally]) => [`detector ${name}`, tally] as const)]
			.filter(([, tally]) => recall(tally) < THRESHOLD || precision(tally) < THRESHOLD)
			.map(([name, tally]) => `${name}: recall ${recall(tally).toFixed(3)}, precision ${precision(tally).toFixed(3)}`);
		expect(below).toEqual([]);
	});
});
