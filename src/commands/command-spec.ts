// How a command's command line is declared: its name, help texts, arguments and options, and
// how it starts. Each command has one such table beside it (<command>-options.ts); main.ts
// builds commander's program from them in one loop, and `run`'s fast path reads run's table
// without commander. A table stays light: it imports its command's module only to run it, so
// that reading the command line never loads ink, react or fastify.

/** One option, as commander writes it (`-n, --name <label>`, `--json`, `--no-browser`). */
export interface OptionSpec {
	flags: string;
	description: string;
	/** Reads the value; throws an Error saying what was expected, quoting the value. */
	parse?: (text: string) => unknown;
	/** May be given several times; the values are collected in order. */
	repeatable?: boolean;
	/** The value when the option is not given; --help shows it as `(default: …)`. */
	default?: unknown;
	/** The command refuses to start without it. */
	required?: boolean;
}

/** One positional argument, as commander writes it: `<session>`, `[session]`, `<command...>`. */
export interface ArgumentSpec {
	name: string;
	description: string;
}

/**
 * Runs the command with what was read: its arguments in order (a variadic one as an array,
 * a missing optional one as undefined), then its options. Each table states the types its
 * command takes; test/unit/commands/command-line.test.ts checks what commander passes.
 */
export type CommandAction = (...values: never[]) => Promise<void>;

/** One command of `mcprec`, or a subcommand of one. */
export interface CommandSpec {
	name: string;
	/** The line --help and the parent's list of commands show. */
	description: string;
	arguments?: readonly ArgumentSpec[];
	options?: readonly OptionSpec[];
	/** Examples, notes and exit codes, which --help prints after the options. */
	helpAfter?: string;
	/** Everything from the first argument on is the command's, even what looks like an option. */
	passThroughOptions?: boolean;
	/** Imports the command's module and runs it; absent for a group of subcommands. */
	action?: CommandAction;
	/** In the order --help lists them. */
	subcommands?: readonly CommandSpec[];
}
