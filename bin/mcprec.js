#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ (`npm run build`;
// scripts/bundle-cli.mjs says why). `run` starts through a fast path that skips loading
// the full command line (src/cli/run-fast-path.ts); everything else goes to main.
const { runFast } = await import('../dist/bundle/run-fast-path.js');
if (!(await runFast(process.argv))) {
	const { main } = await import('../dist/bundle/main.js');
	await main(process.argv);
}
