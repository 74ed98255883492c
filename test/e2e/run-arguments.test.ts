// `mcprec run`'s command line as launchers write it (issue 11, item 8): the MCP Inspector and
// others drop the `--`, so everything from the server command on is the server's; and a
// wrong command line still answers the client's `initialize` with the error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fixture, makeHome, readEvents, readSessions, removeHome, servers } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { connectClient, type Connection } from '../helpers/sdk-client.js';

const INITIALIZE =
	'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"run-arguments-test","version":"1.0.0"}}}';

const homes: string[] = [];
const connections: Connection[] = [];
const sessions: RawSession[] = [];

function home(): string {
	const created = makeHome('mcprec-run-arguments-');
	homes.push(created);
	return created;
}

afterEach(async () => {
	for (const connection of connections.splice(0)) await connection.close();
	for (const session of sessions.splice(0)) session.kill();
});
afterAll(() => {
	for (const created of homes) removeHome(created);
});

/** The server's own argv as raw-server reports it (its unlisted `argv` tool). */
async function serverArgv(connection: Connection): Promise<string[]> {
	const result = await connection.client.callTool({ name: 'argv', arguments: {} });
	return (result.structuredContent as { argv: string[] }).argv;
}

describe('the server command and its flags', () => {
	it.each([
		['without --', false],
		['with --', true],
	])('%s: the server gets its flags, --name after the command included; mcprec keeps its own', async (_case, separator) => {
		const where = home();
		const connection = await connectClient({
			route: 'mcprec',
			home: where,
			name: 'g',
			separator,
			serverArgs: [fixture('raw-server.mjs'), '--repository', 'R', '--name', 'inner', '-p', 'x'],
		});
		connections.push(connection);
		expect(connection.client.getServerVersion()).toMatchObject({ name: 'raw-server' });
		expect(await serverArgv(connection)).toEqual(['--repository', 'R', '--name', 'inner', '-p', 'x']);
		await connection.close();
		const [session] = readSessions(where);
		expect(session).toMatchObject({ server: 'g' });
		expect(JSON.parse(session.command as string)).toEqual([process.execPath, fixture('raw-server.mjs'), '--repository', 'R', '--name', 'inner', '-p', 'x']);
	});

	it('the official filesystem server gets its directory without --', async () => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-run-arguments-fs-'));
		try {
			const connection = await connectClient({ route: 'mcprec', home: home(), name: 'fs', separator: false, serverArgs: [servers.filesystem, directory] });
			connections.push(connection);
			const result = await connection.client.callTool({ name: 'list_allowed_directories', arguments: {} });
			const text = (result.content as { type: string; text: string }[]).map((part) => part.text).join('\n');
			expect(text).toContain(fs.realpathSync(directory));
		} finally {
			fs.rmSync(directory, { recursive: true, force: true });
		}
	});
});

describe('a wrong command line', () => {
	it('answers the SDK client\'s initialize with the usage error', async () => {
		const where = home();
		const connecting = connectClient({ route: 'mcprec', home: where, runOptions: ['--bogus'], serverArgs: [fixture('raw-server.mjs')] });
		await expect(connecting).rejects.toThrow(/invalid arguments for mcprec run: unknown option '--bogus'/);
	});

	it.each([
		['an unknown option before the command', ['--bogus'], ['node', fixture('raw-server.mjs')], /unknown option '--bogus'; mcprec's own options go before the server command/],
		['a bad --lock-timeout', ['--lock-timeout', 'soon'], ['node', fixture('raw-server.mjs')], /option '--lock-timeout <ms>' argument 'soon' is invalid\. expected a whole number of milliseconds/],
		['no command', ['--name', 'lonely'], [], /missing required argument 'command', for example: mcprec run --name fs -- npx/],
	])('%s: every request gets the error, one line on stderr, exit 2 when the client closes', async (_case, runOptions, command, pattern) => {
		const session = startRaw(command, home(), { runOptions, separator: false });
		sessions.push(session);
		session.send(INITIALIZE);
		session.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
		const answers = await Promise.all([session.response(0), session.response(1)]);
		for (const answer of answers) {
			const { error } = JSON.parse(answer.toString()) as { error: { code: number; message: string } };
			expect(error.code).toBe(-32000);
			expect(error.message).toMatch(/^invalid arguments for mcprec run: /);
			expect(error.message).toMatch(pattern);
			expect(error.message).toMatch(/\(see mcprec run --help\)$/);
		}
		session.end();
		expect(await session.exit()).toEqual({ code: 2, signal: null });
		expect(session.lines).toHaveLength(2);
		const stderrLines = session.stderr.trimEnd().split('\n');
		expect(stderrLines).toHaveLength(1);
		expect(stderrLines[0]).toMatch(/^mcprec: invalid arguments for mcprec run: /);
		expect(stderrLines[0]).toMatch(pattern);

		// Recorded like any refused session: no server ran, the words are kept as given.
		const [row] = readSessions(session.home);
		expect(row).toMatchObject({ end_reason: 'usage-error', exit_code: 2 });
		expect(JSON.parse(row.command as string)).toEqual([...runOptions, ...command]);
		const events = readEvents(session.home);
		expect(events.some((event) => event.kind === 'lifecycle' && event.payload.toString().includes('"spawned"'))).toBe(false);
		expect(events.filter((event) => event.origin === 'client' && event.target === null).map((event) => event.method)).toEqual(['initialize', 'tools/list']);
	});
});
