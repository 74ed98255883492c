// `npm run bench` itself (DESIGN §8), shrunk (MCPREC_BENCH_QUICK): it must run every path,
// including the reference relays, and print one JSON summary. Its numbers are not checked
// here; budgets are judged by the full bench, never by timing asserts in tests.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('npm run bench (quick)', () => {
	it('measures short sessions, latency, throughput and idle memory through every path and prints one JSON summary', async () => {
		const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'dist/bench/run-bench.js')], {
			env: { ...process.env, MCPREC_BENCH_QUICK: '1', MCPREC_BENCH_ONLY: 'shortSession,latency,throughput,idleRss' },
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
		// The headline: short sessions in fresh processes, with a verdict per budget row.
		for (const name of ['relay', 'recording', 'mcprec']) {
			expect(summary.shortSession[name].p50Us, name).toBeGreaterThan(0);
			expect(summary.shortSession[name].requestsPerSecond, name).toBeGreaterThan(0);
		}
		expect(Object.keys(summary.shortSession.verdicts)).toEqual(['p50', 'p99', 'throughput']);
		expect(summary.throughput.ratioToRecording).toBeGreaterThan(0);
		expect(summary.idleRss.mcprecMb).toBeGreaterThan(0);
		expect(summary.failed).toEqual(expect.any(Array));
	}, 150_000);
});
