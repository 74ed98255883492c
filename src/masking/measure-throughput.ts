// Masking throughput for the bench (DESIGN §8: at least 50 MB/s with the default
// detectors). Builds ~20 MB of tool output from the masking corpus — mostly realistic
// samples and look-alikes, about one chunk in twenty carrying a planted secret — wraps it
// in tools/call results and masks it with the default policy. The only I/O of the
// masking folder: it reads the corpus fixture.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMasker } from './create-masker.js';
import { DEFAULT_MASK_POLICY } from './default-mask-policy.js';

interface Corpus {
	planted: { text: string }[];
	lookalikes: { text: string }[];
	samples: { text: string }[];
}

// src/masking and dist/masking both sit two levels below the package root.
const CORPUS_URL = new URL('../../fixtures/masking-corpus/corpus.json', import.meta.url);
const TARGET_BYTES = 20 * 1024 * 1024;
const MESSAGE_BYTES = 32 * 1024;

export function measureMaskingThroughput(options: { targetBytes?: number; runs?: number } = {}): { mbPerSecond: number; bytes: number } {
	const texts = buildToolOutput(options.targetBytes ?? TARGET_BYTES);
	const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
	const masker = createMasker(DEFAULT_MASK_POLICY, { sessionSalt: 'bench' });
	// Warm-up so the regexes are compiled and optimised before the clock starts.
	for (const text of texts.slice(0, 50)) masker.maskMessage(toolResult(text));
	let best = Infinity;
	for (let run = 0; run < (options.runs ?? 3); run++) {
		const messages = texts.map(toolResult);
		const started = process.hrtime.bigint();
		for (const message of messages) masker.maskMessage(message);
		best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
	}
	return { mbPerSecond: Math.round((bytes / 1e6 / best) * 10) / 10, bytes };
}

/** Text blocks of about MESSAGE_BYTES each, cut from the corpus in a fixed pseudo-random order. */
export function buildToolOutput(targetBytes: number): string[] {
	const corpus = JSON.parse(readFileSync(fileURLToPath(CORPUS_URL), 'utf8')) as Corpus;
	const clean = [...corpus.samples, ...corpus.lookalikes].map((entry) => entry.text);
	const planted = corpus.planted.map((entry) => entry.text);
	let state = 42;
	const next = (limit: number) => {
		state = (Math.imul(state, 1103515245) + 12345) >>> 0;
		return state % limit;
	};
	const texts: string[] = [];
	let total = 0;
	while (total < targetBytes) {
		const parts: string[] = [];
		let size = 0;
		while (size < MESSAGE_BYTES) {
			const part = next(20) === 0 ? planted[next(planted.length)] : clean[next(clean.length)];
			parts.push(part);
			size += part.length + 1;
		}
		const text = parts.join('\n');
		texts.push(text);
		total += text.length;
	}
	return texts;
}

function toolResult(text: string) {
	return { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }], isError: false } };
}
