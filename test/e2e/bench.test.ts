// `npm run bench` itself (DESIGN §8), shrunk (MCPREC_BENCH_QUICK): it must run every path,
// including the reference relays, and print one JSON summary. Its numbers are not checked
// here; budgets are judged by the full bench, never by timing asserts in tests.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('npm run bench (quick)', () => {
	it('measures latency and throughput through every path and prints one JSON summary', async () => {
		const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'dist/bench/run-bench.js')], {
			env: { ...process.env, MCPREC_BENCH_QUICK: '1', MCPREC_BENCH_ONLY: 'latency,throughput' },
			timeout: 120_000,
		});
		const summary = JSON.parse(stdout);
		expect(summary.quick).toBe(true);
		for (const name of ['direct', 'relay', 'mcprec', 'validating', 'recording']) {
			expect(summary.latency[name].p50Us, name).toBeGreaterThan(0);
			expect(summary.throughput[name].requestsPerSecond, name).toBeGreaterThan(0);
		}
		expect(summary.latency.references.recording.ratioP50).toBeGreaterThan(0);
		expect(summary.throughput.references.validating).toBeGreaterThan(0);
		expect(typeof summary.latency.pass).toBe('boolean');
		expect(summary.failed).toEqual(expect.any(Array));
	}, 150_000);
});
