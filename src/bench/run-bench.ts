// `npm run bench`: the performance budgets of DESIGN §8, measured in one run on this
// machine. Progress goes to stderr, one JSON summary to stdout. A failed budget is reported,
// not fatal: the exit status is 0 unless the bench itself broke.
// MCPREC_BENCH_QUICK=1 shrinks every measure for a quick look while developing.
// Measures named as arguments (`node dist/bench/run-bench.js remote`, which is `npm run
// bench:remote`) or in MCPREC_BENCH_ONLY run alone.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_ENVIRONMENT_NOTE, removedVariables } from './bench-paths.js';
import { measureConcurrentRecording } from './measure-concurrent-recording.js';
import { measureLarge } from './measure-large.js';
import { measureLatency } from './measure-latency.js';
import { measureRemote } from './measure-remote.js';
import { measureIdleRss } from './measure-idle-rss.js';
import { measureJournalCost } from './measure-journal-cost.js';
import { measureShortSession } from './measure-short-session.js';
import { measureStartup } from './measure-startup.js';
import { measureThroughput } from './measure-throughput.js';
import { measureDetectorCostPerFormat } from '../masking/measure-detector-cost.js';
import { measureMaskingThroughput } from '../masking/measure-throughput.js';
import { elapsedMs, log, round } from './stats.js';

const quick = process.env.MCPREC_BENCH_QUICK === '1';
const named = process.argv.slice(2);
const only = named.length > 0 ? named : process.env.MCPREC_BENCH_ONLY?.split(',');

const MEASURES = {
	// The headline: short sessions in fresh processes, as people run them.
	shortSession: (home: string) => measureShortSession({ home, repetitions: quick ? 3 : 6, warmup: 50, timed: quick ? 100 : 300, pipelined: quick ? 500 : 3000 }),
	// The write-ahead journal's cost: the same short sessions with it and without it.
	journal: (home: string) => measureJournalCost({ home, repetitions: quick ? 2 : 6, warmup: 50, timed: quick ? 100 : 300, pipelined: quick ? 500 : 3000 }),
	// Steady state: after 5,000 calls, when V8 has optimised the hot path.
	latency: (home: string) => measureLatency({ home, calls: quick ? 400 : 12000, warmup: quick ? 50 : 5000, rounds: quick ? 4 : 120 }),
	throughput: (home: string) => measureThroughput({ home, messages: quick ? 20_000 : 100_000, runs: 2 }),
	large: (home: string) => measureLarge({ home, bytes: (quick ? 8 : 64) * 2 ** 20 }),
	startup: (home: string) => measureStartup({ home, runs: quick ? 4 : 20 }),
	idleRss: (home: string) => measureIdleRss({ home, runs: quick ? 1 : 3, idleMs: quick ? 500 : 2000 }),
	recording: (home: string) => measureConcurrentRecording({ home, sessions: 8, requestsPerSession: quick ? 1000 : 10_000 }),
	// Collector ingest with 16 concurrent sync clients, and session-list latency with 100k sessions
	// stored, on SQLite and a throwaway PostgreSQL (needs the postgresql package). The slowest measure.
	collector: async () => {
		const { measureIngest } = await import('../server/measure-ingest.js');
		return measureIngest({ clients: 16, listSessions: quick ? 5_000 : 100_000, log });
	},
	// run --url against mcp-remote and a direct SDK connection, on one local Streamable HTTP server.
	remote: (home: string) =>
		measureRemote({
			home,
			repetitions: quick ? 4 : 12,
			warmup: 50,
			timed: quick ? 100 : 300,
			pipelined: quick ? 200 : 1000,
			responses: process.env.MCPREC_BENCH_REMOTE_RESPONSES === 'json' ? 'json' : 'sse',
		}),
	masking: async () => {
		const { mbPerSecond, bytes } = measureMaskingThroughput({ targetBytes: quick ? 5e6 : 20e6 });
		// Not part of the budget: where the time goes, per format of the document corpus, with every detector on.
		const perFormat = measureDetectorCostPerFormat({ bytesPerFormat: quick ? 128 * 1024 : 256 * 1024 });
		return {
			mbPerSecond,
			bytes,
			detectors: 'default (secrets)',
			note: 'CPU time of the best of 5 runs',
			budget: '≥ 50 MB/s',
			pass: mbPerSecond >= 50,
			perFormat: { detectors: 'secrets and pii', costliest: 'µs per 100 KB of the format, the three costliest detectors', formats: perFormat },
		};
	},
};

async function runBench(): Promise<void> {
	const started = process.hrtime.bigint();
	const summary: Record<string, unknown> = {
		node: process.version,
		cpus: os.cpus().length,
		quick,
		// Every spawned path (direct, relay, mcprec) runs without these; see bench-paths.ts.
		environment: { unset: removedVariables(), note: BENCH_ENVIRONMENT_NOTE },
	};
	const failed: string[] = [];
	for (const [name, measure] of Object.entries(MEASURES)) {
		if (only && !only.includes(name)) continue;
		// Each measure gets its own store, so one measure's database never slows another.
		const home = mkdtempSync(path.join(os.tmpdir(), `mcprec-bench-${name}-`));
		log(`${name}…`);
		try {
			const result = await measure(home);
			summary[name] = result;
			if (!result.pass) failed.push(name);
		} catch (error) {
			summary[name] = { error: (error as Error).message, pass: false };
			failed.push(name);
			log(`${name} broke: ${(error as Error).stack}`);
		} finally {
			rmSync(home, { recursive: true, force: true });
		}
	}
	summary.failed = failed;
	summary.totalSeconds = round(elapsedMs(started) / 1000, 1);
	process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`); // stdout-ok: the bench's JSON summary
	log(failed.length === 0 ? 'every budget passes' : `budgets failed: ${failed.join(', ')}`);
}

await runBench();
