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
		{ flags: '--bundle <file>', description: "check an evidence bundle downloaded from the collector's viewer, offline" },
	],
	action: async (session: string | undefined, options: VerifyOptions & { bundle?: string }) => {
		if (options.bundle !== undefined) {
			const { verifyBundleCommand } = await import('./verify-bundle.js');
			return verifyBundleCommand(options.bundle, { json: options.json, session });
		}
		const { verifyCommand } = await import('./verify.js');
		await verifyCommand(session, options);
	},
};
