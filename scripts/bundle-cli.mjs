// Bundles the command line that bin/mcprec.js starts (DESIGN §8, startup budget): `mcprec run`
// spent ~150 ms loading some hundred small modules, one file at a time, before its server
// could answer `initialize`. tsc still type-checks and compiles src/ to dist/ (tests and the
// bench use those files); this only joins dist/'s output into dist/bundle/.
//
// - Three entries, side by side: the CLI, the fast path of `run` (src/cli/run-fast-path.ts)
//   and the recorder's writer thread, which recorder.ts
//   loads as new URL('./record-writer-worker.js', import.meta.url), so it must sit beside
//   whichever chunk holds the recorder.
// - Commands stay separate chunks (they are imported when invoked), so `run` never loads
//   ink, react or fastify. main.js holds commander and every command's table
//   (src/commands/*-options.ts); the fast path shares only `run`'s table with it.
// - Pure-JS packages on the `run` path are bundled in; every other package stays an import,
//   native ones (better-sqlite3, @napi-rs/keyring) because they must.

import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { checkBundleImports } from './check-bundle-imports.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/bundle`;
const BUNDLED_PACKAGES = ['commander', 'env-paths', 'yaml'];

const isBundled = (id) => BUNDLED_PACKAGES.some((name) => id === name || id.startsWith(`${name}/`));

rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
	cwd: root,
	input: { main: 'dist/cli/main.js', 'run-fast-path': 'dist/cli/run-fast-path.js', 'record-writer-worker': 'dist/recorder/record-writer-worker.js' },
	platform: 'node',
	external: (id, importer) => id.startsWith('node:') || (importer !== undefined && !id.startsWith('.') && !id.startsWith('/') && !isBundled(id)),
	// A changed warning is worth reading, but it must not hide in a passing build.
	onLog: (level, log, handler) => (level === 'warn' ? handler('error', log) : handler(level, log)),
});
await bundle.write({
	dir: outDir,
	format: 'esm',
	entryFileNames: '[name].js',
	chunkFileNames: '[name]-[hash].js',
	sourcemap: true,
	// Error names (PolicyError, StoreError…) and stack traces read as in the source.
	keepNames: true,
});
await bundle.close();

// What an installed package loads must be in it (scripts/check-bundle-imports.mjs says why).
const packageJson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const { problems } = checkBundleImports({ paths: [`${root}bin`, outDir], packageJson });
if (problems.length > 0) {
	process.stderr.write(`The bundle loads modules an installed mcprec would not have:\n${problems.map((line) => `  ${line}`).join('\n')}\n`);
	process.exit(1);
}
