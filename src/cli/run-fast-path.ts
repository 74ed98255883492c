// `mcprec run` is what an MCP client starts for every session, and the client waits for
// `initialize` (DESIGN §8, startup). The common forms of its command line are read here
// without loading commander and the other commands; anything else — help, an unknown or
// malformed option, no `--` — goes to the full command line in main.ts, which also owns
// the help text and the error messages. Keep the options in step with main.ts's `run`.

import type { RunOptions } from '../commands/run.js';
import { reportFailure } from './report-failure.js';

export interface RunInvocation {
	command: string[];
	options: RunOptions & { lockTimeout: number; secret: string[]; env: string[] };
}

/** `run --lock-timeout` when not given (main.ts uses it too). */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/** Reads `[options] -- <command...>` (what follows `run`); undefined when main.ts must decide. */
export function parseRunArguments(args: readonly string[]): RunInvocation | undefined {
	const options: RunInvocation['options'] = { lockTimeout: DEFAULT_LOCK_TIMEOUT_MS, secret: [], env: [] };
	for (let index = 0; index < args.length; index++) {
		const arg = args[index];
		if (arg === '--') {
			const command = args.slice(index + 1);
			return command.length > 0 ? { command, options } : undefined;
		}
		const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
		const flag = equals === -1 ? arg : arg.slice(0, equals);
		const value = equals === -1 ? args[++index] : arg.slice(equals + 1);
		if (value === undefined || (equals === -1 && value.startsWith('-'))) return undefined;
		switch (flag) {
			case '-n':
			case '--name':
				options.name = value;
				break;
			case '-p':
			case '--policy':
				options.policy = value;
				break;
			case '--lock-timeout': {
				const number = Number(value);
				if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) return undefined;
				options.lockTimeout = number;
				break;
			}
			case '--secret':
				options.secret.push(value);
				break;
			case '--env':
				options.env.push(value);
				break;
			default:
				return undefined;
		}
	}
	return undefined;
}

/** Runs `mcprec run …` when the fast path can read it; false when main.ts must. */
export async function runFast(argv: readonly string[]): Promise<boolean> {
	if (argv[2] !== 'run') return false;
	const invocation = parseRunArguments(argv.slice(3));
	if (!invocation) return false;
	try {
		const { runCommand } = await import('../commands/run.js');
		await runCommand(invocation.command, invocation.options);
	} catch (error) {
		process.exitCode = reportFailure(error);
	}
	return true;
}
