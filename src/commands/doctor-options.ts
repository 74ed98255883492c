// `mcprec doctor`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { DoctorOptions } from './doctor.js';

export const DOCTOR_COMMAND: CommandSpec = {
	name: 'doctor',
	description: 'check that the MCP servers in your AI clients will start through mcprec, and what is in force',
	options: [
		{ flags: '--client <name>', description: 'only this client (repeatable); default: every client whose config file exists', repeatable: true },
		{ flags: '--project <dir>', description: 'the project whose client files are checked (default: the current folder)' },
		{ flags: '--json', description: 'print a JSON object: the store, login, policy, and per client and server what was found' },
	],
	helpAfter: `
Per client and server: wrapped or not, whether the command resolves on the PATH that client
sees, and the last recorded session; then whether the store is writable, who is signed in and
which policy is in force. Exits 1 when something would fail, with the command that fixes it.`,
	action: async (options: DoctorOptions) => {
		const { doctorCommand } = await import('./doctor.js');
		await doctorCommand(options);
	},
};
