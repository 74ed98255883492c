// 10. A remote server (DESIGN §8, issue 16): `mcprec run --url` against what people use
// instead — `mcp-remote` (the stdio bridge most clients are told to use) and, for the floor,
// the SDK client talking Streamable HTTP itself. One SDK-built server on 127.0.0.1
// (fixtures/http-server.mjs, its `echo` tool) serves every contender in the run. Each
// repetition starts fresh bridges, in an order that rotates, and in each session: time from
// spawn to the first `tools/list` answered, 50 warm-up calls, 300 timed round trips, then
// pipelined calls timed to the last answer. The client is the official SDK client on every
// route (over stdio to the bridges), so what differs is the bridge alone.
// Budgets (the goal): mcprec, recording, p50 ≤ 1.1× mcp-remote's and pipelined
// throughput ≥ 1.0× mcp-remote's. mcp-remote runs twice: as its README tells people to
// start it, which logs every message on stderr, and with --silent; mcprec must meet the
// budget against both. The bridges' CPU time per call (from /proc, Linux only) says where
// the time goes.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { benchEnvironment, repoRoot } from './bench-paths.js';
import { elapsedMs, log, median, quantile, round } from './stats.js';

export interface RemoteOptions {
	home: string;
	repetitions: number;
	warmup: number;
	timed: number;
	pipelined: number;
	/** How the server answers a POST: an event stream (the SDK's default) or one JSON body. */
	responses: 'sse' | 'json';
}

const CONTENDERS = ['direct', 'mcpRemote', 'mcpRemoteSilent', 'mcprec'] as const;
type Contender = (typeof CONTENDERS)[number];

const DESCRIPTIONS: Record<Contender, string> = {
	direct: 'the SDK client over Streamable HTTP, in the bench process (no bridge; the floor)',
	mcpRemote: '`mcp-remote URL`, as its README has people start it (logs every message on stderr)',
	mcpRemoteSilent: '`mcp-remote URL --silent`',
	mcprec: '`mcprec run --url URL`, recording, default policy',
};

