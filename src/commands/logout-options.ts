// `mcprec logout`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { LogoutOptions } from './logout.js';
import { parseHttpUrl } from './parse-option-values.js';

export const LOGOUT_COMMAND: CommandSpec = {
	name: 'logout',
	description: 'revoke the refresh token at the identity provider (when it can) and delete the local tokens',
	options: [{ flags: '--url <url>', description: 'sign out of this remote MCP server instead: revoke and delete the tokens `login --url` stored', parse: parseHttpUrl }],
	action: async (options: LogoutOptions) => {
		const { logoutCommand } = await import('./logout.js');
		await logoutCommand(options);
	},
};
