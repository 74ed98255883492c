// The command tables stay light (src/commands/command-spec.ts): reading the command line
// loads no command module, and `mcprec run`'s fast path loads neither commander nor the
// other commands' tables (DESIGN §8, startup). Read from the source, and from the built
// bundle's source maps (`npm run build` first, as for the e2e tests).

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/mcprec.js';

const commands = path.join(repoRoot, 'src/commands');
const tables = fs.readdirSync(commands).filter((name) => name.endsWith('-options.ts'));
/** What a table may load with it; anything else only as a type, or inside its action. */
const LIGHT_MODULES = ['./command-spec.js', './parse-option-values.js'];

/** The chunks a bundle entry loads before it runs: its static imports, followed. */
function staticClosure(entry: string): string[] {
	const bundle = path.join(repoRoot, 'dist/bundle');
	const seen = new Set<string>();
	const visit = (file: string) => {
		if (seen.has(file)) return;
		seen.add(file);
		const code = fs.readFileSync(path.join(bundle, file), 'utf8');
		for (const match of code.matchAll(/^(?:import|export)\b[^;'"]*?['"]\.\/([^'"]+)['"]/gm)) visit(match[1]!);
	};
	visit(entry);
	return [...seen];
}

/** The files a chunk was built from (`dist/commands/run-options.js`…), as its source map names them. */
function sourcesOf(chunk: string): string[] {
	const bundle = path.join(repoRoot, 'dist/bundle');
	const mapFile = path.join(bundle, `${chunk}.map`);
	// The bundler's own runtime helpers come from no file.
	if (!fs.existsSync(mapFile)) return [];
	const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[] };
	return map.sources.map((source) => path.relative(repoRoot, path.resolve(bundle, source)));
}

describe('the command tables', () => {
	it('are one per command module', () => {
		expect(tables).toContain('run-options.ts');
		for (const table of tables) expect(fs.existsSync(path.join(commands, table.replace('-options.ts', '.ts'))), table).toBe(true);
	});

	it.each(tables)('%s loads nothing heavy until its command runs', (table) => {
		const text = fs.readFileSync(path.join(commands, table), 'utf8');
		const loaded = [...text.matchAll(/^import (?!type )(?:[^;]*? from )?'([^']+)';/gm)].map((match) => match[1]);
		expect(loaded.filter((specifier) => !LIGHT_MODULES.includes(specifier!))).toEqual([]);
	});

	it("keep commander and the other tables off `run`'s fast path", () => {
		const commander = (sources: string[]) => sources.filter((source) => source.includes('node_modules/commander/'));
		const otherTables = (sources: string[]) => sources.filter((source) => /^dist\/commands\/(?!run-options)[\w-]+-options\.js$/.test(source));
		// The full command line loads both, which shows the checks can see them.
		const main = staticClosure('main.js').flatMap(sourcesOf);
		expect(commander(main)).not.toEqual([]);
		expect(otherTables(main)).toHaveLength(tables.length - 1);

		const fastPath = staticClosure('run-fast-path.js').flatMap(sourcesOf);
		expect(fastPath).toContain('dist/commands/run-options.js');
		expect(commander(fastPath)).toEqual([]);
		expect(otherTables(fastPath)).toEqual([]);
		expect(fastPath).not.toContain('dist/cli/main.js');
	});

	it('load OpenTelemetry only when an export runs, never on `run` or the command line', () => {
		const loadsOpenTelemetry = (chunk: string) => /^(?:import|export)\b[^;]*?['"]@opentelemetry\//m.test(fs.readFileSync(path.join(repoRoot, 'dist/bundle', chunk), 'utf8'));
		const chunks = fs.readdirSync(path.join(repoRoot, 'dist/bundle')).filter((name) => name.endsWith('.js'));
		// The exporter's own chunk does, which shows the check can see it.
		expect(chunks.filter(loadsOpenTelemetry).map((chunk) => chunk.replace(/-[\w-]{8}\.js$/, ''))).toEqual(['otlp-exporter']);
		for (const entry of ['run-fast-path.js', 'main.js', 'record-writer-worker.js']) expect(staticClosure(entry).filter(loadsOpenTelemetry), entry).toEqual([]);
	});
});
