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
			env: { ...process.env, MCPREC_BENCH_QUICK: '1', MCPREC_BENCH_ONLY: 'shortSession,journal,latency,throughput,idleRss' },
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
		// The journal's cost, both ways, and mcprec said it ran without one.
		expect(summary.journal.withoutJournalConfirmed).toBe(true);
		for (const name of ['journal', 'withoutJournal']) expect(summary.journal[name].p50Us, name).toBeGreaterThan(0);
		expect(summary.throughput.ratioToRecording).toBeGreaterThan(0);
		expect(summary.idleRss.mcprecMb).toBeGreaterThan(0);
		expect(summary.failed).toEqual(expect.any(Array));
	}, 150_000);
});

describe('npm run bench:remote (quick)', () => {
	it('runs mcprec run --url, mcp-remote (with and without --silent) and a direct SDK connection on one server, and judges the issue’s two budgets', async () => {
		const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'dist/bench/run-bench.js'), 'remote'], {
			env: { ...process.env, MCPREC_BENCH_QUICK: '1' },
			timeout: 150_000,
		});
		const summary = JSON.parse(stdout);
		expect(Object.keys(summary)).not.toContain('latency');
		const remote = summary.remote;
		for (const name of ['direct', 'mcpRemote', 'mcpRemoteSilent', 'mcprec']) {
			expect(remote[name].p50Us, name).toBeGreaterThan(0);
			expect(remote[name].p99Us, name).toBeGreaterThanOrEqual(remote[name].p50Us);
			expect(remote[name].requestsPerSecond, name).toBeGreaterThan(0);
			expect(remote[name].firstToolsListMs, name).toBeGreaterThan(0);
		}
		// "While recording": every mcprec session of the run is in its store, with its messages.
		expect(remote.mcprecSessionsRecorded.sessions).toBe(remote.repetitions);
		expect(remote.mcprecSessionsRecorded.messages).toBeGreaterThan(remote.repetitions * (remote.perSession.timed + remote.perSession.pipelined) * 2);
		for (const peer of ['versusMcpRemote', 'versusMcpRemoteSilent']) {
			expect(Object.keys(remote.verdicts[peer])).toEqual(['p50', 'throughput', 'p99', 'firstToolsList']);
			expect(typeof remote.verdicts[peer].p50.pass).toBe('boolean');
			expect(typeof remote.verdicts[peer].throughput.pass).toBe('boolean');
		}
		expect(typeof remote.pass).toBe('boolean');
	}, 180_000);
});
