// Collector scale for `npm run bench` (issue 5): ingest throughput with concurrent sync
// clients over HTTP, and session-list latency with many sessions stored, for SQLite and
// for PostgreSQL (a throwaway cluster on 127.0.0.1 unless a URL is given). Tokens are not
// verified here (a fixed principal per client) so the numbers are the collector's own.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { genesisHash, linkEvent } from '../event/hash-chain.js';
import { newSessionId } from '../event/session-id.js';
import { parseSessionDocument } from './session-document.js';
import { startCollector, type RunningCollector } from './start-collector.js';
import type { CollectorStore } from './store/collector-store.js';
import { openCollectorStore } from './store/open-collector-store.js';
import { startPostgres, type PostgresCluster } from './throwaway-postgres.js';
import type { Principal } from './verify-access-token.js';
import { verifyBatch } from './verify-batch.js';
import type { ChainEvent, RecordedEvent } from '../event/event.js';
import { encodeEventLines } from '../event/event-forms.js';
import { createCookieSealer } from './viewer/sealed-cookie.js';
import { SESSION_COOKIE } from './viewer/viewer-auth.js';

export interface MeasureIngestOptions {
	/** Concurrent upload clients (default 16). */
	clients?: number;
	/** Sessions each client uploads (default 2). */
	sessionsPerClient?: number;
	/** Events per session (default 5000). */
	eventsPerSession?: number;
	/** Events per POST (default 500). */
	batchSize?: number;
	/** Sessions stored before measuring list latency (default 100 000). */
	listSessions?: number;
	/** Timed runs of each list query (default 20). */
	listRuns?: number;
	/** Which backends (default both). */
	backends?: ('sqlite' | 'postgres')[];
	/** A PostgreSQL database to use instead of starting a throwaway cluster. */
	postgresUrl?: string;
	/** Progress lines (default: none). */
	log?: (line: string) => void;
}

export interface IngestNumbers {
	clients: number;
	events: number;
	bytes: number;
	seconds: number;
	eventsPerSecond: number;
	/** Events read back and compared: nothing lost, duplicated or out of order. */
	intact: boolean;
}

export interface ListNumbers {
	sessions: number;
	seedSeconds: number;
	/** Per query: median and 99th percentile in ms, and rows returned. */
	queries: Record<string, { p50Ms: number; p99Ms: number; rows: number }>;
	/** The same filters through the web viewer's list page (HTML, signed-in auditor). */
	viewer?: Record<string, { p50Ms: number; p99Ms: number; rows: number }>;
}

export type BackendNumbers = { ingest: IngestNumbers; list: ListNumbers } | { error: string };

export interface IngestReport {
	sqlite?: BackendNumbers;
	postgres?: BackendNumbers;
	pass: boolean;
}

const PRINCIPAL_PREFIX = 'Bearer bench-';

export async function measureIngest(options: MeasureIngestOptions = {}): Promise<IngestReport> {
	const log = options.log ?? (() => {});
	const report: IngestReport = { pass: true };
	for (const backend of options.backends ?? ['sqlite', 'postgres']) {
		const folder = fs.mkdtempSync(path.join(os.tmpdir(), `mcprec-ingest-${backend}-`));
		let cluster: PostgresCluster | undefined;
		try {
			let database = path.join(folder, 'collector.db');
			if (backend === 'postgres') {
				if (options.postgresUrl) database = options.postgresUrl;
				else {
					cluster = await startPostgres({ fast: false });
					database = await cluster.createDatabase('bench');
				}
			}
			log(`collector ingest on ${backend}…`);
			const ingest = await withCollector(database, (collector) => measureUploads(collector, options));
			log(`collector list latency on ${backend}…`);
			const list = await withCollector(database, (collector) => measureList(collector, options, log));
			report[backend] = { ingest, list };
			if (!ingest.intact) report.pass = false;
		} catch (error) {
			report[backend] = { error: (error as Error).message };
			report.pass = false;
		} finally {
			cluster?.stop();
			fs.rmSync(folder, { recursive: true, force: true });
		}
	}
	return report;
}

