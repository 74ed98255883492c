// 4. Startup (DESIGN §8): time from spawn to `initialize` answered, direct vs mcprec, median
// of several runs taken in turns; mcprec within direct + 100 ms. The relay is timed too: it
// shows what booting any Node process in front of the server costs on this machine.
// All three run without NODE_EXTRA_CA_CERTS (bench-paths.ts): it costs every Node process
// ~130 ms at boot, which would hide what mcprec itself costs.

import { directPath, mcprecPath, relayPath, type BenchPath } from './bench-paths.js';
import { RpcClient } from './rpc-client.js';
import { elapsedMs, log, median, round } from './stats.js';

export interface StartupOptions {
	home: string;
	runs: number;
}

export async function measureStartup(options: StartupOptions) {
	const paths = [directPath(), relayPath(), mcprecPath({ home: options.home })];
	const samples: Record<string, number[]> = { direct: [], relay: [], mcprec: [] };
	// One untimed run each: the first open of the store creates it and warms the page cache.
	for (const path of paths) await timeToInitialize(path);
	for (let run = 0; run < options.runs; run++) {
		for (const path of paths) samples[path.name].push(await timeToInitialize(path));
	}
	const direct = median(samples.direct);
	const relay = median(samples.relay);
	const mcprec = median(samples.mcprec);
	log(`startup median: direct ${round(direct, 1)} ms, relay ${round(relay, 1)} ms, mcprec ${round(mcprec, 1)} ms`);
	return {
		runs: options.runs,
		directMs: round(direct, 1),
		relayMs: round(relay, 1),
		mcprecMs: round(mcprec, 1),
		overheadMs: round(mcprec - direct, 1),
		budget: 'mcprec ≤ direct + 100 ms',
		note: 'NODE_EXTRA_CA_CERTS unset for all three paths (see environment)',
		pass: mcprec <= direct + 100,
	};
}

async function timeToInitialize(path: BenchPath): Promise<number> {
	const started = process.hrtime.bigint();
	const client = new RpcClient(path);
	await client.initialize();
	const ms = elapsedMs(started);
	const code = await client.close();
	if (code !== 0) throw new Error(`${path.name} exited with ${code} after initialize: ${client.stderr}`);
	return ms;
}
