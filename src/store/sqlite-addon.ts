// better-sqlite3 finds its compiled addon with the `bindings` package, which works out the
// package's folder from a stack trace and then tries a dozen places: ~5 ms of every
// session's startup (DESIGN §8). npm builds or downloads the addon to one of them,
// build/Release; when it is there it is handed to better-sqlite3 directly (its
// `nativeBinding` option), else better-sqlite3 searches as it always did.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let found: string | null | undefined;

/** The path of better-sqlite3's compiled addon, when it is where npm puts it. */
export function sqliteAddon(): string | undefined {
	if (found === undefined) {
		try {
			const root = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
			const file = path.join(root, 'build', 'Release', 'better_sqlite3.node');
			found = fs.existsSync(file) ? file : null;
		} catch {
			found = null;
		}
	}
	return found ?? undefined;
}
