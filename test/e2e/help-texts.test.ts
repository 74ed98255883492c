// What the built binary says about its command line: every command's and subcommand's
// --help, and the usage errors of the options that read their value (parsers, required
// options and arguments), as a person sees them in a pipe. The expected texts live in
// __snapshots__/help-texts.txt, so a change to any of them shows up in review as a diff of
// that file (accept an intended one with `npx vitest run test/e2e/help-texts.test.ts -u`).

import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { commandPaths, makeHome, removeHome, runMcprec } from '../helpers/mcprec.js';

/** Command lines whose options or arguments are wrong, one per parser or requirement. */
const USAGE_ERRORS: string[][] = [
	['sessions', '--limit', '-1'],
	['sessions', '--limit', '2.5'],
	['sessions', '--bogus'],
	['replay'],
	['replay', 'last', '--speed', '0'],
	['verify', 'a', 'b'],
	['approve'],
	['deny', 'abc', '--bogus'],
	['policy', 'test', 'policy.yaml'],
	['policy', 'check'],
	['policy', 'nonsense'],
	['secret', 'set'],
	['sync', '--batch', '0'],
	['sync', '--retries', 'many'],
	['server', '--port', 'eighty'],
	['server', '--max-body-mib', '-3'],
	['login', '--issuer'],
	['logout', 'extra'],
	['install', '--client', 'zed'],
	['no-such-command'],
];

describe('the command line as the binary prints it', () => {
	const home = makeHome('mcprec-help-texts-');
	afterAll(() => removeHome(home));

	it('prints the same --help for every command and the same usage errors', async () => {
		const paths = [[], ...commandPaths(buildProgram())];
		expect(paths).toContainEqual(['secret', 'rm']);
		const transcripts: string[] = [];
		for (const args of [...paths.map((path) => [...path, '--help']), ...USAGE_ERRORS]) {
			const result = await runMcprec(args, home, { stripFinalNewline: false });
			const stderr = result.stderr === '' ? '' : `[stderr]\n${result.stderr}`;
			transcripts.push(`$ mcprec ${args.join(' ')}   (exit ${result.exitCode})\n${result.stdout}${stderr}`);
		}
		await expect(transcripts.join('\n')).toMatchFileSnapshot('__snapshots__/help-texts.txt');
	}, 120_000);
});
