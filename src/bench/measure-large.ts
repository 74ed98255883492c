// 3. One large result through mcprec (DESIGN §3 framing, §8): the bytes arrive intact (same
// SHA-256 as the server's answer read directly) and mcprec's peak RSS stays under 3× the
// message size. Peak RSS is VmHWM of the mcprec process, read while it is still alive.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { allPaths, type PathName } from './bench-paths.js';
import { RpcClient } from './rpc-client.js';
import { elapsedMs, log, round } from './stats.js';

export interface LargeOptions {
	home: string;
	bytes: number;
}

interface LargeRun {
	sha256: string;
	lineBytes: number;
	ms: number;
	peakRssMiB: number;
}

export async function measureLarge(options: LargeOptions) {
	const runs = new Map<PathName, LargeRun>();
	for (const path of allPaths(options.home)) {
		const client = new RpcClient(path);
		try {
			await client.initialize();
			const started = process.hrtime.bigint();
			const line = await client.call('tools/call', { name: 'big', arguments: { bytes: options.bytes } });
			const ms = elapsedMs(started);
			// Answered only after mcprec has also recorded the big event, so the peak is in VmHWM.
			await client.call('ping');
			const peakRssMiB = peakRss(client.child.pid!);
			runs.set(path.name, { sha256: createHash('sha256').update(line).digest('hex'), lineBytes: line.length, ms: round(ms, 0), peakRssMiB });
			log(`large ${path.name}: ${round(line.length / 2 ** 20, 1)} MiB in ${round(ms, 0)} ms, peak RSS ${peakRssMiB} MiB`);
		} finally {
			const code = await client.close();
			if (code !== 0) log(`large ${path.name}: exited with ${code}: ${client.stderr}`);
		}
	}
	const direct = runs.get('direct')!;
	const mcprec = runs.get('mcprec')!;
	const relay = runs.get('relay')!;
	const intact = mcprec.sha256 === direct.sha256 && mcprec.lineBytes === direct.lineBytes;
	const limitMiB = (3 * options.bytes) / 2 ** 20;
	return {
		resultBytes: options.bytes,
		lineBytes: direct.lineBytes,
		sha256: direct.sha256,
		intact,
		relayIntact: relay.sha256 === direct.sha256,
		ms: { direct: direct.ms, relay: relay.ms, mcprec: mcprec.ms },
		peakRssMiB: { relay: relay.peakRssMiB, mcprec: mcprec.peakRssMiB },
		ratio: round((mcprec.peakRssMiB * 2 ** 20) / options.bytes),
		budget: `delivered intact and mcprec peak RSS < 3× ${options.bytes / 2 ** 20} MiB (${limitMiB} MiB)`,
		pass: intact && mcprec.peakRssMiB < limitMiB,
	};
}

function peakRss(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
	if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
	return round(Number(match[1]) / 1024, 1);
}
