// `mcprec logout`'s command line, which takes no options (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';

export const LOGOUT_COMMAND: CommandSpec = {
	name: 'logout',
	description: 'revoke the refresh token at the identity provider (when it can) and delete the local tokens',
	action: async () => {
		const { logoutCommand } = await import('./logout.js');
		await logoutCommand();
	},
};
