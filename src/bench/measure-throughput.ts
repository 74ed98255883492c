// 2. Throughput of many small messages (DESIGN §8): all requests written at once (pipelined),
// clock stopped when the last answer arrives; mcprec ≥ 1.0× the recording reference (the
// performance issue moved the yardstick: on two cores no recorder reaches 0.8× the bare
// relay, and checking, policy and masking should cost nothing beyond recording). Each path runs
// `runs` times and keeps its best run, so one unlucky scheduling slice does not decide.
// The reference paths (bench-paths.ts) run alongside and are reported as ratios to the relay.

import { allPaths, referencePaths, REFERENCE_NOTE, type PathName } from './bench-paths.js';
import { echoRequests, RpcClient } from './rpc-client.js';
import { elapsedMs, log, round } from './stats.js';

export interface ThroughputOptions {
	home: string;
	messages: number;
	runs: number;
}

export async function measureThroughput(options: ThroughputOptions) {
	const requests = echoRequests({ first: 2, count: options.messages });
	const best = new Map<PathName, number>();
	for (let run = 0; run < options.runs; run++) {
		for (const path of [...allPaths(options.home), ...referencePaths(options.home)]) {
			const client = new RpcClient(path);
			await client.initialize();
			const started = process.hrtime.bigint();
			await client.stream(requests, options.messages);
			const ms = elapsedMs(started);
			const closeStarted = process.hrtime.bigint();
			const code = await client.close();
			if (code !== 0) throw new Error(`${path.name} exited with ${code} after the throughput run: ${client.stderr}`);
			const perSecond = options.messages / (ms / 1000);
			log(`throughput ${path.name} run ${run + 1}: ${Math.round(perSecond)} requests/s (${round(ms, 0)} ms, exit after ${round(elapsedMs(closeStarted), 0)} ms)`);
			best.set(path.name, Math.max(best.get(path.name) ?? 0, perSecond));
		}
	}
	const perPath = Object.fromEntries([...best].map(([name, value]) => [name, { requestsPerSecond: Math.round(value) }])) as Record<
		PathName,
		{ requestsPerSecond: number }
	>;
	const relay = best.get('relay')!;
	const ratio = best.get('mcprec')! / relay;
	const toRecording = best.get('mcprec')! / best.get('recording')!;
	return {
		requests: options.messages,
		note: 'each request and its answer are two messages through the path',
		...perPath,
		ratio: round(ratio),
		ratioToRecording: round(toRecording),
		references: { validating: round(best.get('validating')! / relay), recording: round(best.get('recording')! / relay), note: REFERENCE_NOTE },
		budget: 'mcprec ≥ 1.0× the recording reference',
		pass: toRecording >= 1,
	};
}
