// `mcprec verify`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { VerifyOptions } from './verify.js';

export const VERIFY_COMMAND: CommandSpec = {
	name: 'verify',
	description: 'check the hash chain of recorded sessions; exit 0 when intact, 1 when tampered',
	arguments: [{ name: '[session]', description: 'a session id, a unique prefix of one, or "last"' }],
	options: [
		{ flags: '--all', description: 'verify every session' },
		{ flags: '--json', description: 'print the results as JSON' },
	],
	action: async (session: string | undefined, options: VerifyOptions) => {
		const { verifyCommand } = await import('./verify.js');
		await verifyCommand(session, options);
	},
};
