// `mcprec whoami`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { WhoamiOptions } from './whoami.js';

export const WHOAMI_COMMAND: CommandSpec = {
	name: 'whoami',
	description: 'show who is signed in, until when, and which credential store holds the tokens',
	options: [{ flags: '--json', description: 'print {issuer, subject, email, name, groups, expiresAt, store, …} as JSON' }],
	helpAfter: '\nExit codes: 0 signed in, 1 not signed in.',
	action: async (options: WhoamiOptions) => {
		const { whoamiCommand } = await import('./whoami.js');
		await whoamiCommand(options);
	},
};