const httpServerScript = path.join(repoRoot, 'fixtures', 'http-server.mjs');
const mcpRemoteScript = path.join(repoRoot, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');
const mcprecLauncher = path.join(repoRoot, 'bin', 'mcprec.js');
const STDERR_TAIL_BYTES = 4096;

interface SessionSample {
	firstToolsListMs: number;
	latenciesUs: number[];
	requestsPerSecond: number;
	/** CPU time of the bridge process (all its threads) per call, when /proc tells. */
	cpuUsPerRoundTrip?: number;
	cpuUsPerPipelinedCall?: number;
}

export async function measureRemote(options: RemoteOptions) {
	if (!fs.existsSync(mcpRemoteScript)) throw new Error(`mcp-remote is not installed (${mcpRemoteScript}); run npm ci (it is a dev dependency)`);
	const server = await startServer(options.responses);
	const samples: Record<Contender, SessionSample[]> = { direct: [], mcpRemote: [], mcpRemoteSilent: [], mcprec: [] };
	const failures: Record<Contender, string[]> = { direct: [], mcpRemote: [], mcpRemoteSilent: [], mcprec: [] };
	// The SDK's stdio client waits for 'drain' once per pipelined call that finds the pipe full:
	// legitimate here, so Node's warning about many listeners would only clutter the output.
	const maxListeners = EventEmitter.defaultMaxListeners;
	EventEmitter.defaultMaxListeners = Math.max(maxListeners, options.pipelined + 10);
	try {
		// The server warms up first, so its JIT does not favour whoever comes last.
		await runSession('direct', server.url, options, { ...options, timed: 0, pipelined: options.pipelined });
		for (let repetition = 0; repetition < options.repetitions; repetition++) {
			const turn = repetition % CONTENDERS.length;
			for (const contender of [...CONTENDERS.slice(turn), ...CONTENDERS.slice(0, turn)]) {
				// A session that fails (on a busy machine: a keep-alive socket the server closed as a
				// request went out on it) is reported and run again, up to twice.
				for (let attempt = 1; ; attempt++) {
					try {
						samples[contender].push(await runSession(contender, server.url, options, options));
						break;
					} catch (error) {
						const message = (error as Error).message;
						failures[contender].push(message.slice(0, 300));
						log(`remote: a ${contender} session failed (attempt ${attempt}): ${message.slice(0, 300)}`);
						if (attempt === 3) throw error;
					}
				}
			}
		}
	} finally {
		EventEmitter.defaultMaxListeners = maxListeners;
		await server.stop();
	}
	const summary = (contender: Contender) => {
		const latencies = samples[contender].flatMap((sample) => sample.latenciesUs);
		const cpu = (key: 'cpuUsPerRoundTrip' | 'cpuUsPerPipelinedCall') => {
			const values = samples[contender].map((sample) => sample[key]).filter((value): value is number => value !== undefined);
			return values.length > 0 ? round(median(values), 0) : undefined;
		};
		return {
			route: DESCRIPTIONS[contender],
			firstToolsListMs: round(median(samples[contender].map((sample) => sample.firstToolsListMs)), 1),
			p50Us: round(quantile(latencies, 0.5), 1),
			p99Us: round(quantile(latencies, 0.99), 1),
			requestsPerSecond: Math.round(median(samples[contender].map((sample) => sample.requestsPerSecond))),
			bridgeCpuUsPerRoundTrip: cpu('cpuUsPerRoundTrip'),
			bridgeCpuUsPerPipelinedCall: cpu('cpuUsPerPipelinedCall'),
			failedSessions: failures[contender],
		};
	};
	const result = Object.fromEntries(CONTENDERS.map((contender) => [contender, summary(contender)])) as Record<Contender, ReturnType<typeof summary>>;
	const recorded = await recordedSessions(options.home);
	const versus = (peer: 'mcpRemote' | 'mcpRemoteSilent') => {
		const p50 = result.mcprec.p50Us / result[peer].p50Us;
		const throughput = result.mcprec.requestsPerSecond / result[peer].requestsPerSecond;
		return {
			p50: { value: round(p50), budget: `≤ 1.1× ${peer}`, pass: p50 <= 1.1 },
			throughput: { value: round(throughput), budget: `≥ 1.0× ${peer}`, pass: throughput >= 1 },
			// No budget for these two; reported beside the ones that have one.
			p99: { value: round(result.mcprec.p99Us / result[peer].p99Us), budget: 'none (reported)' },
			firstToolsList: { value: round(result.mcprec.firstToolsListMs / result[peer].firstToolsListMs), budget: 'none (reported)' },
		};
	};
	const verdicts = { versusMcpRemote: versus('mcpRemote'), versusMcpRemoteSilent: versus('mcpRemoteSilent') };
	const line = (contender: Contender) =>
		`${contender} p50 ${result[contender].p50Us} µs, p99 ${result[contender].p99Us} µs, ${result[contender].requestsPerSecond}/s, first tools/list ${result[contender].firstToolsListMs} ms`;
	log(`remote: ${CONTENDERS.map(line).join('; ')}`);
	for (const [peer, rows] of Object.entries(verdicts)) {
		log(`remote ${peer}: p50 ${rows.p50.value}× (${rows.p50.pass ? 'pass' : 'FAIL'}), throughput ${rows.throughput.value}× (${rows.throughput.pass ? 'pass' : 'FAIL'}), p99 ${rows.p99.value}×, first tools/list ${rows.firstToolsList.value}×`);
	}
	const pass = Object.values(verdicts).every((rows) => rows.p50.pass && rows.throughput.pass);
	return {
		server: `fixtures/http-server.mjs (SDK McpServer, Streamable HTTP, ${options.responses === 'json' ? 'JSON answers' : 'event-stream answers'}) on 127.0.0.1`,
		repetitions: options.repetitions,
		perSession: { warmup: options.warmup, timed: options.timed, pipelined: options.pipelined },
		...result,
		mcprecSessionsRecorded: recorded,
		verdicts,
		budget: 'mcprec, recording: p50 ≤ 1.1× and pipelined throughput ≥ 1.0× mcp-remote (with and without --silent)',
		pass,
	};
}

async function runSession(contender: Contender, url: string, context: RemoteOptions, shape: Pick<RemoteOptions, 'warmup' | 'timed' | 'pipelined'>): Promise<SessionSample> {
	const started = process.hrtime.bigint();
	const { transport, stderr, pid } = openTransport(contender, url, context.home);
	const client = new Client({ name: 'mcprec-bench', version: '1.0.0' });
	try {
		await client.connect(transport);
		await client.listTools();
		const firstToolsListMs = elapsedMs(started);
		for (let call = 0; call < shape.warmup; call++) await echo(client);
		const latenciesUs: number[] = [];
		const cpuBefore = cpuMicros(pid());
		for (let call = 0; call < shape.timed; call++) latenciesUs.push(await echo(client));
		const cpuBetween = cpuMicros(pid());
		const pipelinedStarted = process.hrtime.bigint();
		await Promise.all(Array.from({ length: shape.pipelined }, () => echo(client)));
		const requestsPerSecond = shape.pipelined / (elapsedMs(pipelinedStarted) / 1000);
		const cpuAfter = cpuMicros(pid());
		const perCall = (from: number | undefined, to: number | undefined, calls: number) => (from === undefined || to === undefined || calls === 0 ? undefined : (to - from) / calls);
		return {
			firstToolsListMs,
			latenciesUs,
			requestsPerSecond,
			cpuUsPerRoundTrip: perCall(cpuBefore, cpuBetween, shape.timed),
			cpuUsPerPipelinedCall: perCall(cpuBetween, cpuAfter, shape.pipelined),
		};
	} catch (error) {
		throw new Error(`${contender}: ${(error as Error).message}; its stderr: ${stderr().slice(-800)}`);
	} finally {
		await client.close();
	}
}

function openTransport(contender: Contender, url: string, home: string): { transport: Transport; stderr: () => string; pid: () => number | undefined } {
	if (contender === 'direct') return { transport: new StreamableHTTPClientTransport(new URL(url)), stderr: () => '', pid: () => undefined };
	const args =
		contender === 'mcprec'
			? [mcprecLauncher, 'run', '--url', url]
			: [mcpRemoteScript, url, ...(contender === 'mcpRemoteSilent' ? ['--silent'] : [])];
	// mcp-remote keeps its OAuth state in MCP_REMOTE_CONFIG_DIR (default ~/.mcp-auth): the bench's folder instead.
	const env = benchEnvironment({ MCPREC_HOME: home, MCP_REMOTE_CONFIG_DIR: path.join(home, 'mcp-remote') }) as Record<string, string>;
	const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: 'pipe' });
	let tail = '';
	// The pipe is read, as an MCP client does (a client that did not would stall a chatty bridge).
	transport.stderr?.on('data', (chunk: Buffer) => {
		tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
	});
	return { transport, stderr: () => tail, pid: () => transport.pid ?? undefined };
}

