// The command lines of `mcprec install` and `mcprec uninstall` (command-spec.ts says how
// tables are read).

import type { CommandSpec, OptionSpec } from './command-spec.js';
import type { InstallCommandOptions } from './install.js';

const CLIENT_NAMES = 'claude-desktop, claude-code, cursor, vscode, windsurf, codex, gemini';

const SHARED_OPTIONS: readonly OptionSpec[] = [
	{ flags: '--client <name>', description: `only this client (repeatable): ${CLIENT_NAMES}; default: every client whose config file exists`, repeatable: true },
	{ flags: '--server <key>', description: "only the server entry with this key (repeatable); default: all", repeatable: true },
	{ flags: '--project <dir>', description: 'the project whose .mcp.json, .cursor/, .vscode/, .codex/ and .gemini/ files are handled (default: the current folder)' },
	{ flags: '--dry-run', description: 'print, per file, a diff of what would change, and change nothing' },
	{ flags: '--json', description: 'print a JSON object: per file, the client, scope, path, whether it changed, and each server' },
];

export const INSTALL_COMMAND: CommandSpec = {
	name: 'install',
	description: 'put the MCP servers already configured in your AI clients behind mcprec, in place and reversibly',
	options: [
		...SHARED_OPTIONS,
		{
			flags: '--move-secrets',
			description: 'move secrets in remote servers\' headers (Authorization: Bearer …, X-API-Key: …) into the credential store; the file then names them only (--secret NAME, ${NAME})',
		},
	],
	helpAfter: `
Each server entry becomes \`<node> <mcprec> run --name <key> -- <its command and args>\` (a
remote one: \`run --name <key> --url <url> --header …\`); every other field, comment and the
formatting of the file stay. The first change to a file keeps a backup; running install
again changes nothing. Undo with \`mcprec uninstall\`; check with \`mcprec doctor\`.
Client files are looked for under your home folder ($MCPREC_CLIENT_HOME when set).

A header that holds a secret (Authorization: Bearer …, X-API-Key: …) stays as it is and is
named in the output. With --move-secrets its value goes into the credential store, as
\`mcprec secret set\` would put it, and the entry gets \`--secret NAME --header
"Authorization: Bearer \${NAME}"\` instead; uninstall puts the value back from the store.

Examples:
  mcprec install --dry-run
  mcprec install --client cursor --server github
  mcprec install --move-secrets`,
	action: async (options: InstallCommandOptions) => {
		const { installCommand } = await import('./install.js');
		await installCommand(options);
	},
};

export const UNINSTALL_COMMAND: CommandSpec = {
	name: 'uninstall',
	description: 'put back the server entries mcprec install wrapped',
	options: SHARED_OPTIONS,
	helpAfter: `
A file nobody changed since \`mcprec install\` is restored byte for byte from its backup;
otherwise only the entries install wrapped are unwrapped, and later edits stay. Entries
wrapped by hand are left as they are.`,
	action: async (options: InstallCommandOptions) => {
		const { uninstallCommand } = await import('./install.js');
		await uninstallCommand(options);
	},
};
