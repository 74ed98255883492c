// Live export (issue 18 item 2): with `export.otlp` in config.yaml, `mcprec run` starts a
// process beside itself that sends the session's spans while it runs. Real pieces: the SDK
// client and server-everything through the built binary, a receiver that decodes OTLP for
// real. Checked: spans arrive while the session is still open; an endpoint that is down
// and comes back gets every span once (none missing, none twice, checked against
// `replay --json` and against a later `mcprec export` of the same session); a follower that
// gives up leaves the rest to `export --since-last`, which sends only what did not go; an
// endpoint that hangs does not slow forwarding; `run` itself never loads OpenTelemetry.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, readSessions, removeHome, runMcprec, servers, waitForEvents } from '../helpers/mcprec.js';
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { connectClient, waitFor, type Connection } from '../helpers/sdk-client.js';

const hook = path.resolve(import.meta.dirname, '../helpers/record-loaded-modules.mjs');

interface ReplayLine {
	seq: number;
	kind: string;
	message?: Record<string, unknown>;
}

let receiver: OtlpReceiver;
const homes: string[] = [];

beforeAll(async () => {
	receiver = await startOtlpReceiver();
});
afterAll(async () => {
	await receiver.close();
	for (const home of homes) removeHome(home);
});
afterEach(() => {
	receiver.respondWith(200);
	receiver.requests.length = 0;
});

function homeWithConfig(otlp: Record<string, string | boolean>): string {
	const home = makeHome('mcprec-live-');
	homes.push(home);
	const lines = Object.entries(otlp).map(([key, value]) => `    ${key}: ${typeof value === 'string' ? JSON.stringify(value) : value}`);
	fs.writeFileSync(path.join(home, 'config.yaml'), `export:\n  otlp:\n${lines.join('\n')}\n`);
	return home;
}

function connect(home: string, env: Record<string, string> = {}): Promise<Connection> {
	return connectClient({ route: 'mcprec', serverArgs: [servers.everything], home, name: 'live', env });
}

const traceOf = (sessionId: string) => sessionId.replace(/-/g, '');
const spansOf = (spans: DecodedSpan[], sessionId: string) => spans.filter((span) => span.traceId === traceOf(sessionId));
const requestSpans = (spans: DecodedSpan[]) => spans.filter((span) => span.parentSpanId !== '');
const sessionIdOf = (home: string) => String(readSessions(home).at(-1)!.id);
const logOf = (home: string) => (fs.existsSync(path.join(home, 'live-export.log')) ? fs.readFileSync(path.join(home, 'live-export.log'), 'utf8') : '');
/** What mcprec said on stderr (the server says things there too). */
const mcprecLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('mcprec'));
const json = (value: unknown) => JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? String(item) : item));

/** The follower's last word about the session (live-export.log): done, or giving up. */
async function followerFinished(home: string, sessionId: string, word: 'done' | 'giving up' = 'done', timeoutMs = 30_000): Promise<void> {
	const said = () => logOf(home).split('\n').some((line) => line.includes(`session ${sessionId}: `) && line.includes(word));
	await waitFor(`the live export of ${sessionId} to say '${word}'`, said, timeoutMs).catch((error: Error) => {
		throw new Error(`${error.message}; live-export.log:\n${logOf(home)}`);
	});
}

/** The requests of the session as `replay --json` shows them, by seq. */
async function requestSeqs(home: string, sessionId: string): Promise<number[]> {
	const result = await runMcprec(['replay', sessionId, '--json'], home);
	expect(result.exitCode).toBe(0);
	const lines = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as ReplayLine);
	return lines.filter((line) => line.kind === 'message' && line.message && 'method' in line.message && 'id' in line.message).map((line) => line.seq);
}

/** What a later `mcprec export` of the finished session sends, to a receiver of its own. */
async function exportedLater(home: string, sessionId: string): Promise<DecodedSpan[]> {
	const other = await startOtlpReceiver();
	try {
		const result = await runMcprec(['export', sessionId, '--format', 'otlp'], home, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: other.url } });
		expect(result.exitCode, String(result.stderr)).toBe(0);
		return other.spans();
	} finally {
		await other.close();
	}
}

/**
 * Every span once, each the span a later export makes, and one per request of the recording.
 * `repeats`: a process killed between the endpoint's answer and writing it down sends that
 * batch again, the very same spans; they may come twice, never in two versions.
 */
