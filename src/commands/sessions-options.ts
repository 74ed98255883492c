// `mcprec sessions`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import { parseWholeNumber } from './parse-option-values.js';
import type { SessionsOptions } from './sessions.js';

export const SESSIONS_COMMAND: CommandSpec = {
	name: 'sessions',
	description: 'list recorded sessions, newest first',
	options: [
		{ flags: '--server <label>', description: 'only sessions of this server label (glob: * and ?)' },
		{ flags: '--user <user>', description: 'only sessions of this user (email, subject or OS user)' },
		{ flags: '--since <when>', description: 'only sessions started since: a duration (30m, 2h, 7d) or an ISO date' },
		{ flags: '--limit <n>', description: 'at most this many sessions', parse: parseWholeNumber, default: 50 },
		{
			flags: '--json',
			description: 'print a JSON array, one object per session (id, server, command, startedAt, endedAt, endReason, user, client, counts, headHash, synced, …)',
		},
	],
	action: async (options: SessionsOptions) => {
		const { sessionsCommand } = await import('./sessions.js');
		await sessionsCommand(options);
	},
};
