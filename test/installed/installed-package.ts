// The package as a user gets it: `npm pack` of the built tree, installed with
// `npm install -g --prefix <folder>` from the registry like any user's install (dependencies
// resolved afresh, better-sqlite3 compiled for the Node on PATH), and `mcprec` found on PATH.
// Installing takes a minute or two, so one install serves every file of this layer: it is
// kept in the temp folder under the tarball's hash and the Node version, behind a lock
// (vitest runs two files at once). `npm test` builds before vitest starts; the pack skips
// `prepack` (a build) so that it never rewrites dist/ under the other test files.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Options } from 'execa';
import { repoRoot } from '../helpers/mcprec.js';

export interface InstalledPackage {
	/** The `--prefix` the tarball was installed into. */
	prefix: string;
	/** `<prefix>/bin`, first on PATH for every command a test runs. */
	binDir: string;
	/** Where npm put the package itself. */
	packageDir: string;
	/** What `npm pack --json` reported: the files in the tarball and their sizes. */
	packed: { files: { path: string; size: number }[]; size: number; unpackedSize: number };
	/** npm's output while installing. */
	installLog: string;
}

let cached: Promise<InstalledPackage> | undefined;

export function installedPackage(): Promise<InstalledPackage> {
	cached ??= install();
	return cached;
}

async function install(): Promise<InstalledPackage> {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-pack-'));
	try {
		const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))[0];
		const tarball = path.join(work, packed.filename);
		const digest = createHash('sha256').update(fs.readFileSync(tarball)).digest('hex').slice(0, 16);
		const prefix = path.join(os.tmpdir(), `mcprec-installed-${process.version}-${digest}`);
		const done = path.join(prefix, 'installed.json');
		await withLock(`${prefix}.lock`, async () => {
			if (fs.existsSync(done)) return;
			fs.rmSync(prefix, { recursive: true, force: true });
			const result = await execa('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--allow-scripts=better-sqlite3', tarball], {
				reject: false,
				all: true,
				env: { npm_config_update_notifier: 'false' },
				timeout: 15 * 60_000,
			});
			if (result.exitCode !== 0) throw new Error(`npm install -g of the packed mcprec failed (exit ${result.exitCode}):\n${result.all}`);
			fs.writeFileSync(done, JSON.stringify({ installLog: result.all }));
		});
		return {
			prefix,
			binDir: path.join(prefix, 'bin'),
			packageDir: path.join(prefix, 'lib/node_modules/mcprec'),
			packed: { files: packed.files, size: packed.size, unpackedSize: packed.unpackedSize },
			installLog: JSON.parse(fs.readFileSync(done, 'utf8')).installLog,
		};
	} finally {
		fs.rmSync(work, { recursive: true, force: true });
	}
}

// mkdir is atomic: whoever creates the folder installs, the others wait for it to go.
async function withLock(lock: string, body: () => Promise<void>): Promise<void> {
	const deadline = Date.now() + 20 * 60_000;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			if (Date.now() > deadline) throw new Error(`waited too long for another test file's install (${lock}); remove it if no test runs`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
	try {
		await body();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

/** The environment of a person who installed mcprec: its bin first on PATH, a home of their own. */
export function userEnvironment(installed: InstalledPackage, home: string, extra: Record<string, string> = {}): Record<string, string> {
	const environment: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		// Nothing of the test runner's own setup: no colour forcing, no vitest or npm variables.
		if (value !== undefined && !/^(VITEST|npm_|NODE_OPTIONS$|FORCE_COLOR$|NO_COLOR$)/.test(key)) environment[key] = value;
	}
	return {
		...environment,
		PATH: [installed.binDir, path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter),
		MCPREC_HOME: home,
		MCPREC_CREDENTIAL_STORE: 'file',
		...extra,
	};
}

/** Runs `mcprec <args>` as found on PATH, to completion; never throws on the exit code. */
export function mcprec(installed: InstalledPackage, home: string, args: string[], options: Options & { env?: Record<string, string> } = {}) {
	return execa('mcprec', args, { reject: false, timeout: 60_000, ...options, env: userEnvironment(installed, home, options.env), extendEnv: false });
}
