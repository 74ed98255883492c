// The command lines of `mcprec secret set|list|rm` (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { SecretListOptions } from './secret.js';

const SECRET_SET_COMMAND: CommandSpec = {
	name: 'set',
	description: 'store a secret: typed at a hidden prompt, or read from stdin when it is not a terminal',
	arguments: [{ name: '<NAME>', description: 'the environment variable name it is injected as: [A-Z_][A-Z0-9_]*' }],
	action: async (name: string) => {
		const { secretSetCommand } = await import('./secret.js');
		await secretSetCommand(name);
	},
};

const SECRET_LIST_COMMAND: CommandSpec = {
	name: 'list',
	description: 'list the names of stored secrets (never their values)',
	options: [{ flags: '--json', description: 'print a JSON array of names' }],
	action: async (options: SecretListOptions) => {
		const { secretListCommand } = await import('./secret.js');
		await secretListCommand(options);
	},
};

const SECRET_REMOVE_COMMAND: CommandSpec = {
	name: 'rm',
	description: 'delete a stored secret',
	arguments: [{ name: '<NAME>', description: 'the secret name' }],
	action: async (name: string) => {
		const { secretRemoveCommand } = await import('./secret.js');
		await secretRemoveCommand(name);
	},
};

export const SECRET_COMMAND: CommandSpec = {
	name: 'secret',
	description: 'keep credentials for servers in the credential store; inject them with `run --secret NAME`',
	helpAfter: `
Examples:
  mcprec secret set GITHUB_TOKEN            (prompts; or: pass show gh | mcprec secret set GITHUB_TOKEN)
  mcprec run --secret GITHUB_TOKEN -- npx -y @modelcontextprotocol/server-github
The value never appears in a recording, a log line or any output; a server that sends it
back has it masked.`,
	subcommands: [SECRET_SET_COMMAND, SECRET_LIST_COMMAND, SECRET_REMOVE_COMMAND],
};
