import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { StoreError } from './store-error.js';

export type StoreDatabase = Database.Database;

export interface OpenStoreOptions {
	file: string;
	/** How long SQLite itself waits on a lock before reporting SQLITE_BUSY. */
	busyTimeoutMs?: number;
	readonly?: boolean;
}

/** Opens (creating when needed) the local SQLite store in WAL mode and applies migrations. */
export function openStore({ file, busyTimeoutMs = 5000, readonly = false }: OpenStoreOptions): StoreDatabase {
	if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
	if (readonly && !fs.existsSync(file)) {
		throw new StoreError(`no recordings yet: ${file} does not exist (record a session with \`mcprec run -- <command>\`)`);
	}
	const database = new Database(file, { timeout: busyTimeoutMs, readonly: false, fileMustExist: readonly });
	try {
		if (database.pragma('journal_mode', { simple: true }) !== 'wal') database.pragma('journal_mode = WAL');
		database.pragma('synchronous = NORMAL');
		database.pragma('foreign_keys = OFF');
		applyMigrations(database);
	} catch (error) {
		database.close();
		throw error;
	}
	return database;
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

export { StoreError } from './store-error.js';