async function withCollector<T>(database: string, work: (collector: RunningCollector) => Promise<T>): Promise<T> {
	const store = await openCollectorStore({ database });
	const collector = await startCollector({
		store,
		settings: { host: '127.0.0.1', port: 0, database, issuer: 'http://127.0.0.1/bench', audience: 'bench', groupsClaim: 'groups', auditorGroup: 'auditors', approverGroup: undefined, bodyLimitBytes: 32 * 2 ** 20 },
		verifyToken: benchPrincipal,
	});
	try {
		return await work(collector);
	} finally {
		await collector.close();
		await store.close();
	}
}

// "Bearer bench-<user>" → that user; "bench-auditor" reads everything.
async function benchPrincipal(authorization: string | undefined): Promise<Principal> {
	const sub = authorization?.startsWith(PRINCIPAL_PREFIX) ? authorization.slice(PRINCIPAL_PREFIX.length) : 'anonymous';
	return { sub, email: `${sub}@bench.example`, groups: [], auditor: sub === 'auditor', approver: false };
}

async function measureUploads(collector: RunningCollector, options: MeasureIngestOptions): Promise<IngestNumbers> {
	const clients = options.clients ?? 16;
	const sessionsPerClient = options.sessionsPerClient ?? 2;
	const eventsPerSession = options.eventsPerSession ?? 5000;
	const batchSize = options.batchSize ?? 500;
	// Bodies are built before the clock starts: the laptop's work is not the collector's.
	const plans = Array.from({ length: clients }, (_, client) =>
		Array.from({ length: sessionsPerClient }, () => {
			const id = newSessionId();
			const events = benchChain(id, eventsPerSession, client);
			const bodies: string[] = [];
			for (let from = 0; from < events.length; from += batchSize) bodies.push(encodeEventLines(events.slice(from, from + batchSize)));
			return { id, events, bodies, document: JSON.stringify(benchDocument(id, `user-${client}`, `server-${client % 4}`, Date.now() * 1000)) };
		}),
	);
	const bytes = plans.flat().reduce((sum, plan) => sum + plan.bodies.reduce((total, body) => total + Buffer.byteLength(body), 0), 0);
	const started = process.hrtime.bigint();
	await Promise.all(
		plans.map(async (sessions, client) => {
			const authorization = `${PRINCIPAL_PREFIX}user-${client}`;
			for (const session of sessions) {
				await send(collector.url, 'PUT', `/api/v1/sessions/${session.id}`, authorization, 'application/json', session.document);
				for (const body of session.bodies) await send(collector.url, 'POST', `/api/v1/sessions/${session.id}/events`, authorization, 'application/x-ndjson', body);
			}
		}),
	);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	let intact = true;
	for (const session of plans.flat()) {
		const stored = await collector.store.readEvents(session.id, { afterSeq: -1, limit: eventsPerSession + 1 });
		if (stored.length !== session.events.length || stored.some((event, index) => event.hash !== session.events[index]!.hash)) intact = false;
	}
	const events = clients * sessionsPerClient * eventsPerSession;
	return { clients, events, bytes, seconds: round(seconds), eventsPerSecond: Math.round(events / seconds), intact };
}