async function echo(client: Client): Promise<number> {
	const started = process.hrtime.bigint();
	const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
	if ((result.content as { text?: string }[] | undefined)?.[0]?.text !== 'hello') throw new Error(`echo answered ${JSON.stringify(result).slice(0, 200)}`);
	return Number(process.hrtime.bigint() - started) / 1000;
}

/** utime + stime of a process, all its threads, in µs; undefined off Linux or when it is gone. */
function cpuMicros(pid: number | undefined): number | undefined {
	if (pid === undefined) return undefined;
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name (which may hold spaces) start after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[11]) + Number(fields[12]);
		return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
	} catch {
		return undefined;
	}
}

/** USER_HZ: 100 on every Linux that Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

async function startServer(responses: RemoteOptions['responses']): Promise<{ url: string; stop: () => Promise<void> }> {
	const child = spawn(process.execPath, [httpServerScript, ...(responses === 'json' ? ['--json'] : [])], { env: benchEnvironment(), stdio: ['ignore', 'ignore', 'pipe'] });
	let output = '';
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`the bench's HTTP server did not start within 15 s: ${output}`)), 15_000);
		child.stderr!.on('data', (chunk: Buffer) => {
			output = (output + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
			const match = /listening on (http:\S+)/.exec(output);
			if (match) {
				clearTimeout(timer);
				resolve(match[1]!);
			}
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`the bench's HTTP server exited (${code}): ${output}`));
		});
	});
	return { url, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		child.once('exit', () => resolve());
		child.kill('SIGTERM');
	});
}

/** How many sessions mcprec recorded, and their messages: the "while recording" of the budget. */
async function recordedSessions(home: string): Promise<{ sessions: number; messages: number }> {
	const { default: Database } = await import('better-sqlite3');
	const file = path.join(home, 'mcprec.db');
	if (!fs.existsSync(file)) return { sessions: 0, messages: 0 };
	const database = new Database(file, { readonly: true });
	try {
		const sessions = database.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
		const messages = database.prepare("SELECT count(*) FROM events WHERE kind = 'message'").pluck().get() as number;
		return { sessions, messages };
	} finally {
		database.close();
	}
}
