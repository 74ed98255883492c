// install and uninstall over the client config files: open each file that exists, wrap (or
// unwrap) its server entries, and write it back atomically, noting in the ledger what was
// done. With dryRun nothing is written; the result carries each file's before and after.
// Secrets moved out of headers go into the vault (the credential store) before the file
// that refers to them is written; the ledger keeps them only as placeholders.

import fs from 'node:fs';
import { sameValue } from './same-value.js';
import { UserError } from '../errors/user-error.js';
import type { ClientConfigFile } from './client-registry.js';
import { describeEntryPath, type ConfigDocument, type LocatedEntry } from './config-document.js';
import { revealSecrets, secretBaseName, type MovedSecret } from './header-secrets.js';
import { entryId, type InstallLedger, type LedgerEntry, type LedgerFile } from './install-ledger.js';
import { openJsonDocument } from './json-document.js';
import { openTomlDocument } from './toml-document.js';
import { isInstallForm, isObject, readWrapped, unwrapEntry, wrapEntry, type McprecLauncher, type ServerEntry, type WrappedTarget } from './wrap-entry.js';
import { sha256, writeFileAtomic } from './write-file-atomic.js';

export type ServerAction = 'wrapped' | 'relaunched' | 'secrets-moved' | 'already-wrapped' | 'skipped' | 'unwrapped' | 'not-wrapped' | 'left-wrapped';

/** What happened (or would happen) to one server entry. */
export interface ServerOutcome {
	key: string;
	/** Where the entry sits: `mcpServers › fs`, `projects › /home/a › mcpServers › fs`. */
	path: string;
	action: ServerAction;
	reason?: string;
	/** Names in the credential store of the header secrets moved there. */
	movedSecrets?: string[];
	/** Headers that hold a secret in clear (install without moveSecrets). */
	secretsInClear?: string[];
}

/** What happened (or would happen) to one config file. */
export interface FileOutcome {
	client: string;
	scope: string;
	file: string;
	changed: boolean;
	/** uninstall: the file was put back byte for byte from the backup. */
	restored?: boolean;
	before: string;
	after: string;
	servers: ServerOutcome[];
	/** Why the file was left as it is (it does not parse, or an entry cannot be rewritten in place). */
	error?: string;
}

export interface InstallOptions {
	files: readonly ClientConfigFile[];
	/** Only these entry keys (all when empty). */
	servers: readonly string[];
	dryRun: boolean;
	ledger: InstallLedger;
	/** The credential store: where install moves header secrets, and uninstall takes them back from. */
	vault?: SecretVault;
}

/** The part of the credential store install uses: secrets by name. */
export interface SecretVault {
	get(name: string): string | undefined;
	set(name: string, value: string): void;
}

const BOM = '\ufeff';

export function installClients(options: InstallOptions & { launcher: McprecLauncher; moveSecrets?: boolean }): FileOutcome[] {
	if (options.moveSecrets && !options.vault) throw new Error('moveSecrets needs a vault');
	// Names given in this run, so two entries never share a name for different values.
	const named = new Map<string, string>();
	return eachFile(options.files, (config, bytes) => {
		const { bom, text: before } = decode(bytes);
		const document = openDocument(config, before);
		const servers: ServerOutcome[] = [];
		const noted: LedgerEntry[] = [];
		const moved: MovedSecret[] = [];
		for (const entry of document.entries()) {
			if (!selected(entry, options.servers)) continue;
			const secretName = options.moveSecrets ? (header: string, secret: string) => nameSecret(secretBaseName(entry.key, header), secret, named, options.vault!) : undefined;
			const decision = wrapEntry(entry.key, entry.value, options.launcher, { secretName });
			const outcome: Omit<ServerOutcome, 'action'> = { key: entry.key, path: describeEntryPath(entry.mapPath, entry.key) };
			if (decision.action !== 'skip') {
				if (decision.moved) {
					moved.push(...decision.moved);
					outcome.movedSecrets = decision.moved.map((secret) => secret.name);
				}
				if (decision.inClear) outcome.secretsInClear = decision.inClear;
			}
			if (decision.action === 'wrap') {
				document.replace(entry, decision.entry);
				noted.push({ mapPath: [...entry.mapPath], key: entry.key, original: entry.value, wrapped: decision.entry });
				servers.push({ ...outcome, action: 'wrapped' });
			} else if (decision.action === 'relaunch') {
				document.replace(entry, decision.entry);
				// The entry's original is the one noted when it was first wrapped.
				const previous = options.ledger.record(config.file)?.entries[entryId(entry.mapPath, entry.key)];
				const value = entry.value as ServerEntry;
				const original = previous?.original ?? (isInstallForm(value) ? unwrapEntry(value, decision.target) : value);
				noted.push({ mapPath: [...entry.mapPath], key: entry.key, original, wrapped: decision.entry });
				if (decision.launcherChanged) servers.push({ ...outcome, action: 'relaunched', reason: `now ${options.launcher.command} ${options.launcher.prefix.join(' ')}` });
				else servers.push({ ...outcome, action: 'secrets-moved' });
			} else if (decision.action === 'already-wrapped') servers.push({ ...outcome, action: 'already-wrapped' });
			else servers.push({ ...outcome, action: 'skipped', reason: decision.reason });
		}
		const after = document.text();
		const changed = after !== before;
		if (changed && !options.dryRun) {
			const written = encode(bom, after);
			// In the store before any file refers to them.
			for (const secret of moved) if (options.vault!.get(secret.name) !== secret.value) options.vault!.set(secret.name, secret.value);
			options.ledger.noteInstall(config.file, config.client, bytes, written, noted, moved);
			writeFileAtomic(config.file, written);
			options.ledger.save();
		}
		return { client: config.client, scope: config.scope, file: config.file, changed, before, after, servers };
	});
}

