import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { MIGRATIONS } from './migrations.js';
import { journalDirectory, recoverJournals, type RecoveredSession } from './recover-journals.js';
import { StoreError } from '../errors/store-error.js';
import type { DeviceSigner } from '../event/device-signature.js';
import { writeLedgerHead } from './ledger-queries.js';
import { sqliteAddon } from './sqlite-addon.js';

export type StoreDatabase = BetterSqlite3.Database;

// better-sqlite3 is loaded with the first store opened, not with the module: `run` loads this
// module with everything else before it reads the client's first request, and the package's
// CommonJS files take ~10 ms to resolve and load (DESIGN §8, startup).
let Database: typeof BetterSqlite3 | undefined;
function sqlite(): typeof BetterSqlite3 {
	if (Database === undefined) {
		const require = createRequire(import.meta.url);
		Database = require('better-sqlite3') as typeof BetterSqlite3;
	}
	return Database;
}

export interface OpenStoreOptions {
	file: string;
	/** How long SQLite itself waits on a lock before reporting SQLITE_BUSY. */
	busyTimeoutMs?: number;
	readonly?: boolean;
	/** Report a store readable by others on stderr (default true; false where this process already opened it). */
	warnPermissions?: boolean;
	/** Recover dead sessions' write-ahead journals (default true; false in the recorder's own writer). */
	recover?: boolean;
	/** The device key, asked for only when a dead session is recovered (it signs its close). */
	signer?: () => DeviceSigner | undefined;
}

/** Opens (creating when needed) the local SQLite store in WAL mode and applies migrations. */
export function openStore({ file, busyTimeoutMs = 5000, readonly = false, warnPermissions = true, recover = true, signer }: OpenStoreOptions): StoreDatabase {
	if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
	if (readonly && !fs.existsSync(file)) {
		throw new StoreError(`no recordings yet: ${file} does not exist (record a session with \`mcprec run -- <command>\`)`);
	}
	if (!readonly) createPrivately(file);
	if (warnPermissions) warnIfReadableByOthers(file);
	const database = new (sqlite())(file, { timeout: busyTimeoutMs, readonly: false, fileMustExist: readonly, nativeBinding: sqliteAddon() });
	try {
		if (database.pragma('journal_mode', { simple: true }) !== 'wal') database.pragma('journal_mode = WAL');
		database.pragma('synchronous = NORMAL');
		database.pragma('foreign_keys = OFF');
		applyMigrations(database);
		if (recover) reportRecovered(recoverJournals(database, journalDirectory(file), { signer, onLedgerHead: (head) => writeLedgerHead(file, head) }));
	} catch (error) {
		database.close();
		throw error;
	}
	return database;
}

// The store holds what agents read and wrote: 0600 from the start. SQLite gives its -wal and
// -shm files the main file's mode, so creating the (empty, valid) file first is enough.
function createPrivately(file: string): void {
	try {
		fs.closeSync(fs.openSync(file, 'wx', 0o600));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
}

const warned = new Set<string>();

// A store or folder that others can read is reported once per process, with the command
// that fixes it; mcprec does not change the permissions of files it did not create.
function warnIfReadableByOthers(file: string): void {
	for (const [target, expected] of [
		[path.dirname(file), 0o700],
		[file, 0o600],
	] as const) {
		let mode: number;
		try {
			mode = fs.statSync(target).mode & 0o777;
		} catch {
			continue;
		}
		if ((mode & 0o077) === 0 || warned.has(target)) continue;
		warned.add(target);
		const what = target === file ? 'the recording store' : 'the folder of the recording store';
		process.stderr.write(`mcprec: warning: other users can read ${what} ${target} (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod ${expected.toString(8)} ${target}\`${target === file ? ' (and the same for its -wal and -shm files)' : ''}\n`);
	}
}

// Said once, on stderr, by whichever mcprec recovered the session.
function reportRecovered(recovered: RecoveredSession[]): void {
	for (const session of recovered) {
		if (session.failed) {
			process.stderr.write(`mcprec: could not recover session ${session.sessionId} from its write-ahead journal: ${session.failed}\n`);
			continue;
		}
		const what = session.imported > 0 ? `${session.imported} events the store lacked were imported from its write-ahead journal` : 'nothing was missing';
		process.stderr.write(`mcprec: recovered session ${session.sessionId}, whose mcprec stopped without closing it: ${what}; it is closed as ${session.endReason}${session.problem ? ` (${session.problem})` : ''}\n`);
	}
}

function applyMigrations(database: StoreDatabase): void {
	const current = database.pragma('user_version', { simple: true }) as number;
	const pending = MIGRATIONS.filter((migration) => migration.version > current);
	if (pending.length === 0) return;
	database.transaction(() => {
		// Re-read inside the write lock: another mcprec process may have migrated meanwhile.
		const version = database.pragma('user_version', { simple: true }) as number;
		for (const migration of MIGRATIONS) {
			if (migration.version <= version) continue;
			database.exec(migration.sql);
			database.pragma(`user_version = ${migration.version}`);
		}
	}).immediate();
}

export { StoreError } from '../errors/store-error.js';
