// One conformance suite that every collector storage backend must pass (STYLE.md, Teleport
// lib/events): SQLite on a temp file and a real PostgreSQL started for the run. A missing
// PostgreSQL fails the suite with the install command; it never skips.

import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../src/server/store/postgres-migrations.js';
import { SQLITE_MIGRATIONS } from '../../src/server/store/sqlite-migrations.js';
import { genesisHash } from '../../src/event/hash-chain.js';
import { newSessionId } from '../../src/event/session-id.js';
import { parseSessionDocument } from '../../src/server/session-document.js';
import { SESSION_SORT_KEYS, type CollectorStore, type SessionQuery, type StoredSession } from '../../src/server/store/collector-store.js';
import { searchTerms } from '../../src/server/search-words.js';
import { openPostgresCollectorStore } from '../../src/server/store/postgres-collector-store.js';
import { openSqliteCollectorStore } from '../../src/server/store/sqlite-collector-store.js';
import { verifyBatch } from '../../src/server/verify-batch.js';
import type { ChainEvent } from '../../src/event/event.js';
import { callEvents, chain, chainProblem, OUTCOME_EVENTS_SUMMARY, outcomeEvents, sessionDocument, toolErrorEvents, type EventSpec } from '../helpers/collector-fixtures.js';
import { OUTCOME_NAMES } from '../../src/server/event-outcomes.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { seededRandom } from '../helpers/seeded-random.js';

interface Backend {
	name: string;
	setup(): Promise<void>;
	teardown(): Promise<void>;
	/** A fresh, empty store; `connect` opens further clients of the same database. */
	freshStore(): Promise<{ store: CollectorStore; connect(): Promise<CollectorStore> }>;
	/** A database at schema `version`, for rows written as an older collector did; `open` upgrades it. */
	legacyDatabase(version: number): Promise<{ run(sql: string): Promise<void>; bytes(value: Buffer): string; open(): Promise<CollectorStore> }>;
}

let clock = 1_800_000_000_000;
const testClock = { now: () => clock };

function sqliteBackend(): Backend {
	let folder = '';
	let count = 0;
	return {
		name: 'sqlite',
		async setup() {
			folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-collector-'));
		},
		async teardown() {
			fs.rmSync(folder, { recursive: true, force: true });
		},
		async freshStore() {
			const file = path.join(folder, `collector-${++count}.db`);
			const connect = async () => openSqliteCollectorStore({ file, clock: testClock });
			return { store: await connect(), connect };
		},
		async legacyDatabase(version) {
			const file = path.join(folder, `collector-${++count}.db`);
			const database = new Database(file);
			for (const migration of SQLITE_MIGRATIONS) if (migration.version <= version) database.exec(migration.sql);
			database.pragma(`user_version = ${version}`);
			return {
				run: async (sql) => void database.exec(sql),
				bytes: (value) => `X'${value.toString('hex')}'`,
				open: async () => {
					database.close();
					return openSqliteCollectorStore({ file, clock: testClock });
				},
			};
		},
	};
}