export function uninstallClients(options: InstallOptions): FileOutcome[] {
	return eachFile(options.files, (config, bytes) => {
		const { bom, text: before } = decode(bytes);
		const record = options.ledger.record(config.file);
		const lookup = (name: string) => options.vault?.get(name);
		const backupBytes = record && record.installedSha256 === sha256(bytes) ? readBackup(record, lookup) : undefined;
		const document = openDocument(config, before);
		const servers: ServerOutcome[] = [];
		const unwrapped: string[] = [];
		// Entries left wrapped until their secret is back in the store: the record stays for them.
		let waiting = false;
		for (const entry of document.entries()) {
			if (!selected(entry, options.servers)) continue;
			const outcome = { key: entry.key, path: describeEntryPath(entry.mapPath, entry.key) };
			const target = isObject(entry.value) ? readWrapped(entry.value) : undefined;
			if (!target) {
				servers.push({ ...outcome, action: 'not-wrapped' });
				continue;
			}
			const hidden = record?.entries[entryId(entry.mapPath, entry.key)];
			// The ledger keeps moved secrets as placeholders: they come back from the store.
			const revealed = hidden ? revealSecrets(hidden, lookup) : undefined;
			if (revealed && revealed.missing.length > 0) {
				const names = revealed.missing.join(', ');
				waiting = true;
				servers.push({ ...outcome, action: 'left-wrapped', reason: `its original holds secret ${names}, which is not in the credential store; put it back with \`mcprec secret set ${revealed.missing[0]}\` and run uninstall again` });
				continue;
			}
			const noted = revealed?.value;
			const value = entry.value as ServerEntry;
			let next: ServerEntry;
			if (noted && sameValue(value, noted.wrapped)) next = noted.original as ServerEntry;
			else if (noted) next = unwrapKeepingEdits(value, noted, target);
			else if (isInstallForm(value)) next = fillSecretReferences(unwrapEntry(value, target), target, lookup);
			else {
				servers.push({ ...outcome, action: 'left-wrapped', reason: 'wrapped by hand, not by mcprec install' });
				continue;
			}
			document.replace(entry, next);
			unwrapped.push(entryId(entry.mapPath, entry.key));
			servers.push({ ...outcome, action: 'unwrapped' });
		}
		const everything = options.servers.length === 0;
		// Nothing changed the file since install wrote it: the backup goes back, byte for byte.
		const backup = everything ? backupBytes : undefined;
		const after = backup ? decode(backup).text : document.text();
		const written = backup ?? encode(bom, after);
		const changed = !written.equals(bytes);
		const restored = backup !== undefined;
		if (!options.dryRun) {
			if (changed) writeFileAtomic(config.file, written);
			if (record) {
				for (const id of unwrapped) delete record.entries[id];
				// Still restorable when nobody else changed the file: the backup is the original of every entry.
				record.installedSha256 = record.installedSha256 === sha256(bytes) ? sha256(written) : null;
				const useless = Object.keys(record.entries).length === 0 && record.installedSha256 === null;
				if (restored || (everything && !waiting) || useless) options.ledger.forget(config.file);
				options.ledger.save();
			}
		}
		return { client: config.client, scope: config.scope, file: config.file, changed, restored, before, after, servers };
	});
}

