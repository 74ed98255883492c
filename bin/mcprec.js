#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ (`npm run build`;
// scripts/bundle-cli.mjs says why). `run` starts through a fast path that skips loading
// the full command line (src/cli/run-fast-path.ts); everything else goes to main.
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

// Node 22.1 and later keep the compiled code of the modules below on disk, so the next
// start skips parsing and compiling them (DESIGN §8, startup). Node 20 has no such cache;
// NODE_COMPILE_CACHE set by the person wins; a folder that cannot be written only costs
// the cache.
if (typeof module.enableCompileCache === 'function' && process.env.NODE_COMPILE_CACHE === undefined) {
	module.enableCompileCache(path.join(cacheRoot(), 'mcprec', 'compile-cache'));
}

const { runFast } = await import('../dist/bundle/run-fast-path.js');
if (!(await runFast(process.argv))) {
	const { main } = await import('../dist/bundle/main.js');
	await main(process.argv);
}

// The per-user cache folder of the platform.
function cacheRoot() {
	if (process.platform === 'win32') return process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local');
	if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches');
	return process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
}
