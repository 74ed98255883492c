// 0. The headline (DESIGN §8 as the performance issue restates it): the sessions people run
// are short, and most of their calls fall before V8 has optimised mcprec. Each repetition
// starts fresh processes of the bare relay, the recording reference and mcprec, one after
// the other in an order that rotates (three orders), and in each: initialize, 50 warm-up
// calls, 300 timed round trips, then 3,000 pipelined calls timed to the last answer.
// Budgets: round trip p50 ≤ 1.5× and p99 ≤ 2× the relay's; throughput ≥ 1.0× the recording
// reference's (hash chain, classification, policy and masking cost nothing beyond recording).

import { mcprecPath, referencePaths, relayPath, type BenchPath } from './bench-paths.js';
import { echoRequests, RpcClient } from './rpc-client.js';
import { elapsedMs, log, median, quantile, round } from './stats.js';

export interface ShortSessionOptions {
	home: string;
	repetitions: number;
	warmup: number;
	timed: number;
	pipelined: number;
}

type Name = 'relay' | 'recording' | 'mcprec';

export async function measureShortSession(options: ShortSessionOptions) {
	const paths: Record<Name, BenchPath> = {
		relay: relayPath(),
		recording: referencePaths(options.home).find((path) => path.name === 'recording')!,
		mcprec: mcprecPath({ home: options.home }),
	};
	const summary = await shortSessions(paths, options);
	const result = { relay: summary('relay'), recording: summary('recording'), mcprec: summary('mcprec') };
	const ratioP50 = result.mcprec.p50Us / result.relay.p50Us;
	const ratioP99 = result.mcprec.p99Us / result.relay.p99Us;
	const throughputRatio = result.mcprec.requestsPerSecond / result.recording.requestsPerSecond;
	log(`short sessions: p50 µs relay ${result.relay.p50Us}, recording ${result.recording.p50Us}, mcprec ${result.mcprec.p50Us}; pipelined/s recording ${result.recording.requestsPerSecond}, mcprec ${result.mcprec.requestsPerSecond}`);
	const verdicts = {
		p50: { value: round(ratioP50), budget: '≤ 1.5× relay', pass: ratioP50 <= 1.5 },
		p99: { value: round(ratioP99), budget: '≤ 2× relay', pass: ratioP99 <= 2 },
		throughput: { value: round(throughputRatio), budget: '≥ 1.0× recording reference', pass: throughputRatio >= 1 },
	};
	return {
		repetitions: options.repetitions,
		perSession: { warmup: options.warmup, timed: options.timed, pipelined: options.pipelined },
		...result,
		verdicts,
		budget: 'fresh processes, 50 warm-up + 300 timed calls: p50 ≤ 1.5× and p99 ≤ 2× relay; 3,000 pipelined calls ≥ 1.0× the recording reference',
		pass: verdicts.p50.pass && verdicts.p99.pass && verdicts.throughput.pass,
	};
}

export interface ShortSessionSummary {
	p50Us: number;
	p99Us: number;
	requestsPerSecond: number;
}

/**
 * Short sessions through each path, in fresh processes and rotating order: initialize,
 * warm-up calls, timed round trips, then pipelined calls timed to the last answer.
 */
export async function shortSessions<N extends string>(paths: Record<N, BenchPath>, options: Omit<ShortSessionOptions, 'home'>): Promise<(name: N) => ShortSessionSummary> {
	const order = Object.keys(paths) as N[];
	const latencies = Object.fromEntries(order.map((name) => [name, [] as number[]])) as Record<N, number[]>;
	const throughputs = Object.fromEntries(order.map((name) => [name, [] as number[]])) as Record<N, number[]>;
	// Ids of the pipelined calls start past the sequential ones.
	const requests = echoRequests({ first: 1_000_000, count: options.pipelined });
	for (let repetition = 0; repetition < options.repetitions; repetition++) {
		const turn = repetition % order.length;
		for (const name of [...order.slice(turn), ...order.slice(0, turn)]) {
			const client = new RpcClient(paths[name]);
			try {
				await client.initialize();
				for (let call = 0; call < options.warmup; call++) await echo(client);
				for (let call = 0; call < options.timed; call++) latencies[name].push(await echo(client));
				const started = process.hrtime.bigint();
				await client.stream(requests, options.pipelined);
				throughputs[name].push(options.pipelined / (elapsedMs(started) / 1000));
			} finally {
				const code = await client.close();
				if (code !== 0) throw new Error(`${name} exited with ${code} after a short session: ${client.stderr}`);
			}
		}
	}
	return (name) => ({
		p50Us: round(quantile(latencies[name], 0.5), 1),
		p99Us: round(quantile(latencies[name], 0.99), 1),
		requestsPerSecond: Math.round(median(throughputs[name])),
	});
}

async function echo(client: RpcClient): Promise<number> {
	const started = process.hrtime.bigint();
	await client.call('tools/call', { name: 'echo', arguments: { text: 'hello' } });
	return Number(process.hrtime.bigint() - started) / 1000;
}
