// `mcprec install` / `mcprec uninstall`: wrap the servers configured in the AI clients in
// `mcprec run`, or put them back (src/install/ does the work; this prints what it did).

import path from 'node:path';
import { resolveStatePaths } from '../config/paths.js';
import { UserError } from '../errors/user-error.js';
import { clientConfigFiles, clientDefinition, parseClientId, type ClientId } from '../install/client-registry.js';
import { resolveClientRoots } from '../install/client-roots.js';
import { installClients, uninstallClients, type FileOutcome, type SecretVault, type ServerAction, type ServerOutcome } from '../install/install-clients.js';
import { InstallLedger } from '../install/install-ledger.js';
import { lineDiff } from '../install/line-diff.js';
import { currentLauncher } from '../install/mcprec-launcher.js';
import { stdoutColours } from '../terminal/colours.js';
import { withCredentialLock } from '../identity/credential-lock.js';
import { getSecret, setSecret } from '../identity/secrets.js';
import { describeStore } from './whoami.js';

export interface InstallCommandOptions {
	client?: string[];
	server?: string[];
	project?: string;
	dryRun?: boolean;
	json?: boolean;
	moveSecrets?: boolean;
}

export async function installCommand(options: InstallCommandOptions): Promise<void> {
	const context = prepare(options);
	const launcher = currentLauncher();
	// npx runs mcprec from its cache, which npm may clear: the configs would point at nothing.
	if (launcher.prefix.some((word) => /[\\/]_npx[\\/]/.test(word))) {
		process.stderr.write(`mcprec: warning: this mcprec runs from npx's cache (${launcher.prefix[0]}), which npm may clear; install it first (npm install -g mcprec) so the client configs point at a lasting copy\n`);
	}
	if (!options.moveSecrets) {
		report('install', options, context.lookedIn, installClients({ ...context, launcher }));
		return;
	}
	// The secrets go into the store `mcprec secret set` uses, under its lock.
	const { store, lock } = await openVault();
	const vault: SecretVault = { get: (name) => getSecret(store, name), set: (name, value) => setSecret(store, name, value) };
	const outcomes = context.dryRun ? installClients({ ...context, launcher, vault, moveSecrets: true }) : await withCredentialLock({ file: lock }, () => installClients({ ...context, launcher, vault, moveSecrets: true }));
	report('install', options, context.lookedIn, outcomes);
	const moved = outcomes.flatMap((outcome) => outcome.servers.flatMap((server) => server.movedSecrets ?? []));
	if (moved.length > 0 && !options.json) process.stdout.write(`${context.dryRun ? 'Would keep' : 'Kept'} ${[...new Set(moved)].join(', ')} in ${describeStore(store)}; the config files name them only.\n`);
}

export async function uninstallCommand(options: InstallCommandOptions): Promise<void> {
	const context = prepare(options);
	// Moved secrets come back from the credential store; it is opened only when install moved some.
	const needsStore = Object.values(context.ledger.ledger.files).some((record) => (record.secrets ?? []).length > 0);
	let vault: SecretVault | undefined;
	if (needsStore) {
		try {
			const { store } = await openVault();
			vault = { get: (name) => getSecret(store, name), set: () => undefined };
		} catch (error) {
			process.stderr.write(`mcprec: warning: cannot read the credential store (${(error as Error).message}); entries whose secrets install moved there stay wrapped\n`);
		}
	}
	const outcomes = uninstallClients({ ...context, vault });
	report('uninstall', options, context.lookedIn, outcomes);
}

async function openVault() {
	const [{ openCredentialStore }, { resolveCredentialPaths }] = await Promise.all([import('../identity/open-credential-store.js'), import('../identity/credential-paths.js')]);
	return { store: openCredentialStore().store, lock: resolveCredentialPaths().lock };
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
	'secrets-moved': (text) => stdoutColours.green(`✓ ${text}`),
	'already-wrapped': (text) => `· ${text}`,
	'not-wrapped': (text) => `· ${text}`,
	'left-wrapped': (text) => stdoutColours.yellow(`! ${text}`),
	skipped: (text) => stdoutColours.yellow(`! ${text}`),
};

const ACTION_WORDS: Record<ServerAction, [done: string, planned: string]> = {
	wrapped: ['wrapped', 'would be wrapped'],
	unwrapped: ['unwrapped', 'would be unwrapped'],
	relaunched: ['launcher updated', 'launcher would be updated'],
	'secrets-moved': ['secrets moved', 'secrets would be moved'],
	'already-wrapped': ['already wrapped', 'already wrapped'],
	'not-wrapped': ['not wrapped', 'not wrapped'],
	'left-wrapped': ['left wrapped', 'left wrapped'],
	skipped: ['skipped', 'skipped'],
};

// What became of the secrets in a remote entry's headers: moved (their names), or still in clear and how to move them.
function secretsNote(server: ServerOutcome, client: string, dryRun: boolean): string | undefined {
	if (server.movedSecrets) return `${dryRun ? 'would move' : 'moved'} ${server.movedSecrets.length === 1 ? 'a header secret' : 'header secrets'} into the credential store as ${server.movedSecrets.join(', ')}`;
	if (!server.secretsInClear) return undefined;
	const headers = server.secretsInClear.map((name) => `'${name}'`).join(', ');
	return stdoutColours.yellow(
		`! header ${headers} ${server.secretsInClear.length === 1 ? 'holds a secret' : 'hold secrets'} in clear in this file; move ${server.secretsInClear.length === 1 ? 'it' : 'them'} into the credential store with: mcprec install --move-secrets --client ${client} --server '${server.key}'`,
	);
}

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
			if (server.action === 'wrapped' || server.action === 'unwrapped' || server.action === 'relaunched' || server.action === 'secrets-moved') count++;
			const words = ACTION_WORDS[server.action][dryRun ? 1 : 0];
			process.stdout.write(`  ${SYMBOLS[server.action](`${server.path}: ${words}${server.reason ? ` (${server.reason})` : ''}`)}\n`);
			const secrets = secretsNote(server, outcome.client, dryRun);
			if (secrets) process.stdout.write(`    ${secrets}\n`);
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
