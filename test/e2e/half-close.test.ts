// Half-close (DESIGN §3): a client that closes its stdin still reads. Answers keep flowing
// to it until the server exits or the client's stdout closes, and only what was really
// written is recorded as delivered.

import { afterEach, describe, expect, it } from 'vitest';
import { fixture, payloadOf, readEvents, readSessions, removeHome, servers, type StoredEventRow } from '../helpers/mcprec.js';
import { responseId, startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const INITIALIZE =
	'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"half-close-test","version":"1.0.0"}}}';
const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

const call = (id: number, name: string, args: Record<string, unknown> = {}) =>
	JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

let sessions: RawSession[] = [];

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
	sessions = [];
});

function lifecycle(events: StoredEventRow[]): { seq: number; details: Record<string, unknown> }[] {
	return events
		.filter((event) => event.kind === 'lifecycle')
		.map((event) => ({ seq: event.seq, details: JSON.parse(payloadOf(event).toString()) as Record<string, unknown> }));
}

/** The recorded server→client message answering request `id`. */
function answerEvent(events: StoredEventRow[], id: number): StoredEventRow {
	const found = events.find((event) => event.origin === 'server' && event.kind === 'message' && event.rpc_id === String(id));
	if (!found) throw new Error(`no recorded answer to request ${id}`);
	return found;
}

/** Ids of the stdout lines that are responses, in order. */
function answeredIds(session: RawSession): string[] {
	return session.lines.map((line) => responseId(line)).filter((id): id is string => id !== undefined);
}

describe('a client that closes stdin right after writing', () => {
	it('gets every answer, including ones the server writes after the EOF, and the record says they were delivered', async () => {
		const session = start(['node', fixture('raw-server.mjs')]);
		// One write, then EOF at once: what `echo … | mcprec run -- server` does.
		session.write(
			[INITIALIZE, INITIALIZED, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', call(2, 'echo', { n: 2 }), call(3, 'slow', { ms: 400 }), call(4, 'echo', { n: 4 })]
				.map((line) => `${line}\n`)
				.join(''),
		);
		session.end();
		const exit = await session.exit();
		expect(exit).toEqual({ code: 0, signal: null });
		expect(answeredIds(session).sort()).toEqual(['0', '1', '2', '3', '4']);
		expect(JSON.parse(session.lines.find((line) => responseId(line) === '3')!.toString())).toMatchObject({ result: { content: [{ text: 'waited 400 ms' }] } });

		const events = readEvents(session.home);
		const steps = lifecycle(events);
		expect(steps.map((step) => step.details.event)).toEqual(['start', 'spawned', 'client-closed', 'upstream-exit', 'end']);
		const clientClosedAt = steps.find((step) => step.details.event === 'client-closed')!.seq;
		for (const id of [0, 1, 2, 3, 4]) expect(answerEvent(events, id).target).toBe('client');
		// The slow answer was written in the shutdown window, after the client's EOF.
		expect(answerEvent(events, 3).seq).toBeGreaterThan(clientClosedAt);
		expect(readSessions(session.home)[0]).toMatchObject({ end_reason: 'client-closed', exit_code: 0 });
	});

	it('works with the official everything server: initialize and tools/list are answered', async () => {
		const session = start(['node', servers.everything, 'stdio']);
		session.write(`${INITIALIZE}\n${INITIALIZED}\n{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n`);
		session.end();
		await session.exit();
		expect(answeredIds(session)).toEqual(['0', '1']);
		const [initialize, tools] = session.lines
			.filter((line) => responseId(line) !== undefined)
			.map((line) => JSON.parse(line.toString()) as { result: Record<string, unknown> });
		expect(initialize.result.serverInfo).toMatchObject({ name: expect.any(String) });
		expect((tools.result.tools as unknown[]).length).toBeGreaterThan(0);

		const events = readEvents(session.home);
		expect(answerEvent(events, 0).target).toBe('client');
		expect(answerEvent(events, 1).target).toBe('client');
		expect(lifecycle(events).some((step) => step.details.event === 'client-output-closed')).toBe(false);
	});
});

describe("a client whose stdout closes early", () => {
	it('has the answers it never got recorded as undelivered, and mcprec ends cleanly', async () => {
		const session = start(['node', fixture('raw-server.mjs')]);
		session.send(INITIALIZE);
		await session.response(0);
		// The client stops reading: mcprec's next write fails with EPIPE.
		session.child.stdout.destroy();
		session.send(call(1, 'slow', { ms: 200 }));
		session.send(call(2, 'slow', { ms: 900 }));
		const exit = await session.exit();
		// Answer 2 came after the close was known; the server then finished and exited 0.
		expect(exit).toEqual({ code: 0, signal: null });
		expect(session.stderr).not.toMatch(/unexpected error|\n\s+at /);

		const events = readEvents(session.home);
		const closed = lifecycle(events).find((step) => step.details.event === 'client-output-closed');
		expect(closed?.details).toMatchObject({ error: 'EPIPE' });
		const undelivered = closed!.details.undelivered as number[];
		// Delivered before the close: recorded as sent, not listed.
		expect(answerEvent(events, 0).target).toBe('client');
		expect(undelivered).not.toContain(answerEvent(events, 0).seq);
		// Its write failed: recorded as sent just before, then named undelivered.
		expect(answerEvent(events, 1).target).toBe('client');
		expect(undelivered).toEqual([answerEvent(events, 1).seq]);
		expect(closed!.seq).toBeGreaterThan(answerEvent(events, 1).seq);
		// After the close: recorded as not forwarded.
		expect(answerEvent(events, 2).target).toBeNull();
		expect(readSessions(session.home)[0]).toMatchObject({ end_reason: 'client-closed', exit_code: 0 });
	});
});
