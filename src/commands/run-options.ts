// `mcprec run`'s command line, in one table that both of its parsers are built from: the
// fast path (run-fast-path.ts, which reads the options without loading commander) and
// commander's definition in main.ts (help text, and the same parse when main handles `run`).
//
// The first argument that is not one of these options starts the server command, and
// everything after it belongs to the server, even what looks like an mcprec option:
// launchers such as the MCP Inspector drop the `--` (`run --name g server --repository R`).
// This is what commander does with passThroughOptions(); parseRunArguments does the same.

import type { CommandSpec, OptionSpec } from './command-spec.js';
import { parseHttpUrl, parseMilliseconds, parseRemoteTransport } from './parse-option-values.js';
import type { RunOptions } from './run.js';

/** The values of `run`'s options once read, defaults filled in. */
export type ParsedRunOptions = RunOptions & { lockTimeout: number; secret: string[]; env: string[]; header: string[]; transport: RemoteTransport };

/** `run --transport`: which HTTP transport `--url` speaks. */
export type RemoteTransport = 'auto' | 'streamable-http' | 'sse';

/** One option of `run`; each takes one value, which the fast path stores under `key`. */
export interface RunOptionSpec extends OptionSpec {
	key: keyof ParsedRunOptions;
}

/** `run --lock-timeout` when not given. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

export const RUN_OPTIONS: readonly RunOptionSpec[] = [
	{ flags: '-n, --name <label>', key: 'name', description: "server label stored on the session (default: the command's basename, or the --url's host)" },
	{ flags: '--url <url>', key: 'url', description: 'connect to a remote MCP server at this URL (Streamable HTTP) instead of starting a command', parse: parseHttpUrl },
	{
		flags: '--header <header>',
		key: 'header',
		description: 'with --url: send this header, "Name: value"; ${NAME} in the value is secret NAME (needs --secret NAME) (repeatable)',
		repeatable: true,
	},
	{
		flags: '--transport <kind>',
		key: 'transport',
		description: 'with --url: auto, streamable-http or sse (the 2024-11-05 HTTP+SSE transport)',
		parse: parseRemoteTransport,
		default: 'auto',
	},
	{
		flags: '-p, --policy <file>',
		key: 'policy',
		description: 'policy file (YAML or JSON); default: `policy:` in config.yaml, else record and mask secrets',
	},
	{
		flags: '--lock-timeout <ms>',
		key: 'lockTimeout',
		description: 'how long to wait on a locked database before refusing requests',
		parse: parseMilliseconds,
		default: DEFAULT_LOCK_TIMEOUT_MS,
	},
	{
		flags: '--secret <NAME>',
		key: 'secret',
		description: "put secret NAME from the credential store into the server's environment as $NAME, or into a --header as ${NAME} (repeatable; see `mcprec secret`)",
		repeatable: true,
	},
	{ flags: '--env <NAME>', key: 'env', description: 'same as --secret', repeatable: true },
];

export const RUN_COMMAND: CommandSpec = {
	name: 'run',
	description: 'start an MCP server on stdio (or connect to a remote one with --url) and proxy it, recording every message',
	arguments: [{ name: '[command...]', description: 'the MCP server command and its arguments (`--` before it is optional); none with --url' }],
	options: RUN_OPTIONS,
	// Everything from the server command on is the server's, even `--name` (see above).
	passThroughOptions: true,
	helpAfter: `
Options after the server command are the server's: \`mcprec run --name g server --repository R\`
passes --repository R to server. stdout carries only JSON-RPC; mcprec's own messages go
to stderr. A wrong command line answers the client's requests with the error and exits 2.

Example (claude_desktop_config.json):
  "command": "mcprec",
  "args": ["run", "--name", "filesystem", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "/home/me"]

A remote server (the token from \`mcprec secret set GITHUB_TOKEN\`, never in the config or the recording):
  "args": ["run", "--url", "https://api.githubcopilot.com/mcp/", "--secret", "GITHUB_TOKEN",
           "--header", "Authorization: Bearer \${GITHUB_TOKEN}"]

A server protected with OAuth (the MCP authorization spec): sign in once in a terminal with
\`mcprec login --url URL\`; \`run --url URL\` then sends the tokens and refreshes them.`,
	action: async (command: string[], options: ParsedRunOptions) => {
		const { runCommand } = await import('./run.js');
		await runCommand({ command, options });
	},
};

/** What the arguments after `run` ask for. */
export type RunArguments =
	| { kind: 'run'; command: string[]; options: ParsedRunOptions }
	/** `-h` / `--help` among run's own options: commander prints the help. */
	| { kind: 'help' }
	/** The command line is wrong; `message` says how, as commander would (without its `error: `). */
	| { kind: 'usage-error'; message: string; options: ParsedRunOptions };