async function expectCompleteOnce(home: string, sessionId: string, received: DecodedSpan[], repeats = false): Promise<void> {
	const ids = received.map((span) => span.spanId);
	if (repeats) {
		const first = new Map<string, DecodedSpan>();
		for (const span of received) {
			if (first.has(span.spanId)) expect(json(span), 'a span sent again is the same span').toBe(json(first.get(span.spanId)));
			else first.set(span.spanId, span);
		}
		received = [...first.values()];
	} else expect(ids.length, 'no span twice').toBe(new Set(ids).size);
	expect(requestSpans(received).map((span) => span.attributes['mcprec.request.seq']).sort((a, b) => Number(a) - Number(b))).toEqual(await requestSeqs(home, sessionId));
	expect(received.filter((span) => span.parentSpanId === '')).toHaveLength(1);
	const config = fs.readFileSync(path.join(home, 'config.yaml'), 'utf8');
	fs.writeFileSync(path.join(home, 'config.yaml'), '');
	try {
		const later = await exportedLater(home, sessionId);
		const byId = (spans: DecodedSpan[]) => json([...spans].sort((a, b) => a.spanId.localeCompare(b.spanId)));
		expect(byId(received)).toBe(byId(later));
	} finally {
		fs.writeFileSync(path.join(home, 'config.yaml'), config);
	}
}