async function measureList(collector: RunningCollector, options: MeasureIngestOptions, log: (line: string) => void): Promise<ListNumbers> {
	const total = options.listSessions ?? 100_000;
	const runs = options.listRuns ?? 20;
	const seedStarted = process.hrtime.bigint();
	await seedSessions(collector.store, total, log);
	const seedSeconds = Number(process.hrtime.bigint() - seedStarted) / 1e9;
	const since = new Date(Date.now() - 2 * 3600_000).toISOString();
	const queries: Record<string, string> = {
		newest: 'limit=50',
		'page 20': '', // filled below from cursors
		user: 'user=user-17&limit=50',
		server: 'server=server-3&limit=50',
		'server glob': 'server=server-1*&limit=50',
		tool: 'tool=tool_42&limit=50',
		'outcome blocked': 'outcome=blocked&limit=50',
		'outcome approved (rare)': 'outcome=approved&limit=50',
		'tool + outcome errors': 'tool=tool_7&outcome=errors&limit=50',
		since: `since=${encodeURIComponent(since)}&limit=50`,
		// Issue 20: full-text search (common and rare words), a time range, and the other sort orders.
		'search common': 'q=failed&limit=50',
		'search rare': 'q=4242&limit=50',
		'search + user': 'q=failed&user=user-17&limit=50',
		range: `from=${encodeURIComponent(new Date(Date.now() - 30 * 86400_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() - 20 * 86400_000).toISOString())}&limit=50`,
		'sort duration': 'sort=duration&limit=50',
		'sort user': 'sort=user&limit=50',
		'sort calls': 'sort=calls&limit=50',
		'sort errors': 'sort=errors&limit=50',
		'sort errors + server': 'sort=errors&server=server-3&limit=50',
	};
	let cursor = '';
	for (let page = 0; page < 19; page++) {
		const body = (await send(collector.url, 'GET', `/api/v1/sessions?limit=50${cursor}`, `${PRINCIPAL_PREFIX}auditor`)) as { nextCursor: string | null };
		if (!body.nextCursor) break;
		cursor = `&cursor=${body.nextCursor}`;
	}
	queries['page 20'] = `limit=50${cursor}`;
	const results: ListNumbers['queries'] = {};
	for (const [name, query] of Object.entries(queries)) {
		const times: number[] = [];
		let rows = 0;
		for (let run = 0; run < runs + 2; run++) {
			const started = process.hrtime.bigint();
			const body = (await send(collector.url, 'GET', `/api/v1/sessions?${query}`, `${PRINCIPAL_PREFIX}auditor`)) as { sessions: unknown[] };
			if (run >= 2) times.push(Number(process.hrtime.bigint() - started) / 1e6);
			rows = body.sessions.length;
		}
		times.sort((a, b) => a - b);
		results[name] = { p50Ms: round(times[Math.floor(times.length / 2)]!), p99Ms: round(times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)]!), rows };
	}
	return { sessions: total, seedSeconds: round(seedSeconds, 1), queries: results, viewer: await measureViewerList(collector, queries, runs) };
}

// The viewer's session list page (`GET /`), rendered as HTML for a signed-in auditor, with
// the same filters: what a person waits for in the browser, minus the network.
async function measureViewerList(collector: RunningCollector, queries: Record<string, string>, runs: number): Promise<ListNumbers['queries']> {
	const sealer = createCookieSealer({ secret: await collector.store.sharedSecret('viewer-cookie') });
	const cookie = `${SESSION_COOKIE}=${sealer.seal({ accessToken: `${PRINCIPAL_PREFIX.slice('Bearer '.length)}auditor` }, 3600)}`;
	const results: ListNumbers['queries'] = {};
	for (const [name, query] of Object.entries(queries)) {
		const times: number[] = [];
		let rows = 0;
		for (let run = 0; run < runs + 2; run++) {
			const started = process.hrtime.bigint();
			const response = await fetch(`${collector.url}/?${query.replace(/(^|&)limit=\d+/, '')}`, { headers: { cookie } });
			const html = await response.text();
			if (response.status !== 200) throw new Error(`viewer list '${name}' answered ${response.status}`);
			if (run >= 2) times.push(Number(process.hrtime.bigint() - started) / 1e6);
			rows = html.match(/href="\/sessions\//g)?.length ?? 0;
		}
		times.sort((a, b) => a - b);
		results[name] = { p50Ms: round(times[Math.floor(times.length / 2)]!), p99Ms: round(times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)]!), rows };
	}
	return results;
}

// 100k sessions through the store (not HTTP, to keep seeding time bounded), 16 at a time:
// 200 users, 20 servers, 60 tools; some sessions blocked, masked, approved or with errors.
async function seedSessions(store: CollectorStore, total: number, log: (line: string) => void): Promise<void> {
	const now = Date.now() * 1000;
	let next = 0;
	const worker = async () => {
		for (;;) {
			const index = next++;
			if (index >= total) return;
			const id = newSessionId(Date.now() - (total - index));
			const user = `user-${index % 200}`;
			// Most sessions ended, after up to ten minutes; every seventh is still open.
			const document = { ...benchDocument(id, user, `server-${index % 20}`, now - (total - index) * 60_000_000), ...(index % 7 === 0 ? {} : { endedAt: new Date(Math.floor((now - (total - index) * 60_000_000) / 1000) + ((index * 7919) % 600_000)).toISOString() }) };
			await store.putSession({ document: parseSessionDocument(document, id), ownerSub: user, ownerEmail: `${user}@bench.example`, seal: null });
			const specs = sessionEvents(index);
			await store.appendEvents(verifyBatch(id, link(id, specs)));
			if (index > 0 && index % 20_000 === 0) log(`  seeded ${index} sessions`);
		}
	};
	await Promise.all(Array.from({ length: 16 }, worker));
}

