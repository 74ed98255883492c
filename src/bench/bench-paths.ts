// The three ways the bench client reaches the fixture server (DESIGN §8): directly, through
// the bare line relay (the floor for any Node interposer), and through `mcprec run`. Two more,
// for reference only, show what the least checking and recording costs on this machine
// (fixtures/recording-relay.mjs): the relay plus JSON.parse of every line, and that plus one
// SQLite row per message.

import { fileURLToPath } from 'node:url';
import path from 'node:path';

export type PathName = 'direct' | 'relay' | 'mcprec' | ReferenceName;
export type ReferenceName = 'validating' | 'recording';

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
const recordingRelayScript = path.join(repoRoot, 'fixtures', 'recording-relay.mjs');
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

/** The relay plus the least any checking recorder must do; `home` holds the recording relay's database. */
export function referencePaths(home: string): BenchPath[] {
	const args = [recordingRelayScript, ...serverCommand];
	return [
		{ name: 'validating', command: process.execPath, args, env: benchEnvironment({ RELAY_VALIDATE: '1' }) },
		{ name: 'recording', command: process.execPath, args, env: benchEnvironment({ RELAY_VALIDATE: '1', RELAY_RECORD: '1', RELAY_STORE_DIR: home }) },
	];
}

/** What the summary says about the reference paths. */
export const REFERENCE_NOTE =
	'validating and recording are references, not budgets: the bare relay plus JSON.parse of every line, and that plus one SQLite row per message from a worker thread (fixtures/recording-relay.mjs); no hash chain, policy or masking';
