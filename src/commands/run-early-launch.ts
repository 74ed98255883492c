// `mcprec run`'s startup (DESIGN §8) is mostly mcprec loading its code while the server
// boots, so the server is spawned the moment nothing can forbid it. With a policy file
// that takes its parser and the file (run.ts); without one, even before run.ts loads. Only
// what the command line and the file system say is used here, and only to say yes when
// the answer cannot be no: a command (not --url), no secret to put in the server's
// environment, no --policy and no config.yaml (so the built-in policy, which requires no
// login and refuses nothing).

import fs from 'node:fs';
import { resolveStatePaths } from '../config/paths.js';
import type { ParsedRunOptions } from './run-options.js';
import type { StdioUpstream } from '../upstream/stdio-upstream.js';

/** The server, already spawned, when the command line and the absence of a policy allow it. */
export async function launchBeforeLoading(command: readonly string[], options: ParsedRunOptions): Promise<StdioUpstream | undefined> {
	const [program, ...args] = command;
	if (program === undefined || program === '' || options.url !== undefined || options.policy !== undefined) return undefined;
	if (options.secret.length > 0 || options.env.length > 0) return undefined;
	if (fs.existsSync(resolveStatePaths().config)) return undefined;
	const { StdioUpstream } = await import('../upstream/stdio-upstream.js');
	const upstream = new StdioUpstream({ command: program, args });
	upstream.launch();
	return upstream;
}
