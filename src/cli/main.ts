// The command line (DESIGN §2): the program, then its commands, each built from the table
// beside the command (src/commands/<command>-options.ts, read as command-spec.ts says). A
// table imports its command's module only when it runs, so `mcprec run` doesn't pay for
// ink, react or others.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { reportFailure } from './report-failure.js';
import { APPROVALS_COMMAND, APPROVE_COMMAND, DENY_COMMAND, GRANT_COMMAND } from '../commands/approvals-options.js';
import type { CommandSpec, OptionSpec } from '../commands/command-spec.js';
import { DOCTOR_COMMAND } from '../commands/doctor-options.js';
import { EXPORT_COMMAND } from '../commands/export-options.js';
import { INSTALL_COMMAND, UNINSTALL_COMMAND } from '../commands/install-options.js';
import { LOGIN_COMMAND } from '../commands/login-options.js';
import { LOGOUT_COMMAND } from '../commands/logout-options.js';
import { POLICY_COMMAND } from '../commands/policy-options.js';
import { PRUNE_COMMAND } from '../commands/prune-options.js';
import { REPLAY_COMMAND } from '../commands/replay-options.js';
import { describeRunUsageError, RUN_COMMAND } from '../commands/run-options.js';
import { SECRET_COMMAND } from '../commands/secret-options.js';
import { SERVER_COMMAND } from '../commands/server-options.js';
import { SESSIONS_COMMAND } from '../commands/sessions-options.js';
import { SYNC_COMMAND } from '../commands/sync-options.js';
import { VERIFY_COMMAND } from '../commands/verify-options.js';
import { WHOAMI_COMMAND } from '../commands/whoami-options.js';
import { ExitCode } from '../errors/user-error.js';
import { VERSION } from './version.js';

/** Every command of `mcprec`, in the order --help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
	RUN_COMMAND,
	SESSIONS_COMMAND,
	REPLAY_COMMAND,
	VERIFY_COMMAND,
	EXPORT_COMMAND,
	PRUNE_COMMAND,
	APPROVALS_COMMAND,
	APPROVE_COMMAND,
	DENY_COMMAND,
	GRANT_COMMAND,
	POLICY_COMMAND,
	LOGIN_COMMAND,
	WHOAMI_COMMAND,
	LOGOUT_COMMAND,
	SECRET_COMMAND,
	SYNC_COMMAND,
	SERVER_COMMAND,
	INSTALL_COMMAND,
	UNINSTALL_COMMAND,
	DOCTOR_COMMAND,
];

export function buildProgram(): Command {
	const program = new Command('mcprec')
		.description('Record, guard and replay every MCP session.\nPut `mcprec run -- <server command>` in your MCP client config in place of the server command.')
		.version(VERSION, '-V, --version')
		.showHelpAfterError('(run with --help for usage)')
		.configureHelp({ sortSubcommands: false })
		// Options of mcprec itself only before the command; `run` needs it (passThroughOptions).
		.enablePositionalOptions()
		// Set before the subcommands are added: they copy it, so usage errors exit with 2 everywhere.
		.exitOverride()
		.addHelpText(
			'after',
			`
Examples:
  mcprec run --name fs -- npx -y @modelcontextprotocol/server-filesystem ~/src
  mcprec sessions --since 2h
  mcprec replay last
  mcprec verify --all

Exit codes: 0 ok, 1 a check failed (verify; login denied or expired; whoami: not signed in),
2 bad usage or input, 3 store problem, 4 identity provider unreachable (login);
\`run\` exits with the server's status. State lives in $MCPREC_HOME when set.`,
		);

	for (const spec of COMMANDS) {
		const command = addCommand(program, spec);
		// A wrong `run` command line is answered to the client by runCommand, which also says it on stderr.
		if (spec === RUN_COMMAND) {
			command
				.showHelpAfterError(false)
				.configureOutput({ outputError: () => {} })
				.exitOverride((error) => {
					throw error.exitCode === 0 ? error : new RunUsageError(error.message);
				})
				// The command is optional only for --url (commander cannot say "one or the other").
				.hook('preAction', (runCommand) => {
					if (runCommand.args.length === 0 && runCommand.opts().url === undefined) throw new RunUsageError("missing required argument 'command'");
				});
		}
	}

	program.hook('preAction', (_program, actionCommand) => {
		// `mcprec sessions | head` closes the pipe early; that is not an error. (`run` owns its stdout.)
		if (actionCommand.name() !== RUN_COMMAND.name) {
			process.stdout.on('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'EPIPE') process.exit(0);
				throw error;
			});
		}
	});
	return program;
}

// Commander's view of a command's table; parent.command() gives it the program's settings.
function addCommand(parent: Command, spec: CommandSpec): Command {
	const command = parent.command(spec.name).description(spec.description);
	for (const argument of spec.arguments ?? []) command.argument(argument.name, argument.description);
	for (const option of spec.options ?? []) command.addOption(commanderOption(option));
	if (spec.passThroughOptions) command.passThroughOptions();
	if (spec.helpAfter) command.addHelpText('after', spec.helpAfter);
	const action = spec.action;
	// Commander passes the arguments, the options, then the command itself, which no table wants.
	if (action) command.action((...values: unknown[]) => action(...(values.slice(0, -1) as never[])));
	for (const subcommand of spec.subcommands ?? []) addCommand(command, subcommand);
	return command;
}

/** A usage error of `run`, raised by commander: the session still answers the client (runCommand). */
export class RunUsageError extends Error {
	override name = 'RunUsageError';
	constructor(commanderMessage: string) {
		super(describeRunUsageError(commanderMessage.replace(/^error: /, '').split('\n')[0]));
	}
}

export async function main(argv: string[]): Promise<void> {
	const program = buildProgram();
	try {
		await program.parseAsync(argv);
	} catch (error) {
		if (error instanceof RunUsageError) {
			const { startRun } = await import('./run-fast-path.js');
			// Recorded with the words after `run` as given, like the fast path's usage errors.
			await startRun({ command: argv.slice(3), usageError: error.message });
			return;
		}
		process.exitCode = exitCodeFor(error);
	}
}

// Commander's view of one option; its value errors read like the fast path's.
function commanderOption(spec: OptionSpec): Option {
	const option = new Option(spec.flags, spec.description);
	const parse = spec.parse;
	const read = parse
		? (text: string) => {
				try {
					return parse(text);
				} catch (error) {
					throw new InvalidArgumentError((error as Error).message);
				}
			}
		: (text: string) => text;
	if (spec.repeatable) option.argParser((text: string, previous: unknown[]) => [...previous, read(text)]).default([]);
	else if (parse) option.argParser(read);
	if (spec.default !== undefined) option.default(spec.default);
	if (spec.required) option.makeOptionMandatory();
	return option;
}

function exitCodeFor(error: unknown): number {
	// Commander already printed help, the version or the usage error.
	if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : ExitCode.usage;
	return reportFailure(error);
}
