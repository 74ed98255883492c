// Recall and precision of the masker over fixtures/masking-corpus/corpus.json: planted
// secrets and PII in realistic tool output must disappear; look-alikes (hashes, ids,
// versions, placeholders, public keys) and realistic samples must come through untouched.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../../src/masking/create-masker.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';
import { leaks } from './score-documents.js';

interface Corpus {
	planted: { detector: string; context: string; text: string; secrets: string[] }[];
	lookalikes: { note: string; text: string }[];
	samples: { note: string; text: string }[];
}

const corpus = JSON.parse(readFileSync(new URL('../../../fixtures/masking-corpus/corpus.json', import.meta.url), 'utf8')) as Corpus;
const policy: MaskPolicy = { detectors: ['secrets', 'pii'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' };
const masker = createMasker(policy, { sessionSalt: 'corpus' });

const occurrences = (text: string, value: string) => text.split(value).length - 1;
const maskCount = (findings: { count: number }[]) => findings.reduce((sum, finding) => sum + finding.count, 0);

describe('masking corpus', () => {
	it('is big enough to mean something', () => {
		expect(corpus.planted.flatMap((entry) => entry.secrets).length).toBeGreaterThanOrEqual(80);
		expect(corpus.lookalikes.length).toBeGreaterThanOrEqual(80);
	});

	it('masks ≥ 98% of planted secrets (recall) with ≥ 98% of masks on real secrets (precision)', () => {
		let planted = 0;
		let caught = 0;
		let truePositives = 0;
		let falsePositives = 0;
		const missed: string[] = [];
		const falseAlarms: string[] = [];
		for (const entry of corpus.planted) {
			const { text, findings } = masker.maskText(entry.text);
			let removed = 0;
			for (const secret of entry.secrets) {
				planted++;
				if (leaks(secret, entry.text, text)) missed.push(`${entry.detector} in ${entry.context}`);
				else {
					caught++;
					removed += occurrences(entry.text, secret);
				}
			}
			const masks = maskCount(findings);
			truePositives += Math.min(masks, removed);
			if (masks > removed) {
				falsePositives += masks - removed;
				falseAlarms.push(`extra mask in planted '${entry.context}': ${text}`);
			}
		}
		for (const entry of corpus.lookalikes) {
			const { text, findings } = masker.maskText(entry.text);
			if (text !== entry.text) {
				falsePositives += Math.max(1, maskCount(findings));
				falseAlarms.push(`look-alike '${entry.note}' altered: ${text}`);
			}
		}
		const recall = caught / planted;
		const precision = truePositives / (truePositives + falsePositives);
		console.log(
			`masking corpus: recall ${recall.toFixed(4)} (${caught}/${planted}), precision ${precision.toFixed(4)} (${truePositives}/${truePositives + falsePositives})` +
				[...missed.map((line) => `\n  missed: ${line}`), ...falseAlarms.map((line) => `\n  ${line}`)].join(''),
		);
		expect(recall).toBeGreaterThanOrEqual(0.98);
		expect(precision).toBeGreaterThanOrEqual(0.98);
	});

	it.each(corpus.planted.map((entry) => [entry.context, entry] as const))('names the detector for %s', (_context, entry) => {
		const { findings } = masker.maskText(entry.text);
		expect(findings.map((finding) => finding.detector)).toContain(entry.detector);
	});

	it.each(corpus.samples.map((entry) => [entry.note, entry] as const))('leaves the realistic sample "%s" untouched', (_note, entry) => {
		expect(masker.maskText(entry.text)).toEqual({ text: entry.text, findings: [] });
	});

	it('keeps every planted secret out of the findings', () => {
		for (const entry of corpus.planted) {
			const serialized = JSON.stringify(masker.maskText(entry.text).findings);
			for (const secret of entry.secrets) expect(serialized).not.toContain(secret);
		}
	});
});
