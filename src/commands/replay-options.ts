// `mcprec replay`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import { parsePositiveNumber } from './parse-option-values.js';
import type { ReplayOptions } from './replay.js';

export const REPLAY_COMMAND: CommandSpec = {
	name: 'replay',
	description: 'replay a session: interactive timeline on a terminal, transcript otherwise',
	arguments: [{ name: '<session>', description: 'a session id, a unique prefix of one, or "last"' }],
	options: [
		{ flags: '--json', description: 'print one JSON object per event (NDJSON)' },
		{ flags: '--plain', description: 'print the readable timeline as text, even on a terminal (tool calls with arguments and results, protocol messages folded)' },
		{ flags: '--raw', description: 'print every event with its JSON-RPC message, nothing folded' },
		{ flags: '--speed <n>', description: 'play the session back in time, N times faster (1 = real time)', parse: parsePositiveNumber },
	],
	action: async (session: string, options: ReplayOptions) => {
		const { replayCommand } = await import('./replay.js');
		await replayCommand(session, options);
	},
};