/** Reads `[options] [--] <command> [args…]`, the words after `run`. */
export function parseRunArguments(args: readonly string[]): RunArguments {
	const options = defaultRunOptions();
	const usageError = (message: string): RunArguments => ({ kind: 'usage-error', message, options });
	for (let index = 0; index < args.length; index++) {
		const arg = args[index];
		if (arg === '--') return commandFrom(args.slice(index + 1), options);
		if (!looksLikeOption(arg)) return commandFrom(args.slice(index), options);
		if (isHelpFlag(arg)) return { kind: 'help' };
		let spec = findOption(arg);
		let value: string | undefined;
		if (spec) {
			// Like commander: the next word is the value, even when it starts with a dash.
			value = args[++index];
			if (value === undefined) return usageError(`option '${spec.flags}' argument missing`);
		} else if (arg.startsWith('--') && arg.includes('=')) {
			spec = findOption(arg.slice(0, arg.indexOf('=')));
			value = arg.slice(arg.indexOf('=') + 1);
		} else if (!arg.startsWith('--')) {
			spec = findOption(arg.slice(0, 2));
			value = arg.slice(2);
		}
		if (!spec || value === undefined) {
			// Commander shows the help instead when a help flag follows, wherever it is.
			return args.slice(index).some(isHelpFlag) ? { kind: 'help' } : usageError(`unknown option '${arg}'`);
		}
		const problem = setOption(options, spec, value);
		if (problem) return usageError(`option '${spec.flags}' argument '${value}' is invalid. ${problem}`);
	}
	return commandFrom([], options);
}

/** The options before any was given. */
export function defaultRunOptions(): ParsedRunOptions {
	const options: Record<string, unknown> = {};
	for (const spec of RUN_OPTIONS) {
		if (spec.repeatable) options[spec.key] = [];
		else if (spec.default !== undefined) options[spec.key] = spec.default;
	}
	return options as unknown as ParsedRunOptions;
}

/** What the client and stderr are told about a wrong `run` command line. */
export function describeRunUsageError(message: string): string {
	const hint = message.startsWith('unknown option')
		? "; mcprec's own options go before the server command, the server's after it"
		: message.startsWith('missing')
			? ', for example: mcprec run --name fs -- npx -y @modelcontextprotocol/server-filesystem ~/src'
			: '';
	return `invalid arguments for mcprec run: ${message}${hint} (see mcprec run --help)`;
}

function commandFrom(command: string[], options: ParsedRunOptions): RunArguments {
	// A remote server needs no command; runCommand says it when both are given.
	if (command.length === 0 && options.url !== undefined) return { kind: 'run', command, options };
	if (command.length === 0) return { kind: 'usage-error', message: "missing required argument 'command'", options };
	return { kind: 'run', command, options };
}

function setOption(options: ParsedRunOptions, spec: RunOptionSpec, text: string): string | undefined {
	let value: unknown = text;
	if (spec.parse) {
		try {
			value = spec.parse(text);
		} catch (error) {
			return (error as Error).message;
		}
	}
	const record = options as unknown as Record<string, unknown>;
	record[spec.key] = spec.repeatable ? [...(record[spec.key] as unknown[]), value] : value;
	return undefined;
}

function findOption(flag: string): RunOptionSpec | undefined {
	return RUN_OPTIONS.find((spec) => flagsOf(spec).includes(flag));
}

/** `-n` and `--name` from `-n, --name <label>`. */
function flagsOf(spec: RunOptionSpec): string[] {
	return spec.flags.split(/[ ,]+/).filter((word) => word.startsWith('-'));
}

function isHelpFlag(arg: string): boolean {
	return arg === '-h' || arg === '--help';
}

// Commander's rule: a dash and at least one more character, except a negative number
// (`run` has no option like -1), which is an argument.
function looksLikeOption(arg: string): boolean {
	return arg.length > 1 && arg[0] === '-' && !/^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/.test(arg);
}
