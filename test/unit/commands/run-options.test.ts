// `run`'s command line (src/commands/run-options.ts): one table of cases, read by the fast path's
// parser and by commander's `run` (main.ts); both are built from RUN_OPTIONS and must agree.

import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, RunUsageError } from '../../../src/cli/main.js';
import { describeRunUsageError, parseRunArguments, RUN_OPTIONS, type ParsedRunOptions } from '../../../src/commands/run-options.js';

const defaults: ParsedRunOptions = { lockTimeout: 5000, secret: [], env: [], header: [], transport: 'auto' };
const run = (command: string[], options: Partial<ParsedRunOptions> = {}) => ({ kind: 'run' as const, command, options: { ...defaults, ...options } });
const help = { kind: 'help' as const };
const usageError = (message: string) => ({ kind: 'usage-error' as const, message });

type Expected = ReturnType<typeof run> | typeof help | ReturnType<typeof usageError>;

const cases: [string, string[], Expected][] = [
	[
		'every option, then the command after --',
		['--name', 'fs', '-p', 'policy.yaml', '--lock-timeout=800', '--secret', 'A', '--env', 'B', '--', 'npx', '-y', 'server', '--flag'],
		run(['npx', '-y', 'server', '--flag'], { name: 'fs', policy: 'policy.yaml', lockTimeout: 800, secret: ['A'], env: ['B'] }),
	],
	['only the command after --', ['--', 'node', 'server.js'], run(['node', 'server.js'])],
	['server flags without -- (MCP Inspector)', ['--name', 'g', 'server', '--repository', 'R'], run(['server', '--repository', 'R'], { name: 'g' })],
	['--name after the command belongs to the server', ['server', '--name', 'x', '-p', 'y'], run(['server', '--name', 'x', '-p', 'y'])],
	['-- after the command belongs to the server', ['--name', 'g', 'server', '--', 'x'], run(['server', '--', 'x'], { name: 'g' })],
	['-h after the command belongs to the server', ['server', '-h'], run(['server', '-h'])],
	['a value that looks like an option is still the value', ['--name', '--policy', 'server'], run(['server'], { name: '--policy' })],
	['a short option with its value attached', ['-nfs', 'server'], run(['server'], { name: 'fs' })],
	['an empty value after =', ['--name=', 'server'], run(['server'], { name: '' })],
	['repeated --secret and --env, in order', ['--secret', 'A', '--env', 'C', '--secret', 'B', 'server'], run(['server'], { secret: ['A', 'B'], env: ['C'] })],
	['the last --name wins', ['-n', 'a', '--name', 'b', 'server'], run(['server'], { name: 'b' })],
	[
		'a remote server: --url and its options, no command',
		['--url', 'https://mcp.example.com/mcp', '--header', 'Authorization: Bearer ${T}', '--secret', 'T', '--header', 'X-A: 1', '--transport', 'streamable-http'],
		run([], { url: 'https://mcp.example.com/mcp', header: ['Authorization: Bearer ${T}', 'X-A: 1'], secret: ['T'], transport: 'streamable-http' }),
	],
	['--url is normalised', ['--url=HTTP://Example.COM:80/a/../mcp'], run([], { url: 'http://example.com/mcp' })],
	['--url with a command is the command line runCommand refuses', ['--url', 'http://h/', 'node', 's.js'], run(['node', 's.js'], { url: 'http://h/' })],
	['a --url that is not http(s)', ['--url', 'ftp://h/'], usageError("option '--url <url>' argument 'ftp://h/' is invalid. expected an http or https URL, got 'ftp://h/'")],
	['a --url that is not a URL', ['--url', 'mcp.example.com'], usageError("option '--url <url>' argument 'mcp.example.com' is invalid. expected an http or https URL, got 'mcp.example.com'")],
	[
		'a --url with credentials in it',
		['--url', 'https://me:pw@h/mcp'],
		usageError("option '--url <url>' argument 'https://me:pw@h/mcp' is invalid. a URL with a user name or password is not accepted; pass credentials with --header and --secret"),
	],
	['an unknown --transport', ['--url', 'http://h/', '--transport', 'ws'], usageError("option '--transport <kind>' argument 'ws' is invalid. expected auto, streamable-http or sse, got 'ws'")],
	['--help before the command', ['--help', '--', 'node'], help],
	['-h alone', ['-h'], help],
	['an unknown option followed by --help', ['--bogus', 'server', '--help'], help],
	['an unknown option before the command', ['--verbose', '--', 'node'], usageError("unknown option '--verbose'")],
	['a misspelt option', ['--nme', 'x', 'server'], usageError("unknown option '--nme'")],
	['an unknown short option', ['-x', 'server'], usageError("unknown option '-x'")],
	['no arguments at all', [], usageError("missing required argument 'command'")],
	['options but no command', ['--name', 'x'], usageError("missing required argument 'command'")],
	['nothing after --', ['--name', 'x', '--'], usageError("missing required argument 'command'")],
	['a missing value', ['--name'], usageError("option '-n, --name <label>' argument missing")],
	[
		'a lock timeout that is not a whole number',
		['--lock-timeout', '1.5', 'server'],
		usageError("option '--lock-timeout <ms>' argument '1.5' is invalid. expected a whole number of milliseconds, got '1.5'"),
	],
	[
		'an empty lock timeout',
		['--lock-timeout=', 'server'],
		usageError("option '--lock-timeout <ms>' argument '' is invalid. expected a whole number of milliseconds, got ''"),
	],
];

