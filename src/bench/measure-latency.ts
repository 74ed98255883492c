// 1. Round-trip latency of a small tools/call at steady state, after 5,000 warm-up calls
// (DESIGN §8 as the performance issue restates it): mcprec p50 ≤ 1.3× relay p50, p99 ≤ 2×
// relay p99. Short sessions have their own measure (measure-short-session.ts). Paths take turns in short rounds, in an order that rotates each
// round, so that drift on a busy machine (CPU frequency, other processes) lands on all of
// them alike. On the shared 2-core reference VM, 40 rounds left the p50 ratio ±0.1 from
// run to run; 120 bring that to a few hundredths (scripts/ab-latency.mjs, with 240, to ±0.03).
// The reference paths (bench-paths.ts) take their turns too and are reported as ratios.

import { allPaths, referencePaths, REFERENCE_NOTE, type PathName } from './bench-paths.js';
import { RpcClient } from './rpc-client.js';
import { log, quantile, round } from './stats.js';

export interface LatencyOptions {
	home: string;
	calls: number;
	warmup: number;
	rounds: number;
}

export interface PathLatency {
	p50Us: number;
	p99Us: number;
	meanUs: number;
}

export async function measureLatency(options: LatencyOptions) {
	const clients = [...allPaths(options.home), ...referencePaths(options.home)].map((path) => new RpcClient(path));
	const samples = new Map<PathName, number[]>(clients.map((client) => [client.path.name, []]));
	try {
		for (const client of clients) {
			await client.initialize();
			await sequentialCalls(client, options.warmup);
		}
		const perRound = Math.ceil(options.calls / options.rounds);
		for (let round = 0; round < options.rounds; round++) {
			const turn = round % clients.length;
			for (const client of [...clients.slice(turn), ...clients.slice(0, turn)]) samples.get(client.path.name)!.push(...(await sequentialCalls(client, perRound)));
		}
	} finally {
		await Promise.all(clients.map((client) => client.close()));
	}
	const result = Object.fromEntries([...samples].map(([name, values]) => [name, summarize(values)])) as Record<PathName, PathLatency>;
	const ratioP50 = result.mcprec.p50Us / result.relay.p50Us;
	const ratioP99 = result.mcprec.p99Us / result.relay.p99Us;
	log(`latency p50 µs: direct ${result.direct.p50Us}, relay ${result.relay.p50Us}, mcprec ${result.mcprec.p50Us}`);
	return {
		calls: options.calls,
		...result,
		ratioP50: round(ratioP50),
		ratioP99: round(ratioP99),
		references: {
			validating: { ratioP50: round(result.validating.p50Us / result.relay.p50Us), ratioP99: round(result.validating.p99Us / result.relay.p99Us) },
			recording: { ratioP50: round(result.recording.p50Us / result.relay.p50Us), ratioP99: round(result.recording.p99Us / result.relay.p99Us) },
			note: REFERENCE_NOTE,
		},
		warmup: options.warmup,
		budget: 'steady state (after the warm-up calls): mcprec p50 ≤ 1.3× relay p50 and p99 ≤ 2× relay p99',
		pass: ratioP50 <= 1.3 && ratioP99 <= 2,
	};
}

async function sequentialCalls(client: RpcClient, count: number): Promise<number[]> {
	const latencies: number[] = [];
	for (let index = 0; index < count; index++) {
		const started = process.hrtime.bigint();
		await client.call('tools/call', { name: 'echo', arguments: { text: 'hello' } });
		latencies.push(Number(process.hrtime.bigint() - started) / 1000);
	}
	return latencies;
}

function summarize(values: number[]): PathLatency {
	const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
	return { p50Us: round(quantile(values, 0.5), 1), p99Us: round(quantile(values, 0.99), 1), meanUs: round(mean, 1) };
}
