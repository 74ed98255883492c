// What `npm pack` ships and what `npm install -g` of it gives a user: the right files and
// nothing else, dependencies whose `engines` admit the Node versions we claim, a `mcprec`
// on PATH, and a working `--help` for every command and subcommand it lists.

import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, repoRoot } from '../helpers/mcprec.js';
import { installedPackage, mcprec, type InstalledPackage } from './installed-package.js';

const MIB = 1024 * 1024;
const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
/** Node versions we promise: the floor of `engines` and the current LTS line that CI also runs. */
const PROMISED_NODES = [semver.minVersion(packageJson.engines.node)!.version, '22.0.0', '24.0.0'];

let installed: InstalledPackage;
let home: string;

beforeAll(async () => {
	installed = await installedPackage();
	home = makeHome('mcprec-installed-');
}, 20 * 60_000);

afterAll(() => {
	if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe('the packed package', () => {
	it('holds the launcher, the bundle, README and package.json, and nothing else', () => {
		const files = installed.packed.files.map((file) => file.path).sort();
		const bundle = fs
			.readdirSync(path.join(repoRoot, 'dist/bundle'))
			.filter((name) => name.endsWith('.js'))
			.map((name) => `dist/bundle/${name}`);
		expect(files).toEqual(['README.md', 'bin/mcprec.js', ...bundle, 'package.json'].sort());
		// No source maps, sources, tests or fixtures ride along.
		expect(files.filter((file) => /\.(map|ts|tsx)$|^(src|test|fixtures|scripts)\//.test(file))).toEqual([]);
	});

	it('has no file over 1 MiB and stays small', () => {
		const large = installed.packed.files.filter((file) => file.size > MIB);
		expect(large).toEqual([]);
		expect(installed.packed.size).toBeLessThan(2 * MIB);
	});

	it('installs without an engine warning, and every installed dependency admits the Node versions we promise', () => {
		expect(installed.installLog).not.toMatch(/EBADENGINE/);
		const problems: string[] = [];
		const visit = (folder: string) => {
			const manifest = path.join(folder, 'package.json');
			if (fs.existsSync(manifest)) {
				const { name, version, engines } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
				const range = engines?.node;
				if (name && typeof range === 'string') {
					for (const node of PROMISED_NODES) if (!semver.satisfies(node, range)) problems.push(`${name}@${version} wants node ${range}, not ${node}`);
				}
			}
			const modules = path.join(folder, 'node_modules');
			if (!fs.existsSync(modules)) return;
			for (const entry of fs.readdirSync(modules)) {
				if (entry.startsWith('.')) continue;
				if (entry.startsWith('@')) for (const scoped of fs.readdirSync(path.join(modules, entry))) visit(path.join(modules, entry, scoped));
				else visit(path.join(modules, entry));
			}
		};
		visit(installed.packageDir);
		expect(problems).toEqual([]);
	});

	it('puts mcprec on PATH, with the version package.json gives', async () => {
		const which = await mcprec(installed, home, ['--version']);
		expect(which.exitCode, which.stderr).toBe(0);
		expect(which.stdout.trim()).toBe(packageJson.version);
		expect(fs.realpathSync(path.join(installed.binDir, 'mcprec'))).toBe(path.join(installed.packageDir, 'bin/mcprec.js'));
	});
});

/** Command names listed under "Commands:" in a help text. */
function commandsIn(help: string): string[] {
	// The list runs from "Commands:" to the first blank line (examples follow it).
	const section = (help.split(/^Commands:$/m)[1] ?? '').split(/\n\s*\n/)[0]!;
	return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
}

describe('every command has help', () => {
	it('answers --help for every command and subcommand it lists, on stdout, exit 0, speaking to users', async () => {
		const top = await mcprec(installed, home, ['--help']);
		expect(top.exitCode).toBe(0);
		const commands = commandsIn(top.stdout);
		// The commands DESIGN's command line promises, at least.
		expect(commands).toEqual(expect.arrayContaining(['run', 'sessions', 'replay', 'verify', 'login', 'logout', 'whoami', 'secret', 'approvals', 'approve', 'deny', 'grant', 'policy', 'sync', 'server']));
		const checked: string[] = [];
		const check = async (words: string[]) => {
			const result = await mcprec(installed, home, [...words, '--help']);
			expect(result.exitCode, `${words.join(' ')} --help: ${result.stderr}`).toBe(0);
			expect(result.stdout).toMatch(new RegExp(`^Usage: mcprec ${words.join(' ')}\\b`, 'm'));
			// A user has no DESIGN.md: help points to what they have.
			expect(result.stdout, `${words.join(' ')} --help`).not.toMatch(/DESIGN|\.\.\/shared/);
			checked.push(words.join(' '));
			for (const sub of commandsIn(result.stdout)) await check([...words, sub]);
		};
		for (const command of commands) await check([command]);
		expect(checked).toEqual(expect.arrayContaining(['secret set', 'secret list', 'secret rm', 'policy check', 'policy test']));
	});
});