/** What commander's `run` (main.ts) makes of the same words, in the fast path's terms. */
async function parseWithCommander(args: string[]): Promise<Expected> {
	const program = buildProgram();
	const runCommand = program.commands.find((command) => command.name() === 'run')!;
	let parsed: Expected | undefined;
	runCommand.action((command: string[], options: ParsedRunOptions) => {
		parsed = { kind: 'run', command, options: { ...options } };
	});
	runCommand.configureOutput({ writeOut: () => {}, writeErr: () => {} });
	try {
		await program.parseAsync(['node', 'mcprec', 'run', ...args]);
	} catch (error) {
		if (error instanceof RunUsageError) return { kind: 'usage-error', message: error.message };
		if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') return help;
		throw error;
	}
	if (!parsed) throw new Error('commander neither ran the action nor failed');
	return parsed;
}

function withoutOptions(result: ReturnType<typeof parseRunArguments>): Expected {
	return result.kind === 'usage-error' ? usageError(result.message) : result;
}

describe("`mcprec run`'s command line", () => {
	it.each(cases)('fast path: %s', (_case, args, expected) => {
		expect(withoutOptions(parseRunArguments(args))).toEqual(expected);
	});

	it.each(cases)('commander agrees: %s', async (_case, args, expected) => {
		const commander = await parseWithCommander(args);
		expect(commander).toEqual(expected.kind === 'usage-error' ? usageError(describeRunUsageError(expected.message)) : expected);
	});

	it('keeps the options read before a usage error (the session is labelled with --name)', () => {
		expect(parseRunArguments(['--name', 'gh', '--lock-timeout', 'soon', 'server'])).toMatchObject({ kind: 'usage-error', options: { name: 'gh' } });
	});

	it("lists every option of the table in commander's help", () => {
		const text = buildProgram()
			.commands.find((command) => command.name() === 'run')!
			.helpInformation();
		for (const spec of RUN_OPTIONS) expect(text).toContain(spec.flags);
		expect(text).toContain('(default: 5000)');
	});

	it.each([
		["unknown option '--verbose'", /^invalid arguments for mcprec run: unknown option '--verbose'; mcprec's own options go before the server command/],
		["missing required argument 'command'", /missing required argument 'command', for example: mcprec run --name fs -- npx/],
		["option '--lock-timeout <ms>' argument 'x' is invalid. expected a whole number", /is invalid\. expected a whole number \(see mcprec run --help\)$/],
	])('tells the person what to do about %s', (message, pattern) => {
		expect(describeRunUsageError(message)).toMatch(pattern);
	});
});