function postgresBackend(): Backend {
	let cluster: PostgresCluster | undefined;
	let failure: Error | undefined;
	let count = 0;
	return {
		name: 'postgres',
		async setup() {
			// Kept for each test to throw: a failed beforeAll would only mark the tests skipped.
			cluster = await startPostgres().catch((error: Error) => {
				failure = error;
				return undefined;
			});
		},
		async teardown() {
			cluster?.stop();
		},
		async freshStore() {
			if (!cluster) throw failure ?? new Error('PostgreSQL did not start');
			const url = await cluster.createDatabase(`conformance_${++count}`);
			const connect = async () => openPostgresCollectorStore({ url, clock: testClock, poolSize: 4 });
			return { store: await connect(), connect };
		},
		async legacyDatabase(version) {
			if (!cluster) throw failure ?? new Error('PostgreSQL did not start');
			const url = await cluster.createDatabase(`legacy_${++count}`);
			const client = new pg.Client({ connectionString: url });
			await client.connect();
			await client.query('CREATE TABLE collector_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
			for (const migration of POSTGRES_MIGRATIONS) {
				if (migration.version > version) continue;
				await client.query(migration.sql);
				await client.query('INSERT INTO collector_migrations (version) VALUES ($1)', [migration.version]);
			}
			return {
				run: async (sql) => void (await client.query(sql)),
				bytes: (value) => `decode('${value.toString('hex')}', 'hex')`,
				open: async () => {
					await client.end();
					return openPostgresCollectorStore({ url, clock: testClock, poolSize: 2 });
				},
			};
		},
	};
}

describe.each([sqliteBackend(), postgresBackend()])('collector store conformance: $name', (backend) => {
	const opened: CollectorStore[] = [];
	beforeAll(() => backend.setup(), 120_000);
	afterAll(async () => {
		await Promise.all(opened.map((store) => store.close()));
		await backend.teardown();
	});

	async function freshStore() {
		const fresh = await backend.freshStore();
		opened.push(fresh.store);
		return {
			store: fresh.store,
			connect: async () => {
				const store = await fresh.connect();
				opened.push(store);
				return store;
			},
		};
	}

	async function putSession(store: CollectorStore, overrides: Record<string, unknown> = {}, owner = 'alice'): Promise<StoredSession> {
		const document = sessionDocument(overrides);
		const result = await store.putSession({ document: parseSessionDocument(document, document.id), ownerSub: owner, ownerEmail: `${owner}@example.com`, seal: null });
		if (result.kind !== 'stored') throw new Error(`putSession: ${result.kind}`);
		return result.session;
	}

	const append = (store: CollectorStore, sessionId: string, events: ChainEvent[]) => store.appendEvents(verifyBatch(sessionId, events));

	async function readAll(store: CollectorStore, sessionId: string): Promise<ChainEvent[]> {
		const events: ChainEvent[] = [];
		for (;;) {
			const page = await store.readEvents(sessionId, { afterSeq: events.length - 1, limit: 1000 });
			events.push(...page);
			if (page.length < 1000) return events;
		}
	}

	it('stores session metadata idempotently and never changes its owner', async () => {
		const { store } = await freshStore();
		const document = sessionDocument();
		const input = { document: parseSessionDocument(document, document.id), ownerSub: 'alice', ownerEmail: 'Alice@Example.com', seal: null };
		const first = await store.putSession(input);
		expect(first).toMatchObject({ kind: 'stored', created: true });
		const again = await store.putSession(input);
		expect(again).toMatchObject({ kind: 'stored', created: false });
		if (first.kind !== 'stored' || again.kind !== 'stored') return;
		expect({ ...again.session, updatedAt: 0 }).toEqual({ ...first.session, updatedAt: 0 });
		expect(first.session).toMatchObject({ id: document.id, ownerSub: 'alice', ownerEmail: 'alice@example.com', server: 'filesystem', startedAt: Date.parse('2026-11-22T13:40:41Z') * 1000 + 123_456, nextSeq: 0, headHash: null, integrity: 'unsigned', tools: [] });
		expect(first.session.metadata).toMatchObject({ client: { name: 'claude-code' }, counts: { messages: 0 } });
		expect(first.session.metadata).not.toHaveProperty('synced');

		const ended = { ...document, endedAt: '2026-11-22T14:00:00.000001Z', endReason: 'client closed' };
		const updated = await store.putSession({ ...input, document: parseSessionDocument(ended, document.id) });
		expect(updated).toMatchObject({ kind: 'stored', created: false, session: { endedAt: Date.parse('2026-11-22T14:00:00Z') * 1000 + 1, metadata: { endReason: 'client closed' } } });

		const stolen = await store.putSession({ ...input, ownerSub: 'mallory', document: parseSessionDocument({ ...document, server: 'evil' }, document.id) });
		expect(stolen).toEqual({ kind: 'owned-by-other', ownerSub: 'alice' });
		expect(await store.getSession(document.id)).toMatchObject({ ownerSub: 'alice', server: 'filesystem' });
		expect(await store.getSession(newSessionId())).toBeUndefined();
	});

	it('appends batches in order and gives back exactly what was sent', async () => {
		const { store } = await freshStore();
		const session = await putSession(store);
		const big = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 99, result: { content: [{ type: 'text', text: 'x'.repeat(20_000) }] } }));
		const events = chain(session.id, [...callEvents(10), { origin: 'server', target: 'client', rpcId: '99', payload: big }, { kind: 'stderr', origin: 'server', target: null, payload: Buffer.from([0xff, 0x00, 0x0a]) }]);
		expect(await append(store, session.id, events.slice(0, 5))).toMatchObject({ kind: 'appended', ackSeq: 4, stored: 5, duplicates: 0 });
		expect(await append(store, session.id, events.slice(5))).toMatchObject({ kind: 'appended', ackSeq: 11, stored: 7, duplicates: 0 });
		expect(await readAll(store, session.id)).toEqual(events);
		expect(await store.readEvents(session.id, { afterSeq: 3, limit: 2 })).toEqual(events.slice(4, 6));
		expect(await store.getSession(session.id)).toMatchObject({ nextSeq: 12, headHash: events[11]!.hash });
		expect(await append(store, session.id, [])).toMatchObject({ kind: 'appended', ackSeq: 11, stored: 0 });
	});

	it('ignores re-sent events, reports a gap with the expected seq, refuses a conflicting or unlinked event', async () => {
		const { store } = await freshStore();
		const session = await putSession(store);
		const events = chain(session.id, callEvents(20));
		await append(store, session.id, events.slice(0, 10));
		expect(await append(store, session.id, events.slice(5, 15))).toMatchObject({ kind: 'appended', ackSeq: 14, stored: 5, duplicates: 5 });
		expect(await append(store, session.id, events.slice(0, 15))).toMatchObject({ kind: 'appended', ackSeq: 14, stored: 0, duplicates: 15 });
		expect(await append(store, session.id, events.slice(17))).toEqual({ kind: 'gap', expectedSeq: 15 });

		// Same seqs, other content: a forked history must not be accepted as a duplicate.
		const forked = chain(session.id, callEvents(20, 'write_file'));
		expect(await append(store, session.id, forked.slice(3, 8))).toEqual({ kind: 'conflict', seq: 3 });
		const tail = chain(session.id, callEvents(3), { fromSeq: 15, prevHash: forked[14]!.hash });
		expect(await append(store, session.id, tail)).toMatchObject({ kind: 'unlinked', seq: 15, expectedPrevHash: events[14]!.hash });

		expect(await readAll(store, session.id)).toEqual(events.slice(0, 15));
		const unknown = newSessionId();
		expect(await append(store, unknown, chain(unknown, callEvents(1)))).toEqual({ kind: 'unknown-session' });
	});

	it('keeps per-session outcomes and tools from the events, without double counting re-sends', async () => {
		const { store } = await freshStore();
		const session = await putSession(store);
		const events = chain(session.id, [...callEvents(4, 'read_file'), ...outcomeEvents(), ...callEvents(2, 'search')]);
		await append(store, session.id, events.slice(0, 6));
		await append(store, session.id, events);
		const stored = await store.getSession(session.id);
		expect(stored?.outcomes).toEqual(OUTCOME_EVENTS_SUMMARY);
		expect(stored?.tools).toEqual(['delete_file', 'drop_table', 'read_file', 'search']);
	});

	it('counts tool errors, approver denials and holds again for sessions stored before the upgrade', async () => {
		const legacy = await backend.legacyDatabase(4);
		const sessionId = newSessionId();
		const events = chain(sessionId, [...callEvents(2), ...outcomeEvents()]);
		// What a collector of schema 4 kept: a denied approval counted as blocked, tool errors not at all.
		await legacy.run(`INSERT INTO sessions (id, owner_sub, owner_email, server, started_at, metadata, next_seq, head_hash, integrity, received_at, updated_at)
  VALUES ('${sessionId}', 'alice', 'alice@example.com', 'filesystem', 1795000000000000, '{}', ${events.length}, '${events.at(-1)!.hash}', 'unsigned', 1, 1)`);
		await legacy.run(`INSERT INTO session_summaries (session_id, started_at, blocked, masked, approved, errors, tools) VALUES ('${sessionId}', 1795000000000000, 2, 1, 1, 1, '["read_file"]')`);
		for (const event of events) {
			const text = (value: string | null) => (value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`);
			await legacy.run(`INSERT INTO events (session_id, seq, ts, origin, target, kind, method, rpc_id, tool, payload, encoding, size, latency_us, prev_hash, hash)
  VALUES ('${sessionId}', ${event.seq}, ${event.ts}, ${text(event.origin)}, ${text(event.target)}, ${text(event.kind)}, ${text(event.method)}, ${text(event.rpcId)}, ${text(event.tool)}, ${legacy.bytes(event.payload)}, 'identity', ${event.size}, ${event.latencyUs ?? 'NULL'}, '${event.prevHash}', '${event.hash}')`);
		}
		const store = await legacy.open();
		opened.push(store);
		expect((await store.getSession(sessionId))?.outcomes).toEqual(OUTCOME_EVENTS_SUMMARY);
		expect((await store.listSessions({ limit: 10, outcomes: ['tool-errors'] })).sessions.map((session) => session.id)).toEqual([sessionId]);
		expect((await store.listSessions({ limit: 10, outcomes: ['denied'] })).sessions.map((session) => session.id)).toEqual([sessionId]);
	});

	it('lists sessions newest first with filters and stable paging', async () => {
		const { store } = await freshStore();
		const ids: string[] = [];
		for (let index = 0; index < 30; index++) {
			const minute = String(index).padStart(2, '0');
			const owner = index % 3 === 0 ? 'bob' : 'alice';
			const user = { osUser: 'me', host: 'laptop', issuer: null, sub: owner, email: null, name: owner === 'bob' ? 'Bob Builder' : 'Alice Liddell', groups: [] };
			const session = await putSession(store, { server: index % 2 === 0 ? 'db-prod' : 'filesystem', startedAt: `2026-11-22T10:${minute}:00Z`, user }, owner);
			ids.push(session.id);
			// Every fifth session has every outcome; some others only a tool error.
			const specs = index % 5 === 0 ? [...callEvents(2, 'drop_table'), ...outcomeEvents()] : index % 7 === 3 ? [...callEvents(2, 'read_file'), ...toolErrorEvents()] : callEvents(2, 'read_file');
			await append(store, session.id, chain(session.id, specs));
		}
		const newestFirst = [...ids].reverse();
		const list = async (query: Partial<SessionQuery>) => (await store.listSessions({ limit: 100, ...query })).sessions.map((session) => session.id);

		expect(await list({})).toEqual(newestFirst);
		const pages: string[] = [];
		let page = await store.listSessions({ limit: 7 });
		for (;;) {
			pages.push(...page.sessions.map((session) => session.id));
			if (!page.next) break;
			page = await store.listSessions({ limit: 7, after: page.next });
		}
		expect(pages).toEqual(newestFirst);

		const pick = (predicate: (index: number) => boolean) => newestFirst.filter((id) => predicate(ids.indexOf(id)));
		expect(await list({ ownerSub: 'bob' })).toEqual(pick((index) => index % 3 === 0));
		expect(await list({ user: 'BOB@example.com' })).toEqual(pick((index) => index % 3 === 0));
		expect(await list({ user: 'alice' })).toEqual(pick((index) => index % 3 !== 0));
		expect(await list({ server: 'db-prod' })).toEqual(pick((index) => index % 2 === 0));
		expect(await list({ server: 'db-*' })).toEqual(pick((index) => index % 2 === 0));
		// Case-insensitive prefixes, or globs over the whole value, on user (sub, email, name), server and tool.
		expect(await list({ server: 'DB-*' })).toEqual(pick((index) => index % 2 === 0));
		expect(await list({ server: 'Db' })).toEqual(pick((index) => index % 2 === 0));
		expect(await list({ server: '*SYSTEM' })).toEqual(pick((index) => index % 2 === 1));
		expect(await list({ server: 'system' })).toEqual([]);
		expect(await list({ user: 'ALI' })).toEqual(pick((index) => index % 3 !== 0));
		expect(await list({ user: 'al*e@*.com' })).toEqual(pick((index) => index % 3 !== 0));
		expect(await list({ user: 'bob b' })).toEqual(pick((index) => index % 3 === 0));
		expect(await list({ user: '*liddell' })).toEqual(pick((index) => index % 3 !== 0));
		expect(await list({ user: '%' })).toEqual([]);
		expect(await list({ tool: 'DROP' })).toEqual(pick((index) => index % 5 === 0));
		expect(await list({ tool: '*_table' })).toEqual(pick((index) => index % 5 === 0));
		expect(await list({ tool: 'drop_?able', user: 'BOB@' })).toEqual(pick((index) => index % 5 === 0 && index % 3 === 0));
		expect(await list({ tool: 'drop_table' })).toEqual(pick((index) => index % 5 === 0));
		expect(await list({ tool: 'read_file', ownerSub: 'alice' })).toEqual(pick((index) => index % 3 !== 0));
		for (const outcome of OUTCOME_NAMES) {
			const failed = outcome === 'errors' || outcome === 'tool-errors';
			expect(await list({ outcomes: [outcome] }), outcome).toEqual(pick((index) => index % 5 === 0 || (failed && index % 7 === 3)));
		}
		expect(await list({ outcomes: ['blocked', 'denied'] })).toEqual(pick((index) => index % 5 === 0));
		expect(await list({ outcomes: ['denied', 'tool-errors'] })).toEqual(pick((index) => index % 5 === 0 || index % 7 === 3));
		expect(await list({ outcomes: ['masked', 'tool-errors'], tool: 'read_file' })).toEqual(pick((index) => index % 5 === 0 || index % 7 === 3));
		expect(await list({ outcomes: ['blocked'], tool: 'drop_table', server: 'filesystem' })).toEqual(pick((index) => index % 10 === 5));
		expect(await list({ since: Date.parse('2026-11-22T10:25:00Z') * 1000 })).toEqual(newestFirst.slice(0, 5));
		const byTool = await store.listSessions({ limit: 2, tool: 'drop_table' });
		expect(byTool.sessions.map((session) => session.id)).toEqual(pick((index) => index % 5 === 0).slice(0, 2));
		expect((await store.listSessions({ limit: 2, tool: 'drop_table', after: byTool.next! })).sessions.map((session) => session.id)).toEqual(pick((index) => index % 5 === 0).slice(2, 4));
	});

	it('finds sessions by every word of a search, as prefixes, in masked arguments, results and errors; never in image bytes or _meta', async () => {
		const { store } = await freshStore();
		const random = seededRandom(2026_20);
		const model = new Map<string, Set<string>>();
		const ids: string[] = [];
		for (let index = 0; index < 14; index++) {
			const session = await putSession(store, { startedAt: `2026-11-22T11:${String(index).padStart(2, '0')}:00Z` }, index % 2 === 0 ? 'alice' : 'bob');
			ids.push(session.id);
			const seen = new Set<string>();
			const specs: EventSpec[] = [];
			const calls = 1 + Math.floor(random() * 3);
			for (let call = 0; call < calls; call++) {
				const id = call + 1;
				const argument = pickWords(random, 2, seen);
				specs.push({ method: 'tools/call', rpcId: String(id), tool: 'echo', payload: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: argument }, _meta: { progressToken: pickWords(random, 1) } } }) });
				if (random() < 0.25) {
					specs.push({ origin: 'server', target: 'client', method: 'tools/call', rpcId: String(id), tool: 'echo', payload: JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: pickWords(random, 1, seen) } }) });
				} else {
					// The image's base64 bytes spell vocabulary words: they must not be found.
					const content = [{ type: 'text', text: pickWords(random, 2, seen) }, { type: 'image', mimeType: 'image/png', data: VOCABULARY[Math.floor(random() * VOCABULARY.length)] }];
					specs.push({ origin: 'server', target: 'client', method: 'tools/call', rpcId: String(id), tool: 'echo', payload: JSON.stringify({ jsonrpc: '2.0', id, result: { content, structuredContent: { note: pickWords(random, 1, seen) } } }) });
				}
			}
			model.set(session.id, seen);
			// Uploaded in batches of random sizes: what a search finds must not depend on them.
			const events = chain(session.id, specs);
			for (let from = 0; from < events.length; ) {
				const to = from + 1 + Math.floor(random() * 3);
				await append(store, session.id, events.slice(from, to));
				from = to;
			}
		}
		const newestFirst = [...ids].reverse();
		let partial = 0;
		for (let round = 0; round < 60; round++) {
			const terms = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
				const word = VOCABULARY[Math.floor(random() * VOCABULARY.length)]!;
				return word.slice(0, 2 + Math.floor(random() * (word.length - 1)));
			});
			const query = terms.map((term) => randomCase(random, term)).join(random() < 0.5 ? ' ' : ', ');
			const expected = newestFirst.filter((id) => terms.every((term) => [...model.get(id)!].some((word) => word.startsWith(term))));
			const search = searchTerms(query);
			if (expected.length > 0 && expected.length < ids.length) partial++;
			expect((await store.listSessions({ limit: 100, search })).sessions.map((session) => session.id), query).toEqual(expected);
			expect(await store.countSessions({ limit: 1, search }), query).toBe(expected.length);
			// With the owner filter and in pages of two.
			const bobs = expected.filter((id) => ids.indexOf(id) % 2 === 1);
			const paged: string[] = [];
			for (let page = await store.listSessions({ limit: 2, search, user: 'bob' }); ; page = await store.listSessions({ limit: 2, search, user: 'bob', after: page.next! })) {
				paged.push(...page.sessions.map((session) => session.id));
				if (!page.next) break;
			}
			expect(paged, query).toEqual(bobs);
		}
		// The generated searches tell sessions apart (neither all nor none match).
		expect(partial).toBeGreaterThan(20);
		expect(await store.countSessions({ limit: 1, search: searchTerms('nosuchword') })).toBe(0);
		expect((await store.listSessions({ limit: 100, search: searchTerms('progress') })).sessions).toEqual([]);
	});

	it('sorts by start, duration, user, server, calls and errors both ways, pages stably, and counts what matches in a time range', async () => {
		const { store } = await freshStore();
		const random = seededRandom(7_2026);
		const sessions: { id: string; start: number; duration: number; user: string; server: string; calls: number; errors: number }[] = [];
		for (let index = 0; index < 25; index++) {
			const start = Date.parse('2026-11-22T09:00:00Z') + index * 60_000;
			const ended = random() < 0.8;
			const durationMs = Math.floor(random() * 4) * 1000;
			const owner = ['alice', 'Bob', 'carol'][Math.floor(random() * 3)]!;
			const server = ['db-prod', 'Filesystem', 'memory'][Math.floor(random() * 3)]!;
			const session = await putSession(store, { server, startedAt: new Date(start).toISOString(), endedAt: ended ? new Date(start + durationMs).toISOString() : null }, owner);
			const calls = Math.floor(random() * 3);
			const errors = Math.floor(random() * 3);
			const specs = [...callEvents(calls * 2), ...Array.from({ length: errors }, (_, error) => toolErrorEvents(900 + error)).flat()];
			if (specs.length > 0) await append(store, session.id, chain(session.id, specs));
			sessions.push({ id: session.id, start, duration: ended ? durationMs * 1000 : -1, user: `${owner.toLowerCase()}@example.com`, server: server.toLowerCase(), calls: calls + errors, errors });
		}
		for (const key of SESSION_SORT_KEYS) {
			for (const direction of ['asc', 'desc'] as const) {
				const value = (session: (typeof sessions)[number]) => (key === 'start' ? session.start : session[key]);
				const sign = direction === 'asc' ? 1 : -1;
				const expected = [...sessions].sort((a, b) => sign * (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((session) => session.id);
				const paged: string[] = [];
				for (let page = await store.listSessions({ limit: 4, sort: { key, direction } }); ; page = await store.listSessions({ limit: 4, sort: { key, direction }, after: page.next! })) {
					paged.push(...page.sessions.map((session) => session.id));
					if (!page.next) break;
				}
				expect(paged, `${key} ${direction}`).toEqual(expected);
				const withErrors = expected.filter((id) => sessions.find((session) => session.id === id)!.errors > 0);
				expect((await store.listSessions({ limit: 100, sort: { key, direction }, outcomes: ['errors'] })).sessions.map((session) => session.id), `${key} ${direction} errors`).toEqual(withErrors);
			}
		}
		const first = (await store.getSession(sessions[0]!.id))!;
		expect(first.calls).toBe(sessions[0]!.calls);
		const since = (Date.parse('2026-11-22T09:05:00Z')) * 1000;
		const until = (Date.parse('2026-11-22T09:12:00Z')) * 1000;
		const inRange = sessions.filter((session) => session.start * 1000 >= since && session.start * 1000 < until).map((session) => session.id).reverse();
		expect((await store.listSessions({ limit: 100, since, until })).sessions.map((session) => session.id)).toEqual(inRange);
		expect(await store.countSessions({ limit: 1, since, until })).toBe(7);
		expect(await store.countSessions({ limit: 1 })).toBe(25);
		expect(await store.countSessions({ limit: 1, user: 'bob', outcomes: ['errors'] })).toBe(sessions.filter((session) => session.user.startsWith('bob') && session.errors > 0).length);
	});

	it('indexes the events of sessions stored before search existed, and counts their calls', async () => {
		const legacy = await backend.legacyDatabase(5);
		const sessionId = newSessionId();
		const events = chain(sessionId, [...callEvents(4), ...toolErrorEvents()]);
		await legacy.run(`INSERT INTO sessions (id, owner_sub, owner_email, server, started_at, metadata, next_seq, head_hash, integrity, received_at, updated_at)
  VALUES ('${sessionId}', 'alice', 'alice@example.com', 'filesystem', 1795000000000000, '{}', ${events.length}, '${events.at(-1)!.hash}', 'unsigned', 1, 1)`);
		await legacy.run(`INSERT INTO session_summaries (session_id, started_at, errors, tool_errors, tools) VALUES ('${sessionId}', 1795000000000000, 1, 1, '["read_file"]')`);
		for (const event of events) {
			const text = (value: string | null) => (value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`);
			await legacy.run(`INSERT INTO events (session_id, seq, ts, origin, target, kind, method, rpc_id, tool, payload, encoding, size, latency_us, prev_hash, hash)
  VALUES ('${sessionId}', ${event.seq}, ${event.ts}, ${text(event.origin)}, ${text(event.target)}, ${text(event.kind)}, ${text(event.method)}, ${text(event.rpcId)}, ${text(event.tool)}, ${legacy.bytes(event.payload)}, 'identity', ${event.size}, ${event.latencyUs ?? 'NULL'}, '${event.prevHash}', '${event.hash}')`);
		}
		const store = await legacy.open();
		opened.push(store);
		expect((await store.getSession(sessionId))?.calls).toBe(3);
		const found = async (text: string) => (await store.listSessions({ limit: 10, search: searchTerms(text) })).sessions.map((session) => session.id);
		expect(await found('input valid')).toEqual([sessionId]);
		expect(await found('FILE 3')).toEqual([sessionId]);
		expect(await found('/tmp/2')).toEqual([sessionId]);
		expect(await found('tmp elsewhere')).toEqual([]);
		// Appends after the upgrade are indexed as they arrive.
		const more = chain(sessionId, callEvents(2, 'search').map((spec) => ({ ...spec, payload: String(spec.payload).replace('/tmp/', '/srv/quartz/') })), { fromSeq: events.length, prevHash: events.at(-1)!.hash });
		await append(store, sessionId, more);
		expect(await found('quartz')).toEqual([sessionId]);
	});

	it('derives integrity from the device seal and the stored chain', async () => {
		const { store } = await freshStore();
		const session = await putSession(store);
		const events = chain(session.id, callEvents(6));
		const head = events[5]!.hash;
		const document = sessionDocument({ id: session.id });
		const seal = { headHash: head, eventCount: 6, deviceId: 'laptop-1', signature: 'c2ln', valid: true };
		const put = (sealValue: typeof seal | null) => store.putSession({ document: parseSessionDocument(document, session.id), ownerSub: 'alice', ownerEmail: null, seal: sealValue });

		expect(await put(seal)).toMatchObject({ session: { integrity: 'incomplete', seal: { eventCount: 6, headHash: head, valid: true } } });
		expect(await append(store, session.id, events.slice(0, 3))).toMatchObject({ integrity: 'incomplete' });
		expect(await append(store, session.id, events.slice(3))).toMatchObject({ integrity: 'verified' });
		// A metadata re-send without the seal keeps it.
		expect(await put(null)).toMatchObject({ session: { integrity: 'verified', seal: { valid: true } } });
		expect(await put({ ...seal, valid: false })).toMatchObject({ session: { integrity: 'invalid' } });
		expect(await put({ ...seal, headHash: events[4]!.hash })).toMatchObject({ session: { integrity: 'invalid' } });
		expect(await put(seal)).toMatchObject({ session: { integrity: 'verified' } });

		const empty = await putSession(store);
		const emptySeal = { ...seal, eventCount: 0, headHash: genesisHash(empty.id) };
		const sealedEmpty = await store.putSession({ document: parseSessionDocument(sessionDocument({ id: empty.id }), empty.id), ownerSub: 'alice', ownerEmail: null, seal: emptySeal });
		expect(sealedEmpty).toMatchObject({ session: { integrity: 'verified' } });
	});

	it('offers ended sessions for OTLP forwarding once per destination: sealed at once, unsealed once quiet', async () => {
		const { store } = await freshStore();
		const ended = { endedAt: '2026-11-22T14:00:00.000001Z', endReason: 'client-closed' };
		const ids = (sessions: StoredSession[]) => sessions.map((session) => session.id);
		const running = await putSession(store, { startedAt: '2026-11-22T13:00:00.000000Z' });
		const unsigned = await putSession(store, { startedAt: '2026-11-22T13:00:01.000000Z', ...ended });
		// Sealed with all its events (verified), sealed with some missing (incomplete).
		const sealedSessions: StoredSession[] = [];
		for (const [second, complete] of [[2, true], [3, false]] as const) {
			const session = await putSession(store, { startedAt: `2026-11-22T13:00:0${second}.000000Z`, ...ended });
			const events = chain(session.id, callEvents(4));
			await append(store, session.id, complete ? events : events.slice(0, 2));
			const seal = { headHash: events[3]!.hash, eventCount: 4, deviceId: 'laptop-1', signature: 'c2ln', valid: true };
			const document = sessionDocument({ id: session.id, startedAt: `2026-11-22T13:00:0${second}.000000Z`, ...ended });
			await store.putSession({ document: parseSessionDocument(document, session.id), ownerSub: 'alice', ownerEmail: null, seal });
			sealedSessions.push(session);
		}
		const [verified, incomplete] = sealedSessions as [StoredSession, StoredSession];
		const offered = (destination: string, quietBefore = clock - 60_000, limit = 10) => store.sessionsToForward({ destination, quietBefore, limit });

		expect(ids(await offered('otlp a'))).toEqual([verified.id]);
		// Once nothing changed them for the quiet time, the unsealed and the incomplete go too; a running one never.
		expect(ids(await offered('otlp a', clock + 1))).toEqual([unsigned.id, verified.id, incomplete.id]);
		expect(ids(await offered('otlp a', clock + 1, 2))).toEqual([unsigned.id, verified.id]);
		await store.markForwarded({ destination: 'otlp a', sessionId: verified.id, headHash: verified.headHash, at: clock });
		await store.markForwarded({ destination: 'otlp a', sessionId: verified.id, headHash: verified.headHash, at: clock + 5 });
		expect(ids(await offered('otlp a', clock + 1))).toEqual([unsigned.id, incomplete.id]);
		expect(ids(await offered('otlp b', clock + 1))).toEqual([unsigned.id, verified.id, incomplete.id]);
		expect(ids(await offered('otlp a', clock + 1))).not.toContain(running.id);
	});

	it('prunes sessions that ended before the cutoff, except those under a legal hold, and keeps what was pruned', async () => {
		const { store } = await freshStore();
		const endedAt = (day: number) => ({ startedAt: `2026-01-${String(day).padStart(2, '0')}T09:00:00.000000Z`, endedAt: `2026-01-${String(day).padStart(2, '0')}T10:00:00.000000Z` });
		const old = await putSession(store, endedAt(1));
		const held = await putSession(store, endedAt(2));
		const recent = await putSession(store, endedAt(20));
		const running = await putSession(store, { startedAt: '2026-01-03T09:00:00.000000Z' });
		const events = chain(old.id, callEvents(4));
		await append(store, old.id, events);
		await store.markForwarded({ destination: 'otlp a', sessionId: old.id, headHash: events[3]!.hash, at: clock });
		expect(await store.placeLegalHold({ sessionId: held.id, placedBy: 'audrey', reason: 'case 7', at: clock })).toEqual({ sessionId: held.id, placedBy: 'audrey', reason: 'case 7', placedAt: clock });
		expect(await store.placeLegalHold({ sessionId: newSessionId(), placedBy: 'audrey', reason: null, at: clock })).toBeUndefined();
		expect(await store.getLegalHold(held.id)).toMatchObject({ reason: 'case 7' });

		const cutoff = Date.parse('2026-01-10T00:00:00Z') * 1000;
		const pruned = await store.pruneSessions({ endedBefore: cutoff, policy: 'retention 365d', at: clock, limit: 100 });
		expect(pruned.map((session) => session.sessionId)).toEqual([old.id]);
		expect(pruned[0]).toEqual({ sessionId: old.id, ownerSub: 'alice', server: 'filesystem', startedAt: old.startedAt, endedAt: Date.parse('2026-01-01T10:00:00Z') * 1000, eventCount: 4, headHash: events[3]!.hash, integrity: 'unsigned', policy: 'retention 365d', prunedAt: clock });
		expect(await store.getSession(old.id)).toBeUndefined();
		expect(await store.readEvents(old.id, { afterSeq: -1, limit: 10 })).toEqual([]);
		expect(await store.getPrunedSession(old.id)).toEqual(pruned[0]);
		expect(await store.getPrunedSession(held.id)).toBeUndefined();
		const listed = await store.listSessions({ limit: 10 });
		expect(listed.sessions.map((session) => session.id).sort()).toEqual([held.id, recent.id, running.id].sort());
		expect(await store.pruneSessions({ endedBefore: cutoff, policy: 'retention 365d', at: clock, limit: 100 })).toEqual([]);

		// Lifted, the hold no longer keeps it.
		expect(await store.removeLegalHold(held.id)).toBe(true);
		expect(await store.removeLegalHold(held.id)).toBe(false);
		expect((await store.pruneSessions({ endedBefore: cutoff, policy: 'retention 365d', at: clock + 1, limit: 100 })).map((session) => session.sessionId)).toEqual([held.id]);
		expect(await store.getLegalHold(held.id)).toBeUndefined();
	});

	it('registers device keys once per owner and id; ids are per owner', async () => {
		const { store } = await freshStore();
		const key = (generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string }).x;
		const other = (generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string }).x;
		const device = { id: 'laptop-1', ownerSub: 'alice', publicKey: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: key }, name: 'work laptop' };
		expect(await store.putDevice(device)).toMatchObject({ kind: 'stored', created: true, device: { id: 'laptop-1', ownerSub: 'alice', name: 'work laptop', registeredAt: clock } });
		expect(await store.putDevice(device)).toMatchObject({ kind: 'stored', created: false });
		expect(await store.putDevice({ ...device, publicKey: { ...device.publicKey, x: other } })).toMatchObject({ kind: 'key-mismatch' });
		// Another user's device of the same id is their own, and changes nothing of alice's.
		expect(await store.putDevice({ ...device, ownerSub: 'mallory', publicKey: { ...device.publicKey, x: other } })).toMatchObject({ kind: 'stored', created: true, device: { ownerSub: 'mallory' } });
		expect(await store.getDevice('alice', 'laptop-1')).toMatchObject({ ownerSub: 'alice', publicKey: { x: key } });
		expect(await store.getDevice('mallory', 'laptop-1')).toMatchObject({ ownerSub: 'mallory', publicKey: { x: other } });
		expect(await store.getDevice('bob', 'laptop-1')).toBeUndefined();
		expect(await store.getDevice('alice', 'nope')).toBeUndefined();
	});

	it('keeps approvals: published once per owner, listed pending, settled once, expired ones refused', async () => {
		const { store, connect } = await freshStore();
		const approval = (id: string, ownerSub = 'alice', expiresAt = clock + 60_000) => ({
			id,
			ownerSub,
			ownerEmail: `${ownerSub.toUpperCase()}@example.com`,
			sessionId: newSessionId(),
			server: 'db-prod',
			method: 'tools/call',
			tool: 'drop_table',
			rule: 'confirm-drops',
			summary: '{"table":"users"}',
			arguments: '{"table":"users"}',
			selfApprove: false,
			digest: `digest-${id}`,
			expiresAt,
		});
		const first = await store.putApproval(approval('a1'));
		expect(first).toMatchObject({ kind: 'stored', created: true, approval: { id: 'a1', ownerSub: 'alice', ownerEmail: 'alice@example.com', status: 'pending', requestedAt: clock, decidedAt: null } });
		expect(await store.putApproval(approval('a1'))).toMatchObject({ kind: 'stored', created: false });
		expect(await store.putApproval(approval('a1', 'mallory'))).toEqual({ kind: 'owned-by-other' });
		clock += 1;
		await store.putApproval(approval('b1', 'bob'));
		clock += 1;
		await store.putApproval(approval('a2', 'alice', clock + 10));
		clock += 1;
		await store.putApproval(approval('a3', 'alice', clock - 1));

		const ids = (list: { id: string }[]) => list.map((item) => item.id);
		expect(ids(await store.listApprovals({ status: 'pending', now: clock, limit: 10 }))).toEqual(['a2', 'b1', 'a1']);
		expect(ids(await store.listApprovals({ status: 'pending', ownerSub: 'alice', now: clock, limit: 10 }))).toEqual(['a2', 'a1']);
		expect(ids(await store.listApprovals({ ownerSub: 'alice', now: clock, limit: 10 }))).toEqual(['a3', 'a2', 'a1']);
		expect(ids(await store.listApprovals({ now: clock, limit: 2 }))).toEqual(['a3', 'a2']);

		expect(await store.decideApproval({ id: 'nope', decision: 'approved', decidedBy: 'audrey', now: clock })).toEqual({ kind: 'unknown' });
		expect(await store.decideApproval({ id: 'a3', decision: 'approved', decidedBy: 'audrey', now: clock })).toMatchObject({ kind: 'expired', approval: { status: 'pending' } });
		// Two collectors deciding at once: exactly one decision stands.
		const other = await connect();
		const raced = await Promise.all([
			store.decideApproval({ id: 'a1', decision: 'approved', decidedBy: 'audrey', now: clock }),
			other.decideApproval({ id: 'a1', decision: 'denied', decidedBy: 'victor', now: clock }),
		]);
		expect(raced.map((result) => result.kind).sort()).toEqual(['decided', 'settled']);
		const winner = raced.find((result) => result.kind === 'decided') as { approval: { status: string; decidedBy: string } };
		expect(await store.getApproval('a1')).toMatchObject({ status: winner.approval.status, decidedBy: winner.approval.decidedBy, decidedAt: clock });
		expect(ids(await store.listApprovals({ status: 'pending', now: clock, limit: 10 }))).toEqual(['a2', 'b1']);
		expect(await store.getApproval('nope')).toBeUndefined();
	});

	it('keeps the whole call: complete arguments exactly as published, self-approval, and summary-only approvals', async () => {
		const { store } = await freshStore();
		// Key order, spacing and a long value survive as written (no JSON normalisation).
		const args = `{"path":"/tmp/${'x'.repeat(100_000)}","path2":"/","recursive":true,"b":1,"a":{"z":[1,2]}}`;
		const base = { ownerSub: 'alice', ownerEmail: null, sessionId: newSessionId(), server: 'fs', method: 'tools/call', tool: 'delete_file', rule: 'confirm', summary: args.slice(0, 300), digest: 'd', expiresAt: clock + 60_000 };
		expect(await store.putApproval({ ...base, id: 'whole', arguments: args, selfApprove: true })).toMatchObject({ kind: 'stored', created: true, approval: { arguments: args, selfApprove: true } });
		expect(await store.getApproval('whole')).toMatchObject({ arguments: args, selfApprove: true, summary: args.slice(0, 300) });
		await store.putApproval({ ...base, id: 'summary-only', arguments: null, selfApprove: false });
		expect(await store.getApproval('summary-only')).toMatchObject({ arguments: null, selfApprove: false });
		expect((await store.listApprovals({ status: 'pending', now: clock, limit: 10 })).map((approval) => [approval.id, approval.arguments?.length ?? null])).toEqual(
			expect.arrayContaining([
				['whole', args.length],
				['summary-only', null],
			]),
		);
	});

	it("keeps the requester's groups, the approver's reason, and finds a session's approvals", async () => {
		const { store } = await freshStore();
		const sessionId = newSessionId();
		const base = { ownerSub: 'alice', ownerEmail: 'alice@example.com', server: 'fs', method: 'tools/call', tool: 'delete_file', rule: 'confirm', summary: '{}', arguments: '{}', selfApprove: false, digest: 'd', expiresAt: clock + 60_000 };
		await store.putApproval({ ...base, id: 'g1', sessionId, ownerGroups: ['engineering', 'on-call'] });
		clock += 1;
		await store.putApproval({ ...base, id: 'g2', sessionId, ownerGroups: [] });
		await store.putApproval({ ...base, id: 'g3', sessionId: newSessionId(), ownerGroups: ['engineering'] });
		expect(await store.getApproval('g1')).toMatchObject({ ownerGroups: ['engineering', 'on-call'], reason: null });
		const reason = 'OPS-12: "checked" – with Alice; ünïcode and a\nsecond line';
		expect(await store.decideApproval({ id: 'g1', decision: 'denied', decidedBy: 'audrey', reason, now: clock })).toMatchObject({ kind: 'decided', approval: { status: 'denied', reason } });
		expect(await store.decideApproval({ id: 'g1', decision: 'approved', decidedBy: 'victor', reason: 'later', now: clock })).toMatchObject({ kind: 'settled', approval: { reason } });
		expect(await store.decideApproval({ id: 'g2', decision: 'approved', decidedBy: 'audrey', reason: null, now: clock })).toMatchObject({ approval: { reason: null } });
		const ids = (list: { id: string }[]) => list.map((item) => item.id);
		expect(ids(await store.listApprovals({ sessionId, now: clock, limit: 10 }))).toEqual(['g2', 'g1']);
		expect(ids(await store.listApprovals({ sessionId, now: clock, limit: 1 }))).toEqual(['g2']);
		expect(ids(await store.listApprovals({ sessionId, ownerSub: 'bob', now: clock, limit: 10 }))).toEqual([]);
		expect(ids(await store.listApprovals({ sessionId: newSessionId(), now: clock, limit: 10 }))).toEqual([]);
	});

	it('withdraws approvals for their publisher only: closed once, no decision after, a decision first wins', async () => {
		const { store, connect } = await freshStore();
		const publish = (id: string, expiresAt = clock + 60_000) =>
			store.putApproval({ id, ownerSub: 'alice', ownerEmail: null, sessionId: newSessionId(), server: 'fs', method: 'tools/call', tool: 't', rule: 'r', summary: '{}', arguments: '{}', selfApprove: false, digest: 'd', expiresAt });
		await publish('w1');
		await publish('w2');
		await publish('w3', clock - 1);
		expect(await store.withdrawApproval({ id: 'nope', ownerSub: 'alice', status: 'cancelled', now: clock })).toEqual({ kind: 'unknown' });
		expect(await store.withdrawApproval({ id: 'w1', ownerSub: 'mallory', status: 'cancelled', now: clock })).toEqual({ kind: 'not-owner' });
		expect(await store.withdrawApproval({ id: 'w1', ownerSub: 'alice', status: 'cancelled', now: clock })).toMatchObject({ kind: 'withdrawn', approval: { status: 'cancelled', decidedAt: clock, decidedBy: null } });
		expect(await store.decideApproval({ id: 'w1', decision: 'approved', decidedBy: 'audrey', now: clock })).toMatchObject({ kind: 'settled', approval: { status: 'cancelled' } });
		expect(await store.withdrawApproval({ id: 'w1', ownerSub: 'alice', status: 'expired', now: clock })).toMatchObject({ kind: 'settled', approval: { status: 'cancelled' } });
		// An approval past its time is still closed as expired (the run process's clock decides).
		expect(await store.withdrawApproval({ id: 'w3', ownerSub: 'alice', status: 'expired', now: clock })).toMatchObject({ kind: 'withdrawn', approval: { status: 'expired' } });
		// A withdrawal racing a decision on another collector: exactly one lands, and the loser learns the outcome.
		const other = await connect();
		const [withdrawal, decision] = await Promise.all([
			store.withdrawApproval({ id: 'w2', ownerSub: 'alice', status: 'expired', now: clock }),
			other.decideApproval({ id: 'w2', decision: 'approved', decidedBy: 'audrey', now: clock }),
		]);
		expect([withdrawal.kind, decision.kind].sort()).toEqual(withdrawal.kind === 'withdrawn' ? ['settled', 'withdrawn'] : ['decided', 'settled']);
		const final = (await store.getApproval('w2'))!.status;
		expect(final).toBe(withdrawal.kind === 'withdrawn' ? 'expired' : 'approved');
		if (withdrawal.kind === 'settled') expect(withdrawal.approval.status).toBe('approved');
		expect((await store.listApprovals({ status: 'pending', now: clock, limit: 10 })).map((approval) => approval.id)).toEqual([]);
	});

	it('keeps one shared secret per name for every collector on the database', async () => {
		const { store, connect } = await freshStore();
		const other = await connect();
		const [mine, theirs] = await Promise.all([store.sharedSecret('viewer-cookie'), other.sharedSecret('viewer-cookie')]);
		expect(mine).toHaveLength(32);
		expect(theirs.equals(mine)).toBe(true);
		expect((await store.sharedSecret('other')).equals(mine)).toBe(false);
	});

	it('takes concurrent uploads from 16 clients: nothing duplicated, nothing missing, chains intact', async () => {
		const { store, connect } = await freshStore();
		const clients = await Promise.all(Array.from({ length: 16 }, () => connect()));
		const sessionCount = 6;
		const eventsPerSession = 300;
		const sessions = await Promise.all(Array.from({ length: sessionCount }, () => putSession(store)));
		const chains = new Map(sessions.map((session) => [session.id, chain(session.id, callEvents(eventsPerSession, `tool_${session.id.slice(-4)}`))]));
		const outcomes: string[] = [];

		// Each client uploads two sessions in overlapping batches of random size, resending
		// from the collector's answer on a gap, as `mcprec sync` does after an interruption.
		await Promise.all(
			clients.map(async (client, clientIndex) => {
				let random = clientIndex + 1;
				const next = () => (random = (random * 48271) % 2147483647);
				for (const session of [sessions[clientIndex % sessionCount]!, sessions[(clientIndex * 7 + 3) % sessionCount]!]) {
					const events = chains.get(session.id)!;
					let from = next() % 40;
					while (from < events.length) {
						const to = Math.min(events.length, from + 5 + (next() % 60));
						const result = await append(client, session.id, events.slice(from, to));
						outcomes.push(result.kind);
						if (result.kind === 'appended') from = Math.max(from + 1, result.ackSeq + 1 - (next() % 10));
						else if (result.kind === 'gap') from = result.expectedSeq;
						else throw new Error(`client ${clientIndex}: unexpected ${JSON.stringify(result)}`);
					}
				}
			}),
		);
		expect(outcomes.filter((kind) => kind === 'appended').length).toBeGreaterThan(50);
		for (const session of sessions) {
			const expected = chains.get(session.id)!;
			const stored = await readAll(store, session.id);
			expect(stored.length).toBe(eventsPerSession);
			expect(chainProblem(session.id, stored)).toBeUndefined();
			expect(stored.map((event) => event.hash)).toEqual(expected.map((event) => event.hash));
			expect(await store.getSession(session.id)).toMatchObject({ nextSeq: eventsPerSession, headHash: expected[eventsPerSession - 1]!.hash, tools: [`tool_${session.id.slice(-4)}`] });
		}
	});

	it('lets concurrent first uploads of one new session id race without a second owner', async () => {
		const { connect } = await freshStore();
		const clients = await Promise.all(Array.from({ length: 8 }, () => connect()));
		const document = sessionDocument();
		const results = await Promise.all(
			clients.map((client, index) =>
				client.putSession({ document: parseSessionDocument(document, document.id), ownerSub: index % 2 === 0 ? 'alice' : 'bob', ownerEmail: null, seal: null }),
			),
		);
		const winners = results.filter((result) => result.kind === 'stored' && result.created);
		expect(winners).toHaveLength(1);
		const owner = (winners[0] as { session: StoredSession }).session.ownerSub;
		for (const result of results) {
			if (result.kind === 'stored') expect(result.session.ownerSub).toBe(owner);
			else expect(result.ownerSub).toBe(owner);
		}
	});
});

/** Words the search test writes into arguments and results; some share prefixes (del…, al…). */
const VOCABULARY = ['alpha', 'alpine', 'beta', 'gamma', 'delta', 'delicate', 'omega', 'zeta', 'kappa', 'lambda', 'x42', '2026', 'quartz'];
const SEPARATORS = [' ', '_', '/', '.', '-', ', ', ': ', '\n'];

function randomCase(random: () => number, word: string): string {
	return [...word].map((character) => (random() < 0.4 ? character.toUpperCase() : character)).join('');
}

// `count` vocabulary words as a tool would write them: mixed case, accents (é for e), joined by
// punctuation; each word is noted in `seen` as the search should know it.
function pickWords(random: () => number, count: number, seen?: Set<string>): string {
	const words = Array.from({ length: count }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!);
	for (const word of words) seen?.add(word);
	return words.map((word) => randomCase(random, random() < 0.3 ? word.replace(/e/g, 'é') : word)).join(SEPARATORS[Math.floor(random() * SEPARATORS.length)]!);
}
