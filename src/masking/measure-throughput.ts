// Masking throughput for the bench (DESIGN §8: at least 50 MB/s with the default
// detectors). Builds ~20 MB of tool output from the masking corpus and masks it, wrapped
// in tools/call results, with the default policy. By bytes the output is about 80%
// realistic samples (source, logs, JSON API responses, listings, manifests), 15%
// look-alikes (hashes, ids, versions, placeholders: dense with near misses) and 5% planted
// secrets, in results of 2–64 KB. Time is the CPU time of the masking loop, best of five
// runs after a warm-up, so other work on a busy machine does not count against it. The
// only I/O of the masking folder: it reads the corpus fixture.

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

export function measureMaskingThroughput(options: { targetBytes?: number; runs?: number } = {}): { mbPerSecond: number; bytes: number } {
	const texts = buildToolOutput(options.targetBytes ?? TARGET_BYTES);
	const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
	const masker = createMasker(DEFAULT_MASK_POLICY, { sessionSalt: 'bench' });
	// Warm-up: lets V8 optimise the detectors and tier up the regular expressions.
	for (const text of texts.slice(0, Math.ceil(texts.length / 5))) masker.maskMessage(toolResult(text));
	let best = Infinity;
	for (let run = 0; run < (options.runs ?? 5); run++) {
		const messages = texts.map(toolResult);
		const before = process.cpuUsage();
		for (const message of messages) masker.maskMessage(message);
		const used = process.cpuUsage(before);
		best = Math.min(best, (used.user + used.system) / 1e6);
	}
	return { mbPerSecond: Math.round(bytes / 1e6 / best), bytes };
}

/** Tool result texts totalling about targetBytes, cut from the corpus in a fixed pseudo-random order. */
export function buildToolOutput(targetBytes: number): string[] {
	const corpus = JSON.parse(readFileSync(fileURLToPath(CORPUS_URL), 'utf8')) as Corpus;
	const pools = [
		{ share: 0.8, texts: corpus.samples.map((entry) => entry.text) },
		{ share: 0.15, texts: corpus.lookalikes.map((entry) => entry.text) },
		{ share: 0.05, texts: corpus.planted.map((entry) => entry.text) },
	];
	const random = createRandom(0x2545f491);
	const texts: string[] = [];
	const written = pools.map(() => 0);
	let total = 0;
	while (total < targetBytes) {
		const size = 2048 << random(6); // 2 KB … 64 KB
		const parts: string[] = [];
		let length = 0;
		while (length < size) {
			// Draw from the pool furthest behind its share, so the mix holds by bytes.
			let pool = 0;
			for (let index = 1; index < pools.length; index++) {
				if (written[index] / pools[index].share < written[pool] / pools[pool].share) pool = index;
			}
			const part = pools[pool].texts[random(pools[pool].texts.length)];
			parts.push(part);
			length += part.length + 1;
			written[pool] += part.length + 1;
		}
		const text = parts.join('\n');
		texts.push(text);
		total += text.length;
	}
	return texts;
}

// xorshift32: small, seeded, and without the short low-bit cycles of a plain LCG.
function createRandom(seed: number): (limit: number) => number {
	let state = seed;
	return (limit) => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) % limit;
	};
}

function toolResult(text: string) {
	return { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }], isError: false } };
}
