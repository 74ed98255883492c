// The three ways the bench client reaches the fixture server (DESIGN §8): directly, through
// the bare line relay (the floor for any Node interposer), and through `mcprec run`.

import { fileURLToPath } from 'node:url';
import path from 'node:path';

export type PathName = 'direct' | 'relay' | 'mcprec';

/** A command that, once spawned, speaks MCP on its stdio. */
export interface BenchPath {
	name: PathName;
	command: string;
	args: string[];
	env: NodeJS.ProcessEnv;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const benchServerScript = path.join(repoRoot, 'fixtures', 'bench-server.mjs');
const bareRelayScript = path.join(repoRoot, 'fixtures', 'bare-relay.mjs');
const mcprecLauncher = path.join(repoRoot, 'bin', 'mcprec.js');

const serverCommand = [process.execPath, benchServerScript];

// Every Node process reads NODE_EXTRA_CA_CERTS when it boots: with a system bundle that
// costs ~130 ms per process on a 2-core machine, before any of our code runs, and more than
// any interposer's budget (DESIGN §8). The bench measures the paths, not that setting, so
// all three paths run without it, alike; the summary says so (BENCH_ENVIRONMENT_NOTE).
const IGNORED_VARIABLES = ['NODE_EXTRA_CA_CERTS'];

/** Printed with the summary: how the bench's environment differs from the caller's. */
export const BENCH_ENVIRONMENT_NOTE =
	'NODE_EXTRA_CA_CERTS is unset for every spawned path (direct, relay, mcprec) alike: with a system CA bundle each Node process spends ~130 ms parsing it at boot, which is not what the bench measures';

/** The bench's own environment minus IGNORED_VARIABLES, plus `extra`. */
export function benchEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const environment: NodeJS.ProcessEnv = { ...process.env, ...extra };
	for (const name of IGNORED_VARIABLES) delete environment[name];
	return environment;
}

/** Which of IGNORED_VARIABLES the caller had set (and the bench therefore removed). */
export function removedVariables(): string[] {
	return IGNORED_VARIABLES.filter((name) => process.env[name] !== undefined);
}

export function directPath(): BenchPath {
	return { name: 'direct', command: process.execPath, args: [benchServerScript], env: benchEnvironment() };
}

export function relayPath(): BenchPath {
	return { name: 'relay', command: process.execPath, args: [bareRelayScript, ...serverCommand], env: benchEnvironment() };
}

// `node bin/mcprec.js` rather than a shell shim, so the spawned pid is mcprec itself.
export function mcprecPath(options: { home: string; label?: string }): BenchPath {
	const name = options.label ? ['--name', options.label] : [];
	return {
		name: 'mcprec',
		command: process.execPath,
		args: [mcprecLauncher, 'run', ...name, '--', ...serverCommand],
		env: benchEnvironment({ MCPREC_HOME: options.home }),
	};
}

export function allPaths(home: string): BenchPath[] {
	return [directPath(), relayPath(), mcprecPath({ home })];
}
