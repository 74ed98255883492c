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
// - What a plain `run` loads once its server is spawned is one chunk, `run-session`: Node 20
//   resolves, reads, compiles and links each module file on its own, and ~35 small chunks
//   cost more than one of the same size. The fast path's own modules (its option table, the
//   early spawn: run-early-launch.ts) stay out of it, so the server starts before it loads.

import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { checkBundleImports } from './check-bundle-imports.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/bundle`;
const distDir = `${root}dist`;
const BUNDLED_PACKAGES = ['commander', 'yaml'];

// The modules `run` imports once the server is spawned (statically or not), by path in dist/;
// the chunk holds them and what they import statically.
const RUN_SESSION_ROOTS = [
	'commands/run.js',
	'proxy/proxy.js',
	'identity/load-run-credentials.js',
	'identity/open-credential-store.js',
	'identity/device-key.js',
	'masking/create-masker.js',
	'masking/mask-session-start.js',
	'stages/create-stages.js',
	'store/open-store.js',
	'store/describe-store-failure.js',
	'upstream/secret-scrubbing-upstream.js',
	'policy/default-policy.js',
	'recorder/serve-record-writer.js',
];
// The fast path's modules: loaded before the server is spawned.
const FAST_PATH_ROOTS = ['cli/run-fast-path.js'];

/** Modules reachable from `roots` by static imports (ids as rolldown gives them). */
function staticClosure(roots, context) {
	const seen = new Set();
	const pending = roots.map((root) => `${distDir}/${root}`);
	while (pending.length > 0) {
		const id = pending.pop();
		if (seen.has(id)) continue;
		const info = context.getModuleInfo(id);
		if (!info) continue;
		seen.add(id);
		pending.push(...info.importedIds);
	}
	return seen;
}

let runSession;
function runSessionChunk(id, context) {
	if (runSession === undefined) {
		const fastPath = staticClosure(FAST_PATH_ROOTS, context);
		runSession = new Set([...staticClosure(RUN_SESSION_ROOTS, context)].filter((module) => !fastPath.has(module) && module.startsWith(`${distDir}/`)));
	}
	return runSession.has(id) ? 'run-session' : null;
}

const isBundled = (id) => BUNDLED_PACKAGES.some((name) => id === name || id.startsWith(`${name}/`));

rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
	cwd: root,
	input: { main: 'dist/cli/main.js', 'run-fast-path': 'dist/cli/run-fast-path.js', 'record-writer-worker': 'dist/recorder/record-writer-worker.js' },
	platform: 'node',
	// The run-session group takes only the modules it names (includeDependenciesRecursively), which needs this.
	preserveEntrySignatures: 'allow-extension',
	external: (id, importer) => id.startsWith('node:') || (importer !== undefined && !id.startsWith('.') && !id.startsWith('/') && !isBundled(id)),
	// A changed warning is worth reading, but it must not hide in a passing build. Dynamic
	// imports inside the run-session chunk are meant to be joined into it.
	onLog: (level, log, handler) => {
		if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' && runSession?.has(log.id)) return;
		if (level === 'warn') handler('error', log);
		else handler(level, log);
	},
});
await bundle.write({
	dir: outDir,
	format: 'esm',
	entryFileNames: '[name].js',
	chunkFileNames: '[name]-[hash].js',
	sourcemap: true,
	// Error names (PolicyError, StoreError…) and stack traces read as in the source.
	keepNames: true,
	codeSplitting: { groups: [{ debugName: 'run-session', name: runSessionChunk, includeDependenciesRecursively: false }] },
});
await bundle.close();

// What an installed package loads must be in it (scripts/check-bundle-imports.mjs says why).
const packageJson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const { problems } = checkBundleImports({ paths: [`${root}bin`, outDir], packageJson });
if (problems.length > 0) {
	process.stderr.write(`The bundle loads modules an installed mcprec would not have:\n${problems.map((line) => `  ${line}`).join('\n')}\n`);
	process.exit(1);
}
