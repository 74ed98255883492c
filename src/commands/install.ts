// `mcprec install` / `mcprec uninstall`: wrap the servers configured in the AI clients in
// `mcprec run`, or put them back (src/install/ does the work; this prints what it did).

import path from 'node:path';
import { resolveStatePaths } from '../config/paths.js';
import { UserError } from '../errors/user-error.js';
import { clientConfigFiles, clientDefinition, parseClientId, type ClientId } from '../install/client-registry.js';
import { resolveClientRoots } from '../install/client-roots.js';
import { installClients, uninstallClients, type FileOutcome, type ServerAction } from '../install/install-clients.js';
import { InstallLedger } from '../install/install-ledger.js';
import { lineDiff } from '../install/line-diff.js';
import { currentLauncher } from '../install/mcprec-launcher.js';
import { stdoutColours } from '../terminal/colours.js';

export interface InstallCommandOptions {
	client?: string[];
	server?: string[];
	project?: string;
	dryRun?: boolean;
	json?: boolean;
}

export async function installCommand(options: InstallCommandOptions): Promise<void> {
	const context = prepare(options);
	const launcher = currentLauncher();
	// npx runs mcprec from its cache, which npm may clear: the configs would point at nothing.
	if (launcher.prefix.some((word) => /[\\/]_npx[\\/]/.test(word))) {
		process.stderr.write(`mcprec: warning: this mcprec runs from npx's cache (${launcher.prefix[0]}), which npm may clear; install it first (npm install -g mcprec) so the client configs point at a lasting copy\n`);
	}
	const outcomes = installClients({ ...context, launcher });
	report('install', options, context.lookedIn, outcomes);
}

export async function uninstallCommand(options: InstallCommandOptions): Promise<void> {
	const context = prepare(options);
	const outcomes = uninstallClients(context);
	report('uninstall', options, context.lookedIn, outcomes);
}

function prepare(options: InstallCommandOptions) {
	let clients: ClientId[];
	try {
		clients = (options.client ?? []).map(parseClientId);
	} catch (error) {
		throw new UserError(`option '--client <name>': ${(error as Error).message}`);
	}
	const roots = resolveClientRoots({ project: options.project });
	const files = clientConfigFiles(roots, clients);
	const stateFolder = path.dirname(resolveStatePaths().config);
	return { files, servers: options.server ?? [], dryRun: options.dryRun === true, ledger: InstallLedger.open(stateFolder), lookedIn: files.map((file) => file.file) };
}

const SYMBOLS: Record<ServerAction, (text: string) => string> = {
	wrapped: (text) => stdoutColours.green(`✓ ${text}`),
	unwrapped: (text) => stdoutColours.green(`✓ ${text}`),
	relaunched: (text) => stdoutColours.green(`✓ ${text}`),
	'already-wrapped': (text) => `· ${text}`,
	'not-wrapped': (text) => `· ${text}`,
	'left-wrapped': (text) => stdoutColours.yellow(`! ${text}`),
	skipped: (text) => stdoutColours.yellow(`! ${text}`),
};

const ACTION_WORDS: Record<ServerAction, [done: string, planned: string]> = {
	wrapped: ['wrapped', 'would be wrapped'],
	unwrapped: ['unwrapped', 'would be unwrapped'],
	relaunched: ['launcher updated', 'launcher would be updated'],
	'already-wrapped': ['already wrapped', 'already wrapped'],
	'not-wrapped': ['not wrapped', 'not wrapped'],
	'left-wrapped': ['left wrapped', 'left wrapped'],
	skipped: ['skipped', 'skipped'],
};

function report(verb: 'install' | 'uninstall', options: InstallCommandOptions, lookedIn: string[], outcomes: FileOutcome[]): void {
	const dryRun = options.dryRun === true;
	// A file left as it is fails the command; the others were still done.
	if (outcomes.some((outcome) => outcome.error)) process.exitCode = 1;
	if (options.json) {
		const files = outcomes.map(({ before, after, ...rest }) => ({ ...rest, diff: lineDiff(before, after) }));
		process.stdout.write(`${JSON.stringify({ dryRun, files }, null, 2)}\n`);
		return;
	}
	if (outcomes.length === 0) {
		process.stderr.write(`No MCP client config found. Looked for:\n${lookedIn.map((file) => `  ${file}`).join('\n')}\n`);
		return;
	}
	let count = 0;
	for (const outcome of outcomes) {
		const label = clientDefinition(outcome.client as ClientId).label;
		const state = outcome.error ? 'not handled' : outcome.restored ? (dryRun ? 'would be restored from its backup' : 'restored from its backup') : outcome.changed ? (dryRun ? 'would change' : 'changed') : 'unchanged';
		process.stdout.write(`${stdoutColours.bold(`${label} (${outcome.scope})`)} ${outcome.file}: ${state}\n`);
		if (outcome.error) {
			process.stdout.write(`  ${stdoutColours.red(`✗ left as it is: ${outcome.error}`)}\n`);
			continue;
		}
		if (outcome.servers.length === 0) process.stdout.write('  no servers\n');
		for (const server of outcome.servers) {
			if (server.action === 'wrapped' || server.action === 'unwrapped' || server.action === 'relaunched') count++;
			const words = ACTION_WORDS[server.action][dryRun ? 1 : 0];
			process.stdout.write(`  ${SYMBOLS[server.action](`${server.path}: ${words}${server.reason ? ` (${server.reason})` : ''}`)}\n`);
		}
		if (dryRun && outcome.changed) {
			for (const line of lineDiff(outcome.before, outcome.after).trimEnd().split('\n')) {
				const coloured = line.startsWith('+ ') ? stdoutColours.green(line) : line.startsWith('- ') ? stdoutColours.red(line) : stdoutColours.dim(line);
				process.stdout.write(`    ${coloured}\n`);
			}
		}
	}
	const files = outcomes.filter((outcome) => outcome.changed).length;
	const done = verb === 'install' ? 'wrapped' : 'unwrapped';
	const next = verb === 'install' ? 'Check them with `mcprec doctor`; undo with `mcprec uninstall`.' : '';
	if (dryRun) process.stdout.write(`Dry run: ${count} server(s) would be ${done} in ${files} file(s); nothing was written.\n`);
	else process.stdout.write(`${count} server(s) ${done} in ${files} file(s). ${next}\n`.replace(/ \n$/, '\n'));
}
