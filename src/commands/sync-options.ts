// `mcprec sync`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import { parseCount } from './parse-option-values.js';
import type { SyncOptions } from './sync.js';

/** `--batch` and `--retries` when not given; their help says so in its own words. */
export const SYNC_DEFAULTS = { batch: 500, retries: 6 } as const;

export const SYNC_COMMAND: CommandSpec = {
	name: 'sync',
	description: 'upload recorded sessions the collector does not hold yet (resumable; run it again after any interruption)',
	options: [
		{ flags: '--endpoint <url>', description: 'the collector, e.g. https://mcprec.example.com (remembered as sync.endpoint in config.yaml)' },
		{ flags: '--dry-run', description: 'list what would be uploaded; send and change nothing' },
		{ flags: '--json', description: 'print the summary as JSON' },
		{ flags: '--batch <n>', description: `events per request (default ${SYNC_DEFAULTS.batch})`, parse: parseCount },
		{
			flags: '--retries <n>',
			description: `attempts per request on network errors and 5xx, with exponential back-off (default ${SYNC_DEFAULTS.retries})`,
			parse: parseCount,
		},
	],
	helpAfter: `
Signs in as the \`mcprec login\` user. Closed sessions are signed with this device's key
(created on first use) once fully uploaded. \`sync: { auto: true }\` in config.yaml syncs in
the background after each \`mcprec run\`.

Exit codes: 0 done, 1 some sessions refused by the collector, 2 bad usage or not signed in,
4 the collector could not be reached (run it again later: nothing is lost or duplicated).`,
	action: async (options: SyncOptions) => {
		const { syncCommand } = await import('./sync.js');
		await syncCommand(options);
	},
};
