// Detector cost per document format, for the bench: each format of the generated document
// corpus (fixtures/masking-corpus/documents.json) is masked as a tools/call result with
// every built-in detector (secrets and pii), and each detector's own scan is timed on it.
// Shows which detector a format makes expensive (a log full of dotted numbers for ipv4, a
// CSV of digit runs for credit-card). CPU time, best of a few runs.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMasker } from './create-masker.js';
import { BUILT_IN_DETECTORS, createBuiltInDetectors } from './detectors/catalog.js';
import { narrow } from './mask-text.js';
import { createSensitiveKeys } from './sensitive-keys.js';

const DOCUMENTS_URL = new URL('../../fixtures/masking-corpus/documents.json', import.meta.url);

export interface FormatCost {
	/** Masking the format with every built-in detector, as the product does it. */
	mbPerSecond: number;
	/** The detectors that take most of the time, in microseconds per 100 KB of the format. */
	costliest: Record<string, number>;
}

export function measureDetectorCostPerFormat(options: { bytesPerFormat?: number; runs?: number } = {}): Record<string, FormatCost> {
	const documents = JSON.parse(readFileSync(fileURLToPath(DOCUMENTS_URL), 'utf8')).documents as { format: string; text: string }[];
	const bytesPerFormat = options.bytesPerFormat ?? 256 * 1024;
	const runs = options.runs ?? 3;
	const keys = createSensitiveKeys([]);
	const masker = createMasker({ detectors: ['secrets', 'pii'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' }, { sessionSalt: 'bench' });
	// One detector object per name; the key/value detectors come as one scan per name here.
	const detectors = BUILT_IN_DETECTORS.map((name) => ({ name, detector: createBuiltInDetectors([name], keys)[0] }));
	const formats = [...new Set(documents.map((document) => document.format))];
	const textsOf = new Map(formats.map((format) => [format, repeatToSize(documents.filter((document) => document.format === format).map((document) => document.text), bytesPerFormat)]));
	// Warm-up over every format first, so that the first format does not pay for V8
	// optimising the detectors and tiering up their regular expressions.
	for (let round = 0; round < 3; round++) {
		for (const texts of textsOf.values()) {
			for (const text of texts) {
				masker.maskMessage({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } });
				for (const { detector } of detectors) detector.collect(narrow(text), () => {});
			}
		}
	}
	const result: Record<string, FormatCost> = {};
	for (const format of formats) {
		const texts = textsOf.get(format) ?? [];
		const bytes = texts.reduce((sum, text) => sum + text.length, 0);
		const masking = bestCpuSeconds(runs, () => {
			for (const text of texts) masker.maskMessage({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } });
		});
		const narrowed = texts.map(narrow);
		const costs = detectors.map(({ name, detector }) => {
			const seconds = bestCpuSeconds(runs, () => {
				for (const text of narrowed) detector.collect(text, () => {});
			});
			return [name, Math.round((seconds * 1e6 * 100 * 1024) / bytes)] as const;
		});
		costs.sort((a, b) => b[1] - a[1]);
		result[format] = { mbPerSecond: Math.round(bytes / 1e5 / masking) / 10, costliest: Object.fromEntries(costs.slice(0, 3)) };
	}
	return result;
}

// The format's documents, repeated in order until they reach `bytes`.
function repeatToSize(texts: string[], bytes: number): string[] {
	const repeated: string[] = [];
	let total = 0;
	while (total < bytes) {
		for (const text of texts) {
			repeated.push(text);
			total += text.length;
		}
	}
	return repeated;
}

function bestCpuSeconds(runs: number, work: () => void): number {
	work();
	let best = Infinity;
	for (let run = 0; run < runs; run++) {
		const before = process.cpuUsage();
		work();
		const used = process.cpuUsage(before);
		best = Math.min(best, (used.user + used.system) / 1e6);
	}
	return Math.max(best, 1e-6);
}
