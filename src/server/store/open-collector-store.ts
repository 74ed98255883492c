// Picks the backend from `--database`: postgres://… (or postgresql://…) selects
// PostgreSQL; anything else is a SQLite file path.

import type { CollectorStore, StoreClock } from './collector-store.js';

export interface OpenCollectorStoreOptions {
	database: string;
	clock?: StoreClock;
}

export function isPostgresUrl(database: string): boolean {
	return /^postgres(ql)?:\/\//i.test(database);
}

export async function openCollectorStore(options: OpenCollectorStoreOptions): Promise<CollectorStore> {
	if (isPostgresUrl(options.database)) {
		const { openPostgresCollectorStore } = await import('./postgres-collector-store.js');
		return openPostgresCollectorStore({ url: options.database, clock: options.clock });
	}
	const { openSqliteCollectorStore } = await import('./sqlite-collector-store.js');
	return openSqliteCollectorStore({ file: options.database, clock: options.clock });
}
