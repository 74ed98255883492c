// The command line (DESIGN §2). Each command lives in its own file under src/commands and
// is imported only when invoked, so `mcprec run` doesn't pay for ink, react or others.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { reportFailure } from './report-failure.js';
import { describeRunUsageError, RUN_OPTIONS, type ParsedRunOptions, type RunOptionSpec } from '../commands/run-options.js';
import { ExitCode } from '../errors/user-error.js';
import { VERSION } from './version.js';

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

	const run = program
		.command('run')
		.description('start an MCP server on stdio and proxy it, recording every message')
		.argument('<command...>', 'the MCP server command and its arguments (`--` before it is optional)')
		// Everything from the server command on is the server's, even `--name` (run-options.ts).
		.passThroughOptions()
		// A wrong command line is answered to the client by runCommand, which also says it on stderr.
		.showHelpAfterError(false)
		.configureOutput({ outputError: () => {} })
		.exitOverride((error) => {
			throw error.exitCode === 0 ? error : new RunUsageError(error.message);
		})
		.addHelpText(
			'after',
			`
Options after the server command are the server's: \`mcprec run --name g server --repository R\`
passes --repository R to server. stdout carries only JSON-RPC; mcprec's own messages go
to stderr. A wrong command line answers the client's requests with the error and exits 2.

Example (claude_desktop_config.json):
  "command": "mcprec",
  "args": ["run", "--name", "filesystem", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "/home/me"]`,
		)
		.action(async (command: string[], options: ParsedRunOptions) => {
			const { startRun } = await import('./run-fast-path.js');
			await startRun({ command, options });
		});
	for (const spec of RUN_OPTIONS) run.addOption(commanderOption(spec));

	program
		.command('sessions')
		.description('list recorded sessions, newest first')
		.option('--server <label>', 'only sessions of this server label (glob: * and ?)')
		.option('--user <user>', 'only sessions of this user (email, subject or OS user)')
		.option('--since <when>', 'only sessions started since: a duration (30m, 2h, 7d) or an ISO date')
		.option('--limit <n>', 'at most this many sessions', parseInteger, 50)
		.option('--json', 'print a JSON array, one object per session (id, server, command, startedAt, endedAt, endReason, user, client, counts, headHash, synced, …)')
		.action(async (options) => {
			const { sessionsCommand } = await import('../commands/sessions.js');
			await sessionsCommand(options);
		});

	program
		.command('replay')
		.description('replay a session: interactive timeline on a terminal, transcript otherwise')
		.argument('<session>', 'a session id, a unique prefix of one, or "last"')
		.option('--json', 'print one JSON object per event (NDJSON)')
		.option('--plain', 'print a plain transcript, even on a terminal')
		.addOption(new Option('--speed <n>', 'play the session back in time, N times faster (1 = real time)').argParser(parseFloatOption))
		.action(async (session: string, options) => {
			const { replayCommand } = await import('../commands/replay.js');
			await replayCommand(session, options);
		});

	program
		.command('verify')
		.description('check the hash chain of recorded sessions; exit 0 when intact, 1 when tampered')
		.argument('[session]', 'a session id, a unique prefix of one, or "last"')
		.option('--all', 'verify every session')
		.option('--json', 'print the results as JSON')
		.action(async (session: string | undefined, options) => {
			const { verifyCommand } = await import('../commands/verify.js');
			await verifyCommand(session, options);
		});

	program
		.command('approvals')
		.description('list tool calls waiting for a human decision, each with every argument')
		.option('--all', 'include settled and expired approvals')
		.option('--json', 'print a JSON array')
		.action(async (options) => {
			const { approvalsCommand } = await import('../commands/approvals.js');
			await approvalsCommand(options);
		});

	for (const [name, decision, summary] of [
		['approve', 'approved', "let a held tool call through (a collector's approver group decides the calls it holds)"],
		['deny', 'denied', "refuse a held tool call (a collector's approver group decides the calls it holds)"],
	] as const) {
		program
			.command(name)
			.description(summary)
			.argument('<id>', 'the approval id (or a unique prefix) from `mcprec approvals`')
			.option('--json', 'print the settled approval as JSON')
			.action(async (id: string, options) => {
				const { decideCommand } = await import('../commands/approvals.js');
				await decideCommand(id, decision, options);
			});
	}

	program
		.command('grant')
		.description('pre-approve calls to a tool for a while (just-in-time access)')
		.option('--server <glob>', 'server label (glob)')
		.option('--tool <glob>', 'tool name (glob)')
		.option('--for <duration>', 'how long: 15m, 2h, 1d (at most 7d)')
		.option('--reason <text>', 'why, kept with the grant')
		.option('--list', 'list the grants in force')
		.option('--json', 'print JSON')
		.addHelpText('after', '\nExample:\n  mcprec grant --server db-prod --tool "delete_*" --for 15m --reason "INC-4211 cleanup"')
		.action(async (options) => {
			const { grantCommand } = await import('../commands/approvals.js');
			await grantCommand(options);
		});

	const policy = program
		.command('policy')
		.description('validate a policy file, or dry-run a request against it')
		.addHelpText(
			'after',
			`
Examples:
  mcprec policy check policy.yaml
  mcprec policy test policy.yaml --server fs --tool write_file --args '{"path":"/etc/hosts"}'`,
		);

	policy
		.command('check')
		.description('validate a policy file (YAML or JSON); exit 0 when valid, 2 with the first problem and its line')
		.argument('<file>', 'the policy file')
		.addHelpText('after', '\nExample:\n  mcprec policy check policy.yaml\n  ✓ policy.yaml: 4 rules, masking: secrets -jwt +employee-id (redact, 4 fields), tools: hide admin_*, pin alert')
		.action(async (file: string) => {
			const { policyCheckCommand } = await import('../commands/policy.js');
			await policyCheckCommand(file);
		});

	policy
		.command('test')
		.description('show which rule a request would match and what would happen to it')
		.argument('<file>', 'the policy file')
		.requiredOption('--server <label>', 'server label of the session (as given to `run --name`)')
		.option('--tool <name>', 'tool name of a tools/call')
		.option('--method <method>', 'JSON-RPC method (default: tools/call when --tool is given)')
		.option('--args <json>', 'tool arguments as a JSON object')
		.option('--groups <a,b>', "the user's groups, comma-separated")
		.option('--annotations <json>', "the tool's annotations as a JSON object (absent hints take the MCP defaults)")
		.option('--json', 'print {rule, line, action, message} as JSON')
		.addHelpText(
			'after',
			`
Examples:
  mcprec policy test policy.yaml --server fs --tool write_file --args '{"path":"/etc/hosts"}'
  rule 'no-etc-writes' (policy.yaml:11) → deny: Writes under /etc are not allowed

  mcprec policy test policy.yaml --server db-prod --tool drop_table --json
  mcprec policy test policy.yaml --server fs --tool read_file --groups contractors --annotations '{"readOnlyHint":true}'
  mcprec policy test policy.yaml --server fs --method sampling/createMessage`,
		)
		.action(async (file: string, options) => {
			const { policyTestCommand } = await import('../commands/policy.js');
			await policyTestCommand(file, options);
		});

	program
		.command('login')
		.description('sign in with your identity provider (OIDC device flow); `run` then records who you are')
		.option('--issuer <url>', 'the identity provider (default: identity.issuer in config.yaml, else $MCPREC_ISSUER)')
		.option('--client-id <id>', 'the client id registered for mcprec (default: identity.clientId, else $MCPREC_CLIENT_ID)')
		.option('--scope <scopes>', 'extra scopes, space- or comma-separated (always requested: openid profile email offline_access)')
		.option('--groups-claim <claim>', 'the claim that lists your groups, a dot path allowed (default: identity.groupsClaim, else groups)')
		.option('--resource <aud>', "the audience to request the access token for (RFC 8707), e.g. the collector's (default: sync.audience, else server.audience)")
		.option('--no-browser', 'only print the verification URL and code; do not open a browser')
		.addHelpText(
			'after',
			`
Prints a URL and a code; approve on any device with a browser (works over SSH).
Tokens are kept in the OS keychain when one works, else in credentials.json (0600)
beside config.yaml; MCPREC_CREDENTIAL_STORE=keyring|file forces one.

Exit codes: 0 signed in, 1 denied or the code expired, 2 bad usage, configuration or
credential store, 4 the identity provider could not be reached or failed.

Example config.yaml:
  identity: { issuer: https://login.example.com, clientId: mcprec-cli, scope: groups }`,
		)
		.action(async (options) => {
			const { loginCommand } = await import('../commands/login.js');
			await loginCommand(options);
		});

	program
		.command('whoami')
		.description('show who is signed in, until when, and which credential store holds the tokens')
		.option('--json', 'print {issuer, subject, email, name, groups, expiresAt, store, …} as JSON')
		.addHelpText('after', '\nExit codes: 0 signed in, 1 not signed in.')
		.action(async (options) => {
			const { whoamiCommand } = await import('../commands/whoami.js');
			await whoamiCommand(options);
		});

	program
		.command('logout')
		.description('revoke the refresh token at the identity provider (when it can) and delete the local tokens')
		.action(async () => {
			const { logoutCommand } = await import('../commands/logout.js');
			await logoutCommand();
		});

	const secret = program
		.command('secret')
		.description('keep credentials for servers in the credential store; inject them with `run --secret NAME`')
		.addHelpText(
			'after',
			`
Examples:
  mcprec secret set GITHUB_TOKEN            (prompts; or: pass show gh | mcprec secret set GITHUB_TOKEN)
  mcprec run --secret GITHUB_TOKEN -- npx -y @modelcontextprotocol/server-github
The value never appears in a recording, a log line or any output; a server that sends it
back has it masked.`,
		);

	secret
		.command('set')
		.description('store a secret: typed at a hidden prompt, or read from stdin when it is not a terminal')
		.argument('<NAME>', 'the environment variable name it is injected as: [A-Z_][A-Z0-9_]*')
		.action(async (name: string) => {
			const { secretSetCommand } = await import('../commands/secret.js');
			await secretSetCommand(name);
		});

	secret
		.command('list')
		.description('list the names of stored secrets (never their values)')
		.option('--json', 'print a JSON array of names')
		.action(async (options) => {
			const { secretListCommand } = await import('../commands/secret.js');
			await secretListCommand(options);
		});

	secret
		.command('rm')
		.description('delete a stored secret')
		.argument('<NAME>', 'the secret name')
		.action(async (name: string) => {
			const { secretRemoveCommand } = await import('../commands/secret.js');
			await secretRemoveCommand(name);
		});

	program
		.command('sync')
		.description('upload recorded sessions the collector does not hold yet (resumable; run it again after any interruption)')
		.option('--endpoint <url>', 'the collector, e.g. https://mcprec.example.com (remembered as sync.endpoint in config.yaml)')
		.option('--dry-run', 'list what would be uploaded; send and change nothing')
		.option('--json', 'print the summary as JSON')
		.option('--batch <n>', 'events per request (default 500)', parsePositiveInteger)
		.option('--retries <n>', 'attempts per request on network errors and 5xx, with exponential back-off (default 6)', parsePositiveInteger)
		.addHelpText(
			'after',
			`
Signs in as the \`mcprec login\` user. Closed sessions are signed with this device's key
(created on first use) once fully uploaded. \`sync: { auto: true }\` in config.yaml syncs in
the background after each \`mcprec run\`.

Exit codes: 0 done, 1 some sessions refused by the collector, 2 bad usage or not signed in,
4 the collector could not be reached (run it again later: nothing is lost or duplicated).`,
		)
		.action(async (options) => {
			const { syncCommand } = await import('../commands/sync.js');
			await syncCommand(options);
		});

	program
		.command('server')
		.description('run the central collector that `mcprec sync` uploads to, with its web viewer')
		.option('--port <n>', 'port to listen on (default: server.port in config.yaml, else 8740)', parseInteger)
		.option('--host <host>', 'address to listen on (default 127.0.0.1)')
		.option('--database <file|url>', 'a SQLite file (default: collector.db in the data dir) or postgres://user:pass@host/db')
		.option('--issuer <url>', "the identity provider whose access tokens are accepted (default: server.issuer, else identity.issuer)")
		.option('--audience <aud>', "the access tokens' required audience")
		.option('--auditor-group <group>', 'members read every session')
		.option('--approver-group <group>', 'members settle held tool calls in the viewer')
		.option('--groups-claim <claim>', 'the claim that lists groups, a dot path allowed (default groups)')
		.option('--max-body-mib <n>', 'largest request body in MiB (default 32)', parseFloatOption)
		.option('--viewer-client-id <id>', 'OIDC client the web viewer signs in with (authorization code + PKCE; default mcprec-viewer)')
		.option('--viewer-scope <scope>', "scopes the viewer asks for (default 'openid email profile')")
		.option('--public-url <url>', 'the URL people open the viewer at, for the sign-in redirect (default: from the request)')
		.option('--cookie-secret <secret>', 'key for the viewer\'s sign-in cookie (default: a random key kept in the database)')
		.addHelpText(
			'after',
			`
Uploads and API reads need an access token from --issuer for --audience (people get one
with \`mcprec login\`). The web viewer at / signs people in with the OIDC client
mcprec-viewer, redirect URI <public url>/auth/callback. The README's "Collector
quickstart" walks through the identity provider settings.

Example config.yaml:
  server: { issuer: https://login.example.com, audience: mcprec-collector, auditorGroup: security }`,
		)
		.action(async (options) => {
			const { serverCommand } = await import('../commands/server.js');
			await serverCommand(options);
		});

	program.hook('preAction', (_program, actionCommand) => {
		// `mcprec sessions | head` closes the pipe early; that is not an error. (`run` owns its stdout.)
		if (actionCommand.name() !== 'run') {
			process.stdout.on('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'EPIPE') process.exit(0);
				throw error;
			});
		}
	});
	return program;
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

// Commander's view of one of run's options; its value errors read like the fast path's.
function commanderOption(spec: RunOptionSpec): Option {
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
	return option;
}

function exitCodeFor(error: unknown): number {
	// Commander already printed help, the version or the usage error.
	if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : ExitCode.usage;
	return reportFailure(error);
}

function parseInteger(value: string): number {
	const number = Number(value);
	if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
	return number;
}

function parsePositiveInteger(value: string): number {
	const number = parseInteger(value);
	if (number === 0) throw new InvalidArgumentError(`expected a whole number of at least 1, got '${value}'`);
	return number;
}

function parseFloatOption(value: string): number {
	const number = Number(value);
	if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
	return number;
}
