// The life of a proxied server seen from the outside (DESIGN §3, lifecycle): shutdown on
// client EOF, a server that dies mid-call, a command that cannot start, signals.

import { afterEach, describe, expect, it } from 'vitest';
import { fixture, payloadOf, readEvents, readSessions, removeHome, type StoredEventRow } from '../helpers/mcprec.js';
import { isAlive, startRaw, waitForGone, type RawSession } from '../helpers/raw-mcprec.js';

const INITIALIZE =
	'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"lifecycle-test","version":"1.0.0"}}}';

let sessions: RawSession[] = [];
let strayPids: number[] = [];

function start(command: string[]): RawSession {
	const session = startRaw(command);
	sessions.push(session);
	return session;
}

afterEach(() => {
	for (const session of sessions) {
		session.kill();
		removeHome(session.home);
	}
	// Anything a failed test left behind (pids we learned from the fixtures).
	for (const pid of strayPids) {
		if (isAlive(pid)) process.kill(pid, 'SIGKILL');
	}
	sessions = [];
	strayPids = [];
});

/** Lifecycle events of the newest session, parsed. */
function lifecycle(events: StoredEventRow[]): Record<string, unknown>[] {
	return events
		.filter((event) => event.kind === 'lifecycle')
		.map((event) => {
			expect(event.origin).toBe('proxy');
			return JSON.parse(payloadOf(event).toString()) as Record<string, unknown>;
		});
}

function parse(line: Buffer): { id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } } {
	return JSON.parse(line.toString('utf8'));
}

describe('client EOF', () => {
	it('closes the server stdin; a well-behaved server exits at once and mcprec exits 0', async () => {
		const session = start(['node', fixture('raw-server.mjs')]);
		session.send(INITIALIZE);
		await session.response(0);
		const closedAt = Date.now();
		session.end();
		const exit = await session.exit();
		// Well inside the 2 s stdin grace: no signal was needed.
		expect(Date.now() - closedAt).toBeLessThan(1900);
		expect(exit).toEqual({ code: 0, signal: null });

		const events = readEvents(session.home);
		const steps = lifecycle(events);
		expect(steps.map((step) => step.event)).toEqual(['start', 'spawned', 'client-closed', 'upstream-exit', 'end']);
		const serverPid = steps[1].pid as number;
		expect(isAlive(serverPid)).toBe(false);
		expect(steps[3]).toMatchObject({ code: 0, signal: null });
		expect(readSessions(session.home)[0]).toMatchObject({ end_reason: 'client-closed', exit_code: 0 });
	});

	it('kills a server that ignores EOF and SIGTERM within 5 s (SIGKILL to the group)', async () => {
		const session = start(['node', fixture('ignores-sigterm.mjs')]);
		const [, pid] = await session.waitForStderr(/ignores-sigterm: pid (\d+)/);
		strayPids.push(Number(pid));
		session.send(INITIALIZE);
		await session.response(0);
		session.end();
		await waitForGone(Number(pid), 5000);
		const exit = await session.exit(2000);
		// SIGTERM was tried (and ignored) before the SIGKILL.
		expect(session.stderr).toContain('ignores-sigterm: got SIGTERM, ignoring it');
		expect(exit.code).toBe(128 + 9);

		const steps = lifecycle(readEvents(session.home));
		expect(steps.find((step) => step.event === 'upstream-exit')).toMatchObject({ code: null, signal: 'SIGKILL' });
		expect(readSessions(session.home)[0]).toMatchObject({ end_reason: 'client-closed', exit_signal: 'SIGKILL' });
	});

	it("kills the server's grandchild that ignores SIGTERM within 5 s", async () => {
		const session = start(['node', fixture('spawns-grandchild.mjs')]);
		const [, pid, grandchildPid] = await session.waitForStderr(/spawns-grandchild: pid (\d+) grandchild (\d+)/);
		strayPids.push(Number(pid), Number(grandchildPid));
		session.send(INITIALIZE);
		await session.response(0);
		expect(isAlive(Number(grandchildPid))).toBe(true);
		session.end();
		await Promise.all([waitForGone(Number(pid), 5000), waitForGone(Number(grandchildPid), 5000)]);
		const exit = await session.exit(2000);
		// The server itself died of the group SIGTERM.
		expect(exit.code).toBe(128 + 15);
	});
});

