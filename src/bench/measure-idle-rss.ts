// 5. Idle memory (DESIGN §8 as the performance issue restates it): the resident set of the
// `mcprec run` process itself, not its server's, once a session is under way and quiet
// (initialize, tools/list, a few calls, then 2 s of nothing). The relay's is shown beside it:
// what any Node process in front of the server costs. Read from /proc (Linux).

import fs from 'node:fs';
import { mcprecPath, relayPath, type BenchPath } from './bench-paths.js';
import { RpcClient } from './rpc-client.js';
import { log, median, round } from './stats.js';

const BUDGET_MB = 60;

export async function measureIdleRss(options: { home: string; runs: number; idleMs: number }) {
	if (!fs.existsSync('/proc/self/status')) return { note: 'not measured: no /proc on this system', budget: `≤ ${BUDGET_MB} MB`, pass: true };
	const samples: Record<'relay' | 'mcprec', number[]> = { relay: [], mcprec: [] };
	for (let run = 0; run < options.runs; run++) {
		samples.relay.push(await idleRss(relayPath(), options.idleMs));
		samples.mcprec.push(await idleRss(mcprecPath({ home: options.home }), options.idleMs));
	}
	const relayMb = median(samples.relay);
	const mcprecMb = median(samples.mcprec);
	log(`idle RSS: relay ${round(relayMb, 1)} MB, mcprec ${round(mcprecMb, 1)} MB`);
	return {
		runs: options.runs,
		relayMb: round(relayMb, 1),
		mcprecMb: round(mcprecMb, 1),
		budget: `mcprec ≤ ${BUDGET_MB} MB`,
		pass: mcprecMb <= BUDGET_MB,
	};
}

async function idleRss(path: BenchPath, idleMs: number): Promise<number> {
	const client = new RpcClient(path);
	try {
		await client.initialize();
		await client.call('tools/list');
		for (let call = 0; call < 20; call++) await client.call('tools/call', { name: 'echo', arguments: { text: 'hello' } });
		await new Promise((resolve) => setTimeout(resolve, idleMs));
		const status = fs.readFileSync(`/proc/${client.child.pid}/status`, 'utf8');
		const kilobytes = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
		if (!Number.isFinite(kilobytes)) throw new Error(`no VmRSS for ${path.name} (pid ${client.child.pid})`);
		return kilobytes / 1024;
	} finally {
		await client.close();
	}
}
