// `mcprec prune`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { PruneOptions } from './prune.js';
import { parseAge } from './parse-option-values.js';

export const PRUNE_COMMAND: CommandSpec = {
	name: 'prune',
	description: 'delete old closed sessions from the local store, leaving a signed tombstone in the store ledger',
	options: [
		{ flags: '--older-than <age>', description: 'sessions that ended longer ago than this (30d, 12h, 2w)', parse: parseAge, required: true },
		{ flags: '--only-synced', description: 'only sessions the collector holds, sealed (the default)' },
		{ flags: '--include-unsynced', description: 'also sessions never synced: their only copy is deleted' },
		{ flags: '--dry-run', description: 'list what would be deleted and change nothing' },
		{ flags: '--json', description: 'print the sessions pruned (or that would be) as JSON' },
	],
	helpAfter: `
Each pruned session leaves a tombstone in the store ledger, signed with this device's key, so
\`mcprec verify --all\` reports it as pruned on that date rather than missing. Sessions still
running are never pruned. Exit codes: 0 done, 2 usage, 3 the store could not be written.

Examples:
  mcprec prune --older-than 30d --dry-run
  mcprec prune --older-than 90d --include-unsynced`,
	action: async (options: PruneOptions) => {
		const { pruneCommand } = await import('./prune.js');
		await pruneCommand(options);
	},
};