describe('server exit', () => {
	it('answers pending requests with -32000 when the server crashes mid-call and exits with its status', async () => {
		const session = start(['node', fixture('raw-server.mjs')]);
		session.send(INITIALIZE);
		await session.response(0);
		session.send('{"jsonrpc":"2.0","id":"slow-1","method":"tools/call","params":{"name":"slow","arguments":{"ms":30000}}}');
		session.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"crash","arguments":{}}}');
		const [slow, crash] = await Promise.all([session.response('slow-1'), session.response(2)]);
		for (const answer of [slow, crash]) {
			expect(parse(answer).error).toEqual({ code: -32000, message: 'upstream server exited (code 3)' });
		}
		const exit = await session.exit();
		expect(exit.code).toBe(3);
		expect(session.stderr).toContain('mcprec: the server exited (code 3)');

		const events = readEvents(session.home);
		expect(lifecycle(events).find((step) => step.event === 'upstream-exit')).toMatchObject({ code: 3, signal: null });
		const answers = events.filter((event) => event.origin === 'proxy' && event.target === 'client');
		expect(answers.map((event) => event.rpc_id).sort()).toEqual(['"slow-1"', '2']);
		expect(readSessions(session.home)[0]).toMatchObject({ end_reason: 'upstream-exited', exit_code: 3 });
	});
});

describe('spawn failure', () => {
	it('answers initialize with an error naming the command, one stderr line, session recorded as spawn-failed', async () => {
		const session = start(['/nonexistent/cmd', '--flag']);
		session.send(INITIALIZE);
		const answer = parse(await session.response(0));
		expect(answer.error?.code).toBe(-32000);
		expect(answer.error?.message).toContain("'/nonexistent/cmd'");
		expect(answer.error?.message).toMatch(/command not found/);
		session.end();
		const exit = await session.exit();
		expect(exit.code).toBe(127);

		// stdout carried only that one JSON-RPC answer; the explanation went to stderr.
		expect(session.lines).toHaveLength(1);
		const stderrLines = session.stderr.trimEnd().split('\n');
		expect(stderrLines).toHaveLength(1);
		expect(stderrLines[0]).toMatch(/^mcprec: cannot start the MCP server: command not found: '\/nonexistent\/cmd'/);
		expect(session.stderr).not.toMatch(/\n\s+at /);

		const [row] = readSessions(session.home);
		expect(row).toMatchObject({ end_reason: 'spawn-failed', exit_code: 127, command: '["/nonexistent/cmd","--flag"]' });
		const events = readEvents(session.home);
		expect(lifecycle(events).map((step) => step.event)).toContain('spawn-failed');
		// The client's request is recorded even though it went nowhere.
		expect(events.some((event) => event.origin === 'client' && event.method === 'initialize' && event.target === null)).toBe(true);
	});
});

describe('signals', () => {
	it('forwards SIGTERM to the server and exits with its status', async () => {
		const session = start(['node', fixture('raw-server.mjs')]);
		session.send(INITIALIZE);
		await session.response(0);
		session.send('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"slow","arguments":{"ms":30000}}}');
		// Let the call reach the server before the signal.
		await new Promise((resolve) => setTimeout(resolve, 200));
		session.child.kill('SIGTERM');
		const pending = parse(await session.response(5));
		expect(pending.error).toEqual({ code: -32000, message: 'upstream server exited (signal SIGTERM)' });
		const exit = await session.exit();
		expect(exit).toEqual({ code: 128 + 15, signal: null });

		const steps = lifecycle(readEvents(session.home));
		expect(steps.find((step) => step.event === 'signal')).toEqual({ event: 'signal', signal: 'SIGTERM' });
		expect(steps.find((step) => step.event === 'upstream-exit')).toMatchObject({ code: null, signal: 'SIGTERM' });
		expect(readSessions(session.home)[0]).toMatchObject({ end_reason: 'signal', exit_signal: 'SIGTERM' });
	});
});