describe('live export (export.otlp in config.yaml)', () => {
	it('sends the spans of calls while the session is still open, then the rest once, as a later export would', async () => {
		const home = homeWithConfig({ endpoint: receiver.url });
		// A log past 1 MiB starts over when a live export starts, the old part kept beside it.
		const oldLog = `${'an old line of the live export\n'.repeat(40_000)}`;
		fs.writeFileSync(path.join(home, 'live-export.log'), oldLog);
		const connection = await connect(home);
		let sessionId: string;
		try {
			await connection.client.callTool({ name: 'echo', arguments: { message: 'one' } });
			await connection.client.callTool({ name: 'echo', arguments: { message: 'two' } });
			await connection.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
			sessionId = sessionIdOf(home);
			// The client has not closed: the spans of its calls are there already.
			const live = await waitFor('the calls as spans while the session runs', () => {
				const names = requestSpans(spansOf(receiver.spans(), sessionId)).map((span) => span.name);
				return names.filter((name) => name === 'tools/call echo').length === 2 && names.includes('tools/call get-sum') && names;
			});
			expect(live).toContain('initialize');
			expect(spansOf(receiver.spans(), sessionId).filter((span) => span.parentSpanId === ''), 'no root span before the session ends').toEqual([]);
			expect(readSessions(home).at(-1)!.ended_at).toBeNull();
			expect(receiver.requests.every((request) => request.contentType === 'application/x-protobuf')).toBe(true);
		} finally {
			await connection.close();
		}
		await followerFinished(home, sessionId);
		await expectCompleteOnce(home, sessionId, spansOf(receiver.spans(), sessionId));
		expect(fs.readFileSync(path.join(home, 'live-export.log.1'), 'utf8')).toBe(oldLog);
		expect(logOf(home)).not.toContain('an old line');
		// Remembered as exported: --since-last has nothing left for this endpoint.
		receiver.requests.length = 0;
		const again = await runMcprec(['export', '--since-last', '--format', 'otlp'], home);
		expect(String(again.stderr)).toBe(`Exported 0 session(s), 0 spans, to ${receiver.url}/v1/traces.`);
		expect(receiver.requests).toEqual([]);
	}, 60_000);

	it('keeps the spans in the store while the endpoint is down, and sends each once when it is back', async () => {
		const home = homeWithConfig({ endpoint: receiver.url, protocol: 'http/json' });
		receiver.respondWith(503);
		const connection = await connect(home);
		let sessionId: string;
		try {
			await connection.client.callTool({ name: 'echo', arguments: { message: 'while down' } });
			await connection.client.listTools();
			sessionId = sessionIdOf(home);
			await waitFor('the live export to try the endpoint that is down', () => receiver.refused() > 0);
			expect(receiver.spans()).toEqual([]);
			receiver.respondWith(200);
			await connection.client.callTool({ name: 'echo', arguments: { message: 'back' } });
			await waitFor('the spans of the calls made while it was down', () => {
				const names = requestSpans(spansOf(receiver.spans(), sessionId)).map((span) => span.name);
				return names.filter((name) => name === 'tools/call echo').length === 2 && names.includes('tools/list');
			});
			expect(receiver.requests.every((request) => request.contentType === 'application/json')).toBe(true);
		} finally {
			await connection.close();
		}
		await followerFinished(home, sessionId);
		await expectCompleteOnce(home, sessionId, spansOf(receiver.spans(), sessionId));
	}, 60_000);

	it('gives up a while after the session ended when the endpoint stays down; --since-last then sends only the rest', async () => {
		const home = homeWithConfig({ endpoint: receiver.url, retryFor: '2s' });
		// Each try of the exporter (which retries a 503 itself) ends within 2 s.
		const connection = await connect(home, { OTEL_EXPORTER_OTLP_TIMEOUT: '2000' });
		let sessionId: string;
		try {
			await connection.client.callTool({ name: 'echo', arguments: { message: 'before' } });
			sessionId = sessionIdOf(home);
			await waitFor('the first call as a span', () => spansOf(receiver.spans(), sessionId).some((span) => span.name === 'tools/call echo'));
			receiver.respondWith(503);
			await connection.client.callTool({ name: 'echo', arguments: { message: 'after' } });
			await connection.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
		} finally {
			await connection.close();
		}
		await followerFinished(home, sessionId, 'giving up');
		// The follower is gone; the spans it could not send wait in the store.
		const state = JSON.parse(fs.readFileSync(path.join(home, 'export-state.json'), 'utf8'));
		const entry = state.destinations[`otlp ${receiver.url}/v1/traces`][sessionId];
		expect(entry.follower).toBeNull();
		expect(entry.exportedAt).toBeUndefined();

		receiver.respondWith(200);
		const rest = await runMcprec(['export', '--since-last', '--format', 'otlp'], home);
		expect(rest.exitCode, String(rest.stderr)).toBe(0);
		expect(String(rest.stderr)).toMatch(/^Exported 1 session\(s\), \d+ spans/);
		const received = spansOf(receiver.spans(), sessionId);
		expect(received.map((span) => span.name)).toEqual(expect.arrayContaining(['tools/call get-sum', 'mcp session live']));
		expect(received.filter((span) => span.name === 'tools/call echo')).toHaveLength(2);
		await expectCompleteOnce(home, sessionId, received);
	}, 60_000);

	it('follows every running session from one process', async () => {
		const home = homeWithConfig({ endpoint: receiver.url });
		const first = await connect(home);
		let ids: string[] = [];
		try {
			await first.client.callTool({ name: 'echo', arguments: { message: 'first' } });
			const firstId = sessionIdOf(home);
			await waitFor('the first session exported live', () => spansOf(receiver.spans(), firstId).some((span) => span.name === 'tools/call echo'));
			const second = await connect(home);
			try {
				await second.client.callTool({ name: 'echo', arguments: { message: 'second' } });
				ids = [firstId, sessionIdOf(home)];
				await waitFor('the second session exported live', () => spansOf(receiver.spans(), ids[1]!).some((span) => span.name === 'tools/call echo'));
			} finally {
				await second.close();
			}
		} finally {
			await first.close();
		}
		for (const id of ids) await followerFinished(home, id);
		const pidsTaking = ids.map((id) => new RegExp(`mcprec export\\[(\\d+)\\]: session ${id}: exporting live`).exec(logOf(home))![1]);
		expect(pidsTaking[0]).toBe(pidsTaking[1]);
		expect(logOf(home)).toMatch(new RegExp(`session ${ids[1]}: the live export already running takes it`));
		for (const id of ids) await expectCompleteOnce(home, id, spansOf(receiver.spans(), id));
	}, 60_000);

	it('leaves what a killed live export did not write down to the next one, which sends it', async () => {
		const home = homeWithConfig({ endpoint: receiver.url });
		const first = await connect(home);
		let firstId: string;
		try {
			await first.client.callTool({ name: 'echo', arguments: { message: 'before' } });
			firstId = sessionIdOf(home);
			await waitFor('the first call as a span', () => spansOf(receiver.spans(), firstId).some((span) => span.name === 'tools/call echo'));
			const follower = Number(/mcprec export\[(\d+)\]: session \S+: exporting live/.exec(logOf(home))![1]);
			process.kill(follower, 'SIGKILL');
			await first.client.callTool({ name: 'echo', arguments: { message: 'after' } });
			await first.client.listTools();
		} finally {
			await first.close();
		}
		expect(spansOf(receiver.spans(), firstId).filter((span) => span.name === 'tools/call echo')).toHaveLength(1);
		// The next session's live export takes the first one up again.
		const second = await connect(home);
		try {
			await second.client.callTool({ name: 'echo', arguments: { message: 'next' } });
		} finally {
			await second.close();
		}
		const secondId = sessionIdOf(home);
		await followerFinished(home, firstId);
		await followerFinished(home, secondId);
		await expectCompleteOnce(home, firstId, spansOf(receiver.spans(), firstId), true);
		await expectCompleteOnce(home, secondId, spansOf(receiver.spans(), secondId));
	}, 60_000);

	it('closes the session as the next mcprec would when its mcprec is killed, and sends the rest', async () => {
		const home = homeWithConfig({ endpoint: receiver.url });
		const connection = await connect(home);
		let sessionId: string;
		try {
			await connection.client.callTool({ name: 'echo', arguments: { message: 'before the kill' } });
			sessionId = sessionIdOf(home);
			await waitFor('the first call as a span', () => spansOf(receiver.spans(), sessionId).some((span) => span.name === 'tools/call echo'));
			// A call still running when mcprec dies: its span ends with the session.
			void connection.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 3 } }).catch(() => {});
			await waitForEvents(home, (events) => events.some((event) => event.tool === 'trigger-long-running-operation'));
			process.kill(Number(readSessions(home).at(-1)!.pid), 'SIGKILL');
		} finally {
			await connection.close().catch(() => {});
		}
		await followerFinished(home, sessionId);
		expect(readSessions(home).at(-1)!.end_reason).toBe('crashed');
		const received = spansOf(receiver.spans(), sessionId);
		expect(received.find((span) => span.name === 'tools/call trigger-long-running-operation')!.attributes['mcprec.outcome']).toBe('pending');
		await expectCompleteOnce(home, sessionId, received);
	}, 60_000);

	it('forwards as usual when the endpoint accepts connections and never answers', async () => {
		const sockets = new Set<net.Socket>();
		const hanging = net.createServer((socket) => {
			sockets.add(socket);
			socket.on('error', () => {});
		});
		await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
		const url = `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}`;
		try {
			const home = homeWithConfig({ endpoint: url, retryFor: '1s' });
			const connection = await connect(home, { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
			let sessionId: string;
			try {
				for (let call = 0; call < 20; call++) {
					const result = await connection.client.callTool({ name: 'echo', arguments: { message: `call ${call}` } });
					expect(result.content).toEqual([{ type: 'text', text: `Echo: call ${call}` }]);
				}
				sessionId = sessionIdOf(home);
				await waitFor('the live export to reach the hanging endpoint', () => sockets.size > 0);
				expect(mcprecLines(connection.stderr())).toEqual([]);
			} finally {
				await connection.close();
			}
			const session = readSessions(home).at(-1)!;
			expect(session.end_reason).toBe('client-closed');
			expect(session.errors).toBe(0);
			await followerFinished(home, sessionId, 'giving up');
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => hanging.close(() => resolve()));
		}
	}, 60_000);

	it('never loads OpenTelemetry in `run`; the live export does', async () => {
		const home = homeWithConfig({ endpoint: receiver.url });
		const files = path.join(home, 'modules-%p.txt');
		const connection = await connect(home, { NODE_OPTIONS: `--import ${hook}`, MCPREC_LOADED_MODULES_FILE: files });
		try {
			await connection.client.callTool({ name: 'echo', arguments: { message: 'traced' } });
		} finally {
			await connection.close();
		}
		const session = readSessions(home).at(-1)!;
		await followerFinished(home, String(session.id));
		const loaded = (pid: number) => fs.readFileSync(files.replace('%p', String(pid)), 'utf8').trim().split('\n');
		const run = loaded(Number(session.pid));
		expect(run.some((url) => /\/stdio-upstream-[\w-]+\.js$/.test(url)), 'the hook sees the run process').toBe(true);
		expect(run.filter((url) => /@opentelemetry|\/otlp-exporter-[\w-]+\.js$|\/follow-session-[\w-]+\.js$/.test(url))).toEqual([]);
		const others = fs.readdirSync(home).filter((name) => /^modules-\d+\.txt$/.test(name) && name !== `modules-${session.pid}.txt`);
		const follower = others.map((name) => fs.readFileSync(path.join(home, name), 'utf8')).find((text) => text.includes('/follow-session-'));
		expect(follower, 'the follower loaded the exporter').toMatch(/\/otlp-exporter-[\w-]+\.js/);
	}, 60_000);

	it('says once on stderr when export.otlp is wrong, and the session runs', async () => {
		const home = makeHome('mcprec-live-');
		homes.push(home);
		fs.writeFileSync(path.join(home, 'config.yaml'), `export:\n  otlp:\n    endpoint: ${receiver.url}\n    protocol: grpc\n`);
		const connection = await connect(home);
		try {
			const result = await connection.client.callTool({ name: 'echo', arguments: { message: 'still works' } });
			expect(result.content).toEqual([{ type: 'text', text: 'Echo: still works' }]);
		} finally {
			await connection.close();
		}
		const problem = `mcprec: live export is off for this session: ${path.join(home, 'config.yaml')}:4: unknown export.otlp.protocol 'grpc' (expected http/protobuf, http/json)\n`;
		expect(mcprecLines(connection.stderr())).toEqual([problem.trimEnd()]);
		const usage = await runMcprec(['export', '--all', '--format', 'otlp'], home);
		expect(usage.exitCode).toBe(2);
		expect(String(usage.stderr)).toBe(problem.replace('live export is off for this session: ', '').trimEnd());
	}, 30_000);
});
