// `mcprec run` is what an MCP client starts for every session, and the client waits for
// `initialize` (DESIGN §8, startup). Its command line is read here from the table of its
// options (run-options.ts) without loading commander or the other commands' tables; only a
// request for help goes on to the full command line in main.ts.

import type { ParsedRunOptions } from '../commands/run-options.js';
import { defaultRunOptions, describeRunUsageError, parseRunArguments } from '../commands/run-options.js';
import { launchBeforeLoading } from '../commands/run-early-launch.js';
import type { StdioUpstream } from '../upstream/stdio-upstream.js';
import { reportFailure } from './report-failure.js';

/** Runs `mcprec run …` unless it asks for help; false when main.ts must handle the command line. */
export async function runFast(argv: readonly string[]): Promise<boolean> {
	if (argv[2] !== 'run') return false;
	const args = argv.slice(3);
	const parsed = parseRunArguments(args);
	if (parsed.kind === 'help') return false;
	await startRun(
		parsed.kind === 'run'
			? { command: parsed.command, options: parsed.options, launched: await launchBeforeLoading(parsed.command, parsed.options) }
			: // The session records the words as given, so whoever reads it sees what was wrong.
				{ command: args, options: parsed.options, usageError: describeRunUsageError(parsed.message) },
	);
	return true;
}

/** Starts `run` (main.ts too): a wrong command line still answers the client (see runCommand). */
export async function startRun(invocation: { command: string[]; options?: ParsedRunOptions; usageError?: string; launched?: StdioUpstream }): Promise<void> {
	try {
		const { runCommand } = await import('../commands/run.js');
		await runCommand({ command: invocation.command, options: invocation.options ?? defaultRunOptions(), usageError: invocation.usageError, launched: invocation.launched });
	} catch (error) {
		process.exitCode = reportFailure(error);
		// A server spawned before run.ts refused to go on (a wrong environment variable) is not left running.
		invocation.launched?.close();
	}
}
