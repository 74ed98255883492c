// Colour only on a terminal: every command the built binary offers, its --help, its errors
// and the demo, run with stdout and stderr piped, print no escape code; FORCE_COLOR=1 brings
// colour back exactly where mcprec colours; on a real terminal (util-linux `script` gives
// one, tmux for the replay timeline) there is colour unless NO_COLOR or FORCE_COLOR=0 says
// otherwise, and a stdout redirected to a file gets none even while stderr is a terminal.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { commandPaths, fixture, makeHome, mcprecBin, removeHome, repoRoot } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { shellQuote, TmuxTerminal } from '../tui/tmux-terminal.js';

const ESCAPE = '\u001b';
const CSI = '\u001b[';

/** The colour settings a run gets; the test's own NO_COLOR and FORCE_COLOR never leak in. */
type ColourEnv = { NO_COLOR?: string; FORCE_COLOR?: string };

const COLOUR_DECIDERS = new Set(['NO_COLOR', 'FORCE_COLOR', 'TF_BUILD', 'AGENT_NAME', 'TERM', 'COLORTERM', 'CI', 'CONTINUOUS_INTEGRATION', 'CI_NAME', 'GITHUB_ACTIONS', 'GITEA_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'APPVEYOR', 'BUILDKITE', 'DRONE', 'TEAMCITY_VERSION']);

/** process.env without anything that decides colour, plus a TERM a terminal would have. */
function cleanEnv(home: string, colour: ColourEnv): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		// TF_BUILD + AGENT_NAME (Azure Pipelines) makes supports-color colour even a pipe; CI
		// (set by every CI service, and by ours) turns colour off even on a terminal. A
		// person's terminal has none of them.
		if (value !== undefined && !COLOUR_DECIDERS.has(key)) env[key] = value;
	}
	return { ...env, TERM: 'xterm-256color', MCPREC_HOME: home, MCPREC_CREDENTIAL_STORE: 'file', ...colour };
}

interface Output {
	stdout: string;
	stderr: string;
	exitCode: number | undefined;
}

/** `mcprec <args>` with both streams piped. */
async function piped(home: string, args: string[], colour: ColourEnv, input = ''): Promise<Output> {
	const result = await execa(process.execPath, [mcprecBin, ...args], { env: cleanEnv(home, colour), extendEnv: false, input, reject: false, stripFinalNewline: false });
	return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
}

/**
 * `mcprec <args>` on a terminal: `script` runs it on a new pseudo-terminal and copies what
 * the terminal showed (stdout and stderr together) to its own stdout. `redirect` sends
 * mcprec's stdout to that file instead, leaving stderr on the terminal.
 */
async function onTerminal(home: string, args: string[], colour: ColourEnv, redirect?: string): Promise<Output> {
	const command = [process.execPath, mcprecBin, ...args].map(shellQuote).join(' ') + (redirect ? ` > ${shellQuote(redirect)}` : '');
	const result = await execa('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
		env: cleanEnv(home, colour),
		extendEnv: false,
		stdin: 'ignore',
		reject: false,
	});
	return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
}

const POLICY = `version: 1
rules:
  - name: no-admin
    match: { tool: "admin_*" }
    action: deny
    message: Admin tools are off limits
  - name: confirm-deletes
    match: { tool: "delete_*" }
    action: approve
    timeout: 60s
`;

/** A command line, and whether mcprec colours its stdout (when colour is on). */
interface Invocation {
	args: string[];
	coloured: boolean;
	input?: string;
}

