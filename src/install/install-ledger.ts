// What install changed, kept in mcprec's state folder so uninstall can undo it: per config
// file, a backup of the bytes before the first install and the hash of what install wrote
// (equal hashes at uninstall → the backup goes back byte for byte), and per wrapped entry
// its value before and after (so a later-edited file is unwrapped entry by entry). A secret
// install moved into the credential store is kept here, and in the backup, only as a
// placeholder naming it (header-secrets.ts); uninstall fills it in from the store.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors/user-error.js';
import { hideInText, hideSecrets, PLACEHOLDER_START, type MovedSecret } from './header-secrets.js';
import { sha256, writeFileAtomic } from './write-file-atomic.js';

export interface LedgerEntry {
	mapPath: string[];
	key: string;
	original: unknown;
	wrapped: unknown;
}

export interface LedgerFile {
	client: string;
	/** A copy of the file as it was before mcprec first changed it. */
	backup: string;
	originalSha256: string;
	/** The hash of the file as install last left it; null once a later install saw it changed by someone else. */
	installedSha256: string | null;
	entries: Record<string, LedgerEntry>;
	/** Names of the secrets moved into the credential store whose placeholders the backup and entries hold. */
	secrets?: string[];
}

export interface Ledger {
	version: 1;
	files: Record<string, LedgerFile>;
}

export class InstallLedger {
	private constructor(
		readonly folder: string,
		readonly ledger: Ledger,
	) {}

	static open(stateFolder: string): InstallLedger {
		const folder = path.join(stateFolder, 'installs');
		const file = path.join(folder, 'installs.json');
		let ledger: Ledger = { version: 1, files: {} };
		if (fs.existsSync(file)) ledger = JSON.parse(fs.readFileSync(file, 'utf8')) as Ledger;
		return new InstallLedger(folder, ledger);
	}

	get file(): string {
		return path.join(this.folder, 'installs.json');
	}

	record(configFile: string): LedgerFile | undefined {
		return this.ledger.files[configFile];
	}

	/** Notes an install that turned `before` into `after`, backing up `before` the first time. */
	noteInstall(configFile: string, client: string, before: Buffer, after: Buffer, entries: LedgerEntry[], secrets: readonly MovedSecret[] = []): LedgerFile {
		if (secrets.length > 0 && before.includes(PLACEHOLDER_START)) {
			throw new UserError(`${configFile} holds the text '${PLACEHOLDER_START}', which mcprec uses to stand for a moved secret; install without --move-secrets`);
		}
		let record = this.ledger.files[configFile];
		if (!record) {
			fs.mkdirSync(this.folder, { recursive: true, mode: 0o700 });
			const backup = path.join(this.folder, `${sha256(configFile).slice(0, 16)}-${path.basename(configFile)}`);
			// Config files hold tokens in env and headers: the copies are for this user only.
			writeFileAtomic(backup, secrets.length > 0 ? hideInText(before.toString('utf8'), secrets) : before, 0o600);
			record = { client, backup, originalSha256: sha256(before), installedSha256: sha256(after), entries: {} };
			this.ledger.files[configFile] = record;
		} else {
			// Still restorable only when nobody changed the file since install last wrote it.
			record.installedSha256 = record.installedSha256 === sha256(before) ? sha256(after) : null;
		}
		for (const entry of entries) record.entries[entryId(entry.mapPath, entry.key)] = entry;
		if (secrets.length > 0) this.hide(record, secrets);
		return record;
	}

	// The moved secrets' values out of the record: its entries and its backup (written before
	// they were moved, when an earlier install left them in clear).
	private hide(record: LedgerFile, secrets: readonly MovedSecret[]): void {
		record.secrets = [...new Set([...(record.secrets ?? []), ...secrets.map((secret) => secret.name)])].sort();
		for (const [id, entry] of Object.entries(record.entries)) record.entries[id] = hideSecrets(entry, secrets);
		let backup: string | undefined;
		try {
			backup = fs.readFileSync(record.backup, 'utf8');
		} catch {
			backup = undefined;
		}
		if (backup === undefined) return;
		const hidden = hideInText(backup, secrets);
		if (hidden !== backup) writeFileAtomic(record.backup, hidden, 0o600);
	}

	forget(configFile: string): void {
		const record = this.ledger.files[configFile];
		if (!record) return;
		fs.rmSync(record.backup, { force: true });
		delete this.ledger.files[configFile];
	}

	save(): void {
		fs.mkdirSync(this.folder, { recursive: true, mode: 0o700 });
		writeFileAtomic(this.file, `${JSON.stringify(this.ledger, null, 2)}\n`, 0o600);
	}
}

export function entryId(mapPath: readonly string[], key: string): string {
	return JSON.stringify([...mapPath, key]);
}
