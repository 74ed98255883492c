// install and uninstall over the client config files: open each file that exists, wrap (or
// unwrap) its server entries, and write it back atomically, noting in the ledger what was
// done. With dryRun nothing is written; the result carries each file's before and after.

import fs from 'node:fs';
import { sameValue } from './same-value.js';
import { UserError } from '../errors/user-error.js';
import type { ClientConfigFile } from './client-registry.js';
import { describeEntryPath, type ConfigDocument, type LocatedEntry } from './config-document.js';
import { entryId, type InstallLedger, type LedgerEntry } from './install-ledger.js';
import { openJsonDocument } from './json-document.js';
import { openTomlDocument } from './toml-document.js';
import { isInstallForm, isObject, readWrapped, unwrapEntry, wrapEntry, type McprecLauncher, type ServerEntry, type WrappedTarget } from './wrap-entry.js';
import { sha256, writeFileAtomic } from './write-file-atomic.js';

export type ServerAction = 'wrapped' | 'relaunched' | 'already-wrapped' | 'skipped' | 'unwrapped' | 'not-wrapped' | 'left-wrapped';

/** What happened (or would happen) to one server entry. */
export interface ServerOutcome {
	key: string;
	/** Where the entry sits: `mcpServers › fs`, `projects › /home/a › mcpServers › fs`. */
	path: string;
	action: ServerAction;
	reason?: string;
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
}

const BOM = '\ufeff';

export function installClients(options: InstallOptions & { launcher: McprecLauncher }): FileOutcome[] {
	return eachFile(options.files, (config, bytes) => {
		const { bom, text: before } = decode(bytes);
		const document = openDocument(config, before);
		const servers: ServerOutcome[] = [];
		const noted: LedgerEntry[] = [];
		for (const entry of document.entries()) {
			if (!selected(entry, options.servers)) continue;
			const decision = wrapEntry(entry.key, entry.value, options.launcher);
			const outcome = { key: entry.key, path: describeEntryPath(entry.mapPath, entry.key) };
			if (decision.action === 'wrap') {
				document.replace(entry, decision.entry);
				noted.push({ mapPath: [...entry.mapPath], key: entry.key, original: entry.value, wrapped: decision.entry });
				servers.push({ ...outcome, action: 'wrapped' });
			} else if (decision.action === 'relaunch') {
				document.replace(entry, decision.entry);
				// The entry's original is the one noted when it was first wrapped.
				const previous = options.ledger.record(config.file)?.entries[entryId(entry.mapPath, entry.key)];
				const original = previous?.original ?? unwrapEntry(entry.value as ServerEntry, decision.target);
				noted.push({ mapPath: [...entry.mapPath], key: entry.key, original, wrapped: decision.entry });
				servers.push({ ...outcome, action: 'relaunched', reason: `now ${options.launcher.command} ${options.launcher.prefix.join(' ')}` });
			} else if (decision.action === 'already-wrapped') servers.push({ ...outcome, action: 'already-wrapped' });
			else servers.push({ ...outcome, action: 'skipped', reason: decision.reason });
		}
		const after = document.text();
		const changed = after !== before;
		if (changed && !options.dryRun) {
			const written = encode(bom, after);
			options.ledger.noteInstall(config.file, config.client, bytes, written, noted);
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
		const restorable = record && record.installedSha256 === sha256(bytes) && backupIntact(record.backup, record.originalSha256);
		const document = openDocument(config, before);
		const servers: ServerOutcome[] = [];
		const unwrapped: string[] = [];
		for (const entry of document.entries()) {
			if (!selected(entry, options.servers)) continue;
			const outcome = { key: entry.key, path: describeEntryPath(entry.mapPath, entry.key) };
			const target = isObject(entry.value) ? readWrapped(entry.value) : undefined;
			if (!target) {
				servers.push({ ...outcome, action: 'not-wrapped' });
				continue;
			}
			const noted = record?.entries[entryId(entry.mapPath, entry.key)];
			const value = entry.value as ServerEntry;
			let next: ServerEntry;
			if (noted && sameValue(value, noted.wrapped)) next = noted.original as ServerEntry;
			else if (noted) next = unwrapKeepingEdits(value, noted, target);
			else if (isInstallForm(value)) next = unwrapEntry(value, target);
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
		const backup = restorable && everything ? fs.readFileSync(record.backup) : undefined;
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
				if (restored || everything || useless) options.ledger.forget(config.file);
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

function backupIntact(backup: string, expected: string): boolean {
	const bytes = readIfPresent(backup);
	return bytes !== undefined && sha256(bytes) === expected;
}

function decode(bytes: Buffer): { bom: boolean; text: string } {
	const text = bytes.toString('utf8');
	return text.startsWith(BOM) ? { bom: true, text: text.slice(1) } : { bom: false, text };
}

function encode(bom: boolean, text: string): Buffer {
	return Buffer.from(bom ? BOM + text : text, 'utf8');
}