describe('colour', () => {
	const home = makeHome('mcprec-colour-');
	const policy = path.join(home, 'policy.yaml');
	const badPolicy = path.join(home, 'bad-policy.yaml');
	let session: RawSession | undefined;
	let heldIds: string[] = [];
	let sessionId = '';

	const rawCall = (id: number, name: string, args: unknown = {}) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

	beforeAll(async () => {
		fs.writeFileSync(policy, POLICY);
		fs.writeFileSync(badPolicy, 'version: 1\nrules:\n  - name: x\n    match: {}\n    action: block\n');
		expect((await piped(home, ['secret', 'set', 'COLOUR_TEST_TOKEN'], {}, 'a-secret-value')).exitCode).toBe(0);
		expect((await piped(home, ['grant', '--server', 'other', '--tool', 'read_*', '--for', '15m'], {})).exitCode).toBe(0);

		// A session with an allowed call, a blocked one, an error, and two calls held for approval.
		session = startRaw([process.execPath, fixture('raw-server.mjs')], home, { runOptions: ['--name', 'notes', '--policy', policy] });
		session.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'colour-test', version: '1' } } }));
		await session.response(0);
		sessionId = (JSON.parse((await piped(home, ['sessions', '--json'], {})).stdout) as { id: string }[])[0].id;
		session.send(rawCall(1, 'echo', { text: 'hello' }));
		await session.response(1);
		session.send(rawCall(2, 'admin_reset'));
		await session.response(2);
		session.send(rawCall(3, 'env', { names: ['HOME'], error: true }));
		await session.response(3);
		session.send(rawCall(4, 'delete_note', { id: 'a' }));
		session.send(rawCall(5, 'delete_note', { id: 'b' }));
		const held = await session.waitForStderr(/mcprec deny ([0-9a-f]+)`[^]*mcprec deny ([0-9a-f]+)`/);
		heldIds = [held[1], held[2]];
	});

	afterAll(() => {
		session?.kill();
		removeHome(home);
	});

	it('lists held calls in colour only when colour is on, and settles them likewise', async () => {
		for (const args of [['approvals'], ['approvals', '--json'], ['approvals', '--all']]) {
			const plain = await piped(home, args, {});
			expect(plain.stdout, args.join(' ')).toContain(heldIds[0]);
			expect(plain.stdout + plain.stderr).not.toContain(ESCAPE);
			const forced = await piped(home, args, { FORCE_COLOR: '1' });
			if (args.includes('--json')) expect(forced.stdout).not.toContain(ESCAPE);
			else expect(forced.stdout, args.join(' ')).toContain(`${CSI}33mpending`);
			expect(forced.stderr).not.toContain(ESCAPE);
		}
		const onTty = await onTerminal(home, ['approvals'], {});
		expect(onTty.stdout).toContain(`${CSI}33mpending`);
		expect((await onTerminal(home, ['approvals'], { NO_COLOR: '1' })).stdout).not.toContain(ESCAPE);

		const denied = await piped(home, ['deny', heldIds[0]], { NO_COLOR: '1' });
		expect(denied.stdout).toMatch(/^denied /);
		expect(denied.stdout + denied.stderr).not.toContain(ESCAPE);
		const approved = await piped(home, ['approve', heldIds[1]], { FORCE_COLOR: '1' });
		expect(approved.stdout).toMatch(new RegExp(`^\\u001b\\[32mapproved\\u001b\\[39m ${heldIds[1]}`));
		const again = await piped(home, ['approve', heldIds[1]], { FORCE_COLOR: '1' });
		expect(again.exitCode).toBe(2);
		expect(again.stdout + again.stderr).not.toContain(ESCAPE);

		// The last call makes the server exit: the session ends with an error and exit 3.
		await session!.response(5);
		session!.send(rawCall(6, 'crash'));
		expect((await session!.exit()).code).toBe(3);
		expect(session!.stderr).not.toContain(ESCAPE);
	});

	const invocations = (): Invocation[] => [
		{ args: ['sessions'], coloured: true },
		{ args: ['sessions', '--json'], coloured: false },
		{ args: ['sessions', '--since', 'yesterday'], coloured: false },
		{ args: ['replay', sessionId, '--plain'], coloured: true },
		{ args: ['replay', sessionId, '--json'], coloured: false },
		{ args: ['replay', 'nosuchsession', '--plain'], coloured: false },
		{ args: ['verify', sessionId], coloured: true },
		{ args: ['verify', '--all'], coloured: true },
		{ args: ['verify', '--all', '--json'], coloured: false },
		{ args: ['policy', 'check', policy], coloured: true },
		{ args: ['policy', 'check', badPolicy], coloured: false },
		{ args: ['policy', 'test', policy, '--server', 'notes', '--tool', 'admin_reset'], coloured: true },
		{ args: ['policy', 'test', policy, '--server', 'notes', '--tool', 'delete_note'], coloured: true },
		{ args: ['policy', 'test', policy, '--server', 'notes', '--tool', 'echo'], coloured: true },
		{ args: ['policy', 'test', policy, '--server', 'notes', '--tool', 'echo', '--json'], coloured: false },
		{ args: ['secret', 'list'], coloured: false },
		{ args: ['secret', 'list', '--json'], coloured: false },
		{ args: ['secret', 'set', 'lower-case'], coloured: false, input: 'value' },
		{ args: ['whoami'], coloured: false },
		{ args: ['whoami', '--json'], coloured: false },
		{ args: ['login'], coloured: false },
		{ args: ['logout'], coloured: false },
		{ args: ['approvals'], coloured: false },
		{ args: ['approvals', '--all'], coloured: false },
		{ args: ['approvals', '--all', '--json'], coloured: false },
		{ args: ['grant', '--list'], coloured: false },
		{ args: ['grant', '--list', '--json'], coloured: false },
		{ args: ['grant', '--server', 'notes', '--tool', 'read_*', '--for', '5m'], coloured: false },
		{ args: ['grant', '--server', 'notes', '--tool', 'read_*', '--for', 'forever'], coloured: false },
		{ args: ['sync', '--dry-run'], coloured: false },
		{ args: ['sync', '--dry-run', '--json'], coloured: false },
		{ args: ['sync', '--endpoint', 'http://127.0.0.1:9'], coloured: false },
		{ args: ['server', '--port', 'eighty'], coloured: false },
		{ args: ['run', '--', 'mcprec-colour-test-no-such-command'], coloured: false },
		{ args: ['no-such-command'], coloured: false },
		{ args: ['--version'], coloured: false },
	];

	it('prints no escape code into a pipe, with or without NO_COLOR', async () => {
		for (const colour of [{}, { NO_COLOR: '1' }]) {
			for (const { args, input } of invocations()) {
				const output = await piped(home, args, colour, input);
				expect(output.stdout + output.stderr, `${JSON.stringify(colour)} mcprec ${args.join(' ')}`).not.toContain(ESCAPE);
				expect(output.stdout + output.stderr, `mcprec ${args.join(' ')} printed something`).not.toBe('');
			}
		}
	}, 180_000);

	it('colours exactly the coloured commands with FORCE_COLOR=1, and never stderr', async () => {
		for (const { args, coloured, input } of invocations()) {
			const output = await piped(home, args, { FORCE_COLOR: '1' }, input);
			const where = `FORCE_COLOR=1 mcprec ${args.join(' ')}`;
			if (coloured) expect(output.stdout, where).toContain(CSI);
			else expect(output.stdout, where).not.toContain(ESCAPE);
			expect(output.stderr, where).not.toContain(ESCAPE);
		}
	}, 180_000);

	it('colours on a terminal unless NO_COLOR or FORCE_COLOR=0, and never a redirected stdout', async () => {
		const coloured = invocations().filter((invocation) => invocation.coloured);
		expect(coloured.length).toBeGreaterThan(5);
		for (const { args } of coloured) {
			const where = `mcprec ${args.join(' ')} on a terminal`;
			expect((await onTerminal(home, args, {})).stdout, where).toContain(CSI);
			expect((await onTerminal(home, args, { NO_COLOR: '1' })).stdout, `NO_COLOR=1 ${where}`).not.toContain(ESCAPE);
			expect((await onTerminal(home, args, { FORCE_COLOR: '0' })).stdout, `FORCE_COLOR=0 ${where}`).not.toContain(ESCAPE);
			// NO_COLOR is for colour a person did not ask for; FORCE_COLOR asks.
			expect((await onTerminal(home, args, { NO_COLOR: '1', FORCE_COLOR: '1' })).stdout, `NO_COLOR=1 FORCE_COLOR=1 ${where}`).toContain(CSI);
		}
		// stdout into a file, stderr still on the terminal: the file stays plain.
		const file = path.join(home, 'sessions.txt');
		const redirected = await onTerminal(home, ['sessions'], {}, file);
		expect(redirected.exitCode).toBe(0);
		expect(fs.readFileSync(file, 'utf8')).toMatch(/^SESSION /);
		expect(fs.readFileSync(file, 'utf8')).not.toContain(ESCAPE);
		// Errors on a terminal are plain text too.
		const failed = await onTerminal(home, ['replay', 'nosuchsession', '--plain'], {});
		expect(failed.exitCode).toBe(2);
		expect(failed.stdout).toContain('nosuchsession');
		expect(failed.stdout).not.toContain(ESCAPE);
	}, 180_000);

	it('draws the replay timeline in colour on a terminal, and without any style under NO_COLOR', async () => {
		for (const [name, colour] of [
			['tui-colour', ''],
			['tui-no-colour', 'NO_COLOR=1'],
		]) {
			// CI variables would switch ink to its non-interactive mode; a person's terminal has none.
			const command = `env -u CI -u CONTINUOUS_INTEGRATION -u NO_COLOR -u FORCE_COLOR ${colour} MCPREC_HOME=${shellQuote(home)} TERM=xterm-256color ${shellQuote(process.execPath)} ${shellQuote(mcprecBin)} replay ${sessionId}; sleep 600`;
			const terminal = TmuxTerminal.start({ directory: home, name, columns: 120, rows: 40, command });
			try {
				await terminal.waitFor('the timeline', (screen) => screen.includes('↑↓/jk') && screen.includes('tools/call'));
				// capture-pane -e keeps the styles the pane shows, as escape codes.
				const styled = execFileSync('tmux', ['-S', terminal.socket, 'capture-pane', '-e', '-p', '-t', terminal.target], { encoding: 'utf8' });
				if (colour) expect(styled).not.toContain(ESCAPE);
				else expect(styled).toMatch(/\u001b\[[0-9;]*3[1-7]m/);
			} finally {
				terminal.close();
			}
		}
	});

	it('prints every --help without escape codes, even with FORCE_COLOR=1', async () => {
		const paths = [[], ...commandPaths(buildProgram())];
		expect(paths).toContainEqual(['policy', 'check']);
		for (const command of paths) {
			for (const colour of [{}, { FORCE_COLOR: '1' }]) {
				const output = await piped(home, [...command, '--help'], colour);
				const where = `${JSON.stringify(colour)} mcprec ${command.join(' ')} --help`;
				expect(output.exitCode, where).toBe(0);
				expect(output.stdout, where).toMatch(/^Usage: mcprec/);
				expect(output.stdout + output.stderr, where).not.toContain(ESCAPE);
			}
		}
	}, 180_000);

	it('runs the demo without escape codes into a pipe, and in colour with FORCE_COLOR=1', async () => {
		const demo = async (colour: ColourEnv) => {
			const result = await execa(process.execPath, [path.join(repoRoot, 'dist/demo/run-demo.js')], { env: cleanEnv(home, colour), extendEnv: false, reject: false });
			const demoHome = /MCPREC_HOME=([^\s\u001b]+)/.exec(result.stdout)?.[1];
			if (demoHome?.includes('mcprec-demo-')) removeHome(demoHome);
			expect(result.exitCode, result.stderr).toBe(0);
			return result;
		};
		const plain = await demo({});
		expect(plain.stdout).toContain('▶ mcprec verify last');
		expect(plain.stdout + plain.stderr).not.toContain(ESCAPE);
		const forced = await demo({ FORCE_COLOR: '1' });
		expect(forced.stdout).toContain(`${CSI}1m▶ mcprec verify last`);
		// The commands the demo runs colour too: the verify line's green check.
		expect(forced.stdout).toContain(`${CSI}32m✓`);
		expect(forced.stderr).not.toContain(ESCAPE);
	});
});