interface Spec extends Pick<RecordedEvent, 'origin' | 'target' | 'kind' | 'method' | 'rpcId' | 'tool'> {
	payload: string;
}

function sessionEvents(index: number): Spec[] {
	const tool = `tool_${index % 60}`;
	const specs: Spec[] = [
		{ origin: 'client', target: 'server', kind: 'message', method: 'tools/call', rpcId: '1', tool, payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: { q: index } } }) },
	];
	const error = index % 13 === 0;
	specs.push({ origin: 'server', target: 'client', kind: 'message', method: 'tools/call', rpcId: '1', tool, payload: JSON.stringify(error ? { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'failed' } } : { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'ok' }] } }) });
	if (index % 20 === 0) specs.push({ origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', rpcId: '2', tool: 'delete_all', payload: JSON.stringify({ action: 'deny', rule: 'no-deletes' }) });
	if (index % 10 === 0) specs.push({ origin: 'proxy', target: null, kind: 'mask', method: 'tools/call', rpcId: '1', tool, payload: JSON.stringify({ detectors: { 'aws-access-key': 1 } }) });
	if (index % 500 === 0) specs.push({ origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', rpcId: '3', tool: 'drop_table', payload: JSON.stringify({ action: 'approve', status: 'approved', rule: 'confirm' }) });
	return specs;
}

function benchChain(sessionId: string, count: number, client: number): ChainEvent[] {
	const specs: Spec[] = [];
	for (let index = 0; index < count; index++) {
		const id = String(Math.floor(index / 2) + 1);
		const tool = `tool_${(index + client) % 60}`;
		specs.push(
			index % 2 === 0
				? { origin: 'client', target: 'server', kind: 'message', method: 'tools/call', rpcId: id, tool, payload: JSON.stringify({ jsonrpc: '2.0', id: Number(id), method: 'tools/call', params: { name: tool, arguments: { path: `/home/me/src/project/file-${index}.ts` } } }) }
				: { origin: 'server', target: 'client', kind: 'message', method: 'tools/call', rpcId: id, tool, payload: JSON.stringify({ jsonrpc: '2.0', id: Number(id), result: { content: [{ type: 'text', text: `export const value${index} = ${index};\n`.repeat(4) }] } }) },
		);
	}
	return link(sessionId, specs);
}

function link(sessionId: string, specs: Spec[]): ChainEvent[] {
	let prevHash = genesisHash(sessionId);
	const start = Date.now() * 1000;
	return specs.map((spec, seq) => {
		const payload = Buffer.from(spec.payload);
		const event = linkEvent(sessionId, prevHash, { ...spec, seq, ts: start + seq * 50, size: payload.length, latencyUs: spec.origin === 'server' ? 800 : null, payload });
		prevHash = event.hash;
		return event;
	});
}

function benchDocument(id: string, user: string, server: string, startedAtMicros: number) {
	return {
		id,
		server,
		command: ['node', 'server.js'],
		startedAt: new Date(Math.floor(startedAtMicros / 1000)).toISOString(),
		endedAt: null,
		user: { sub: user, email: `${user}@bench.example`, osUser: user, host: 'bench' },
		client: { name: 'bench', version: '1' },
		counts: { messages: 0, requests: 0, errors: 0, blocked: 0, masked: 0, approvals: 0, bytes: 0, events: 0 },
	};
}

async function send(base: string, method: string, url: string, authorization: string, contentType?: string, body?: string): Promise<unknown> {
	const response = await fetch(`${base}${url}`, { method, headers: { authorization, ...(contentType ? { 'content-type': contentType } : {}) }, body });
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
	return JSON.parse(text) as unknown;
}

function round(value: number, digits = 2): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}
