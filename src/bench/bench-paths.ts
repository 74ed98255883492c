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

export function directPath(): BenchPath {
	return { name: 'direct', command: process.execPath, args: [benchServerScript], env: process.env };
}

export function relayPath(): BenchPath {
	return { name: 'relay', command: process.execPath, args: [bareRelayScript, ...serverCommand], env: process.env };
}

// `node bin/mcprec.js` rather than a shell shim, so the spawned pid is mcprec itself.
export function mcprecPath(options: { home: string; label?: string }): BenchPath {
	const name = options.label ? ['--name', options.label] : [];
	return {
		name: 'mcprec',
		command: process.execPath,
		args: [mcprecLauncher, 'run', ...name, '--', ...serverCommand],
		env: { ...process.env, MCPREC_HOME: options.home },
	};
}

export function allPaths(home: string): BenchPath[] {
	return [directPath(), relayPath(), mcprecPath({ home })];
}