// The entry was edited after install wrapped it: put back what install changed, keep the rest,
// and keep a server command edited behind mcprec (`-- <command> <args>`) as it now is.
function unwrapKeepingEdits(value: ServerEntry, noted: LedgerEntry, target: WrappedTarget): ServerEntry {
	const original = noted.original as ServerEntry;
	const wrapped = noted.wrapped as ServerEntry;
	const next: ServerEntry = { ...value };
	for (const name of new Set([...Object.keys(original), ...Object.keys(wrapped)])) {
		if (sameValue(original[name], wrapped[name])) continue;
		if (original[name] === undefined) delete next[name];
		else next[name] = original[name];
	}
	if (target.kind === 'stdio' && typeof original.command === 'string') {
		next.command = target.command;
		if (original.args !== undefined || target.args.length > 0) next.args = target.args;
	}
	return next;
}

function selected(entry: LocatedEntry, servers: readonly string[]): boolean {
	return servers.length === 0 || servers.includes(entry.key);
}

// Each config file that exists, handled on its own: one that cannot be read or edited is
// reported and left as it is, and the others are still done.
function eachFile(files: readonly ClientConfigFile[], handle: (config: ClientConfigFile, bytes: Buffer) => FileOutcome): FileOutcome[] {
	const outcomes: FileOutcome[] = [];
	for (const config of files) {
		const bytes = readIfPresent(config.file);
		if (!bytes) continue;
		try {
			outcomes.push(handle(config, bytes));
		} catch (error) {
			if (!(error instanceof UserError)) throw error;
			const { text } = decode(bytes);
			outcomes.push({ client: config.client, scope: config.scope, file: config.file, changed: false, before: text, after: text, servers: [], error: error.message });
		}
	}
	return outcomes;
}

/** The file's text opened with the editor of its format. */
export function openDocument(config: ClientConfigFile, text: string): ConfigDocument {
	return config.format === 'toml' ? openTomlDocument(config.file, text, config.serverMaps) : openJsonDocument(config.file, text, config.serverMaps);
}

function readIfPresent(file: string): Buffer | undefined {
	try {
		return fs.readFileSync(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
		throw error;
	}
}

// The file as it was before install, its moved secrets filled in from the store; undefined
// when the backup is gone, changed, or names a secret the store no longer has.
function readBackup(record: LedgerFile, lookup: (name: string) => string | undefined): Buffer | undefined {
	const bytes = readIfPresent(record.backup);
	if (!bytes) return undefined;
	let restored = bytes;
	if ((record.secrets ?? []).length > 0) {
		const { value, missing } = revealSecrets(bytes.toString('utf8'), lookup);
		if (missing.length > 0) return undefined;
		restored = Buffer.from(value, 'utf8');
	}
	return sha256(restored) === record.originalSha256 ? restored : undefined;
}

// An entry unwrapped without a record: a header's `${NAME}` for a `--secret NAME` install
// moved is put back as the value in the store, as it was before.
function fillSecretReferences(entry: ServerEntry, target: WrappedTarget, lookup: (name: string) => string | undefined): ServerEntry {
	if (target.kind !== 'remote' || !target.secrets || !isObject(entry.headers)) return entry;
	const secrets = target.secrets;
	const headers: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(entry.headers)) {
		headers[name] = typeof value === 'string' ? value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, secret: string) => (secrets.includes(secret) ? (lookup(secret) ?? whole) : whole)) : value;
	}
	return { ...entry, headers };
}

// The name a header secret is kept under: the base name, or base_2, base_3… when the store
// (or this run) already has another value under it; the same value keeps its name.
function nameSecret(base: string, value: string, named: Map<string, string>, vault: SecretVault): string {
	for (let counter = 1; ; counter++) {
		const name = counter === 1 ? base : `${base}_${counter}`;
		const held = named.get(name) ?? vault.get(name);
		if (held === undefined || held === value) {
			named.set(name, value);
			return name;
		}
	}
}

function decode(bytes: Buffer): { bom: boolean; text: string } {
	const text = bytes.toString('utf8');
	return text.startsWith(BOM) ? { bom: true, text: text.slice(1) } : { bom: false, text };
}

function encode(bom: boolean, text: string): Buffer {
	return Buffer.from(bom ? BOM + text : text, 'utf8');
}
