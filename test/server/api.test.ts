// The collector's HTTP API (DESIGN §7, README "Collector API") over real HTTP, served by
// `mcprec server` from the build, with access tokens minted by a real OpenID Provider
// (oidc-provider) on 127.0.0.1.

import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genesisHash } from '../../src/event/hash-chain.js';
import { newSessionId } from '../../src/event/session-id.js';
import { signSealedHead } from '../../src/event/device-signature.js';
import type { ServerSettings } from '../../src/server/resolve-server-settings.js';
import { startCollector } from '../../src/server/start-collector.js';
import { startCollectorBinary, type CollectorProcess } from '../helpers/collector-binary.js';
import { createTokenVerifier } from '../../src/server/verify-access-token.js';
import type { ChainEvent } from '../../src/event/event.js';
import { encodeEventLines } from '../../src/event/event-forms.js';
import { callEvents, chain, chainProblem, OUTCOME_EVENTS_SUMMARY, outcomeEvents, sessionDocument, testCollectorSettings } from '../helpers/collector-fixtures.js';
import { OTHER_RESOURCE, startOidcIssuer, type OidcIssuer } from '../helpers/oidc-issuer.js';

let issuer: OidcIssuer;
let otherIssuer: OidcIssuer;
/** The collector under test: `mcprec server` from the build, as users run it. */
let collector: CollectorProcess;
let folder: string;
const tokens: Record<string, string> = {};

function settings(overrides: Partial<ServerSettings> = {}): ServerSettings {
	return testCollectorSettings({ folder, issuer: issuer.issuer, audience: issuer.audience, approverGroup: 'approvers', ...overrides });
}

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-api-'));
	issuer = await startOidcIssuer([
		{ sub: 'alice', groups: ['engineering'], email: 'alice@example.com' },
		{ sub: 'bob', groups: ['engineering'] },
		{ sub: 'audrey', groups: ['auditors'] },
		{ sub: 'brief', tokenTtlSeconds: 2 },
		{ sub: 'mallory', groups: ['engineering'] },
		{ sub: 'olga', groups: ['approvers'], email: 'olga@example.com' },
		{ sub: 'otto', groups: ['approvers', 'engineering'], email: 'otto@example.com' },
	]);
	otherIssuer = await startOidcIssuer([{ sub: 'alice' }]);
	collector = await startCollectorBinary(
		['--database', path.join(folder, 'collector.db'), '--issuer', issuer.issuer, '--audience', issuer.audience, '--groups-claim', 'groups', '--auditor-group', 'auditors', '--approver-group', 'approvers'],
		folder,
	);
	for (const user of ['alice', 'bob', 'audrey', 'mallory', 'olga', 'otto']) tokens[user] = await issuer.accessToken(user);
}, 60_000);

afterAll(async () => {
	await collector?.close();
	await issuer?.close();
	await otherIssuer?.close();
	fs.rmSync(folder, { recursive: true, force: true });
});

interface CallOptions {
	token?: string | null;
	json?: unknown;
	ndjson?: string | Buffer;
	contentType?: string;
	base?: string;
}

async function call(method: string, url: string, options: CallOptions = {}) {
	const headers: Record<string, string> = {};
	const token = options.token === undefined ? tokens.alice : options.token;
	if (token !== null) headers.authorization = `Bearer ${token}`;
	let body: string | Buffer | undefined;
	if (options.json !== undefined) {
		headers['content-type'] = 'application/json';
		body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
	} else if (options.ndjson !== undefined) {
		headers['content-type'] = 'application/x-ndjson';
		body = options.ndjson;
	}
	if (options.contentType) headers['content-type'] = options.contentType;
	const response = await fetch(`${options.base ?? collector.url}${url}`, { method, headers, body });
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

async function uploadSession(owner = 'alice', overrides: Record<string, unknown> = {}) {
	const document = sessionDocument(overrides);
	const response = await call('PUT', `/api/v1/sessions/${document.id}`, { token: tokens[owner], json: document });
	expect(response.status).toBe(201);
	return document;
}

const postEvents = (id: string, events: ChainEvent[], token = tokens.alice) => call('POST', `/api/v1/sessions/${id}/events`, { token, ndjson: encodeEventLines(events) });

describe('authentication', () => {
	it('refuses requests without a valid bearer token, saying why', async () => {
		const missing = await call('GET', '/api/v1/sessions', { token: null });
		expect(missing.status).toBe(401);
		expect(missing.body.error).toMatchObject({ code: 'missing_token', message: expect.stringContaining('Authorization: Bearer') });
		expect(missing.headers.get('www-authenticate')).toContain('Bearer');

		const garbage = await call('GET', '/api/v1/sessions', { token: 'not-a-jwt' });
		expect(garbage.status).toBe(401);
		expect(garbage.body.error).toMatchObject({ code: 'invalid_token', message: expect.stringContaining('not a signed JWT') });

		const wrongAudience = await call('GET', '/api/v1/sessions', { token: await issuer.accessToken('alice', { resource: OTHER_RESOURCE }) });
		expect(wrongAudience.status).toBe(401);
		expect(wrongAudience.body.error.message).toContain("'aud'");

		const foreign = await call('GET', '/api/v1/sessions', { token: await otherIssuer.accessToken('alice') });
		expect(foreign.status).toBe(401);
		expect(foreign.body.error.code).toBe('invalid_token');

		const basic = await call('GET', '/api/v1/sessions', { token: null, contentType: undefined, base: undefined });
		expect(basic.status).toBe(401);
	});

	it('authenticates by route: no spelling of an API path reaches a handler without a token', async () => {
		const document = await uploadSession('alice');
		const routes: [string, string][] = [
			['GET', '/api/v1/sessions'],
			['GET', `/api/v1/sessions/${document.id}`],
			['PUT', `/api/v1/sessions/${document.id}`],
			['GET', `/api/v1/sessions/${document.id}/events`],
			['POST', `/api/v1/sessions/${document.id}/events`],
			['PUT', '/api/v1/devices/squatter'],
			['GET', '/api/v1/devices/squatter'],
			['GET', '/api/v1/approvals'],
			['POST', '/api/v1/approvals'],
			['GET', '/api/v1/approvals/ab12cd34'],
			['POST', '/api/v1/approvals/ab12cd34/decision'],
			['POST', '/api/v1/approvals/ab12cd34/withdraw'],
			['GET', `/api/v1/sessions/${document.id}/legal-hold`],
			['PUT', `/api/v1/sessions/${document.id}/legal-hold`],
			['DELETE', `/api/v1/sessions/${document.id}/legal-hold`],
		];
		// Each path as written, with each letter percent-encoded (either case of hex), and with an upper-case segment.
		const spellings = (url: string) => {
			const variants = new Set([url, url.toUpperCase(), `${url}/`]);
			for (let index = 1; index < url.length; index++) {
				const character = url[index]!;
				if (!/[a-z0-9]/i.test(character)) continue;
				const hex = character.charCodeAt(0).toString(16);
				variants.add(`${url.slice(0, index)}%${hex}${url.slice(index + 1)}`);
				variants.add(`${url.slice(0, index)}%${hex.toUpperCase()}${url.slice(index + 1)}`);
			}
			return [...variants];
		};
		let tried = 0;
		for (const [method, url] of routes) {
			for (const spelling of spellings(url)) {
				const answer = await call(method, spelling, { token: null, json: method === 'GET' ? undefined : {} });
				tried++;
				expect([401, 404], `${method} ${spelling}`).toContain(answer.status);
				if (answer.status === 404) expect(answer.body.error.message, `${method} ${spelling}`).toMatch(/^no route /);
			}
		}
		expect(tried).toBeGreaterThan(300);
	});

	it('answers an expired token with 401 token_expired', async () => {
		// A collector without clock tolerance, so the test waits only for a two-second token to lapse.
		const strict = await startCollector({
			settings: settings({ database: path.join(folder, 'strict.db') }),
			verifyToken: createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, clockToleranceSeconds: 0 }),
		});
		try {
			const token = await issuer.accessToken('brief');
			expect((await call('GET', '/api/v1/sessions', { token, base: strict.url })).body).toHaveProperty('sessions');
			await new Promise((resolve) => setTimeout(resolve, 3100));
			const expired = await call('GET', '/api/v1/sessions', { token, base: strict.url });
			expect(expired.status).toBe(401);
			expect(expired.body.error).toMatchObject({ code: 'token_expired', message: expect.stringMatching(/expired at .*mcprec login/) });
		} finally {
			await strict.close();
		}
	});

	it('answers unknown routes with a JSON 404', async () => {
		const response = await call('GET', '/api/v1/nothing');
		expect(response.status).toBe(404);
		expect(response.body.error).toMatchObject({ code: 'not_found', message: 'no route GET /api/v1/nothing' });
	});
});

describe('sessions', () => {
	it('stores metadata idempotently and refuses other people’s sessions', async () => {
		const document = sessionDocument({ user: { sub: 'alice', email: 'alice@example.com', groups: [] } });
		const first = await call('PUT', `/api/v1/sessions/${document.id}`, { json: document });
		expect(first.status).toBe(201);
		expect(first.body).toMatchObject({ id: document.id, server: 'filesystem', owner: { sub: 'alice', email: 'alice@example.com' }, stored: { events: 0, ackSeq: -1 }, integrity: 'unsigned' });
		const again = await call('PUT', `/api/v1/sessions/${document.id}`, { json: document });
		expect(again.status).toBe(200);
		expect({ ...again.body, updatedAt: null }).toEqual({ ...first.body, updatedAt: null });

		const hijack = await call('PUT', `/api/v1/sessions/${document.id}`, { token: tokens.bob, json: { ...document, user: {} } });
		expect(hijack.status).toBe(403);
		expect(hijack.body.error.message).toContain('is not yours');
		// A 403 says "not yours" without naming whose it is.
		expect(hijack.body.error.message).not.toContain('alice');
		const impersonate = await call('PUT', `/api/v1/sessions/${newSessionId()}`, { token: tokens.bob, json: { ...document, id: undefined } });
		expect(impersonate.status).toBe(403);
		expect(impersonate.body.error.message).toContain('recorded by another user');
		expect(impersonate.body.error.message).not.toContain('alice');
	});

	it('takes the owner from the token only: a claimed email in the document is kept as a claim, never as the owner', async () => {
		// mallory's token carries no email claim; her document says it is alice's.
		const document = sessionDocument({ user: { email: 'alice@example.com', groups: [] } });
		const put = await call('PUT', `/api/v1/sessions/${document.id}`, { token: tokens.mallory, json: document });
		expect(put.status).toBe(201);
		expect(put.body).toMatchObject({ owner: { sub: 'mallory', email: null }, claimedUser: { email: 'alice@example.com', sub: null } });
		const asAlice = await call('GET', `/api/v1/sessions?user=${encodeURIComponent('alice@example.com')}&limit=500`, { token: tokens.audrey });
		expect(asAlice.body.sessions.map((session: { id: string }) => session.id)).not.toContain(document.id);
		const asMallory = await call('GET', '/api/v1/sessions?user=mallory&limit=500', { token: tokens.audrey });
		expect(asMallory.body.sessions.map((session: { id: string }) => session.id)).toContain(document.id);
		// A document that agrees with the token claims nothing extra.
		const honest = await uploadSession('alice', { user: { sub: 'alice', email: 'alice@example.com', groups: [] } });
		expect((await call('GET', `/api/v1/sessions/${honest.id}`)).body.claimedUser).toBeNull();
	});

	it('rejects malformed metadata with 400', async () => {
		const id = newSessionId();
		const badJson = await call('PUT', `/api/v1/sessions/${id}`, { json: '{"server": ' });
		expect(badJson.status).toBe(400);
		expect(badJson.body.error.code).toBe('invalid_json');
		const noServer = await call('PUT', `/api/v1/sessions/${id}`, { json: { startedAt: '2026-11-22T13:40:41Z' } });
		expect(noServer.status).toBe(400);
		expect(noServer.body.error.message).toContain("'server'");
		const badTime = await call('PUT', `/api/v1/sessions/${id}`, { json: sessionDocument({ id, startedAt: 'yesterday' }) });
		expect(badTime.body.error.message).toContain("'startedAt' must be an ISO 8601 time");
		const otherId = await call('PUT', `/api/v1/sessions/${id}`, { json: sessionDocument() });
		expect(otherId.status).toBe(400);
		expect(otherId.body.error.message).toContain("differs from the URL's");
		const badId = await call('PUT', '/api/v1/sessions/..%2Fetc', { json: sessionDocument() });
		expect(badId.status).toBe(400);
		expect(badId.body.error.code).toBe('invalid_session_id');
	});

	it('lets owners and auditors read a session, and nobody else', async () => {
		const document = await uploadSession('alice');
		expect((await call('GET', `/api/v1/sessions/${document.id}`)).status).toBe(200);
		expect((await call('GET', `/api/v1/sessions/${document.id}`, { token: tokens.audrey })).body).toMatchObject({ id: document.id, owner: { sub: 'alice' } });
		const bob = await call('GET', `/api/v1/sessions/${document.id}`, { token: tokens.bob });
		expect(bob.status).toBe(403);
		expect(bob.body.error.code).toBe('forbidden');
		expect((await call('GET', `/api/v1/sessions/${document.id}/events`, { token: tokens.bob })).status).toBe(403);
		const unknown = await call('GET', `/api/v1/sessions/${newSessionId()}`);
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.message).toContain('unknown session');
	});

	it('lists only the caller’s sessions unless they audit, with filters and cursors', async () => {
		const carolTool = `tool_${Date.now()}`;
		const mine: string[] = [];
		for (let index = 0; index < 5; index++) {
			const document = await uploadSession('bob', { server: 'db-prod', startedAt: `2030-01-0${index + 1}T00:00:00Z` });
			mine.push(document.id);
			if (index % 2 === 0) expect((await postEvents(document.id, chain(document.id, [...callEvents(2, carolTool), ...outcomeEvents()]), tokens.bob)).status).toBe(200);
		}
		const newest = [...mine].reverse();
		const bobList = await call('GET', '/api/v1/sessions?limit=500', { token: tokens.bob });
		expect(bobList.body.sessions.map((session: { id: string }) => session.id)).toEqual(newest);
		expect(bobList.body.sessions.every((session: { owner: { sub: string } }) => session.owner.sub === 'bob')).toBe(true);
		const aliceList = await call('GET', '/api/v1/sessions?limit=500');
		expect(aliceList.body.sessions.some((session: { owner: { sub: string } }) => session.owner.sub !== 'alice')).toBe(false);
		const audit = await call('GET', '/api/v1/sessions?user=bob&limit=500', { token: tokens.audrey });
		expect(audit.body.sessions.map((session: { id: string }) => session.id)).toEqual(newest);

		const blocked = await call('GET', `/api/v1/sessions?tool=${carolTool}&outcome=blocked`, { token: tokens.audrey });
		expect(blocked.body.sessions.map((session: { id: string }) => session.id)).toEqual([newest[0], newest[2], newest[4]]);
		expect(blocked.body.sessions[0]).toMatchObject({ outcomes: OUTCOME_EVENTS_SUMMARY, tools: expect.arrayContaining([carolTool, 'delete_file']) });

		const first = await call('GET', '/api/v1/sessions?server=db-*&limit=2', { token: tokens.bob });
		expect(first.body.sessions.map((session: { id: string }) => session.id)).toEqual(newest.slice(0, 2));
		const second = await call('GET', `/api/v1/sessions?server=db-*&limit=2&cursor=${first.body.nextCursor}`, { token: tokens.bob });
		expect(second.body.sessions.map((session: { id: string }) => session.id)).toEqual(newest.slice(2, 4));
		expect((await call('GET', '/api/v1/sessions?since=2030-01-04T00:00Z', { token: tokens.bob })).body.sessions).toHaveLength(2);

		// Several outcomes at once, comma-separated or repeated: sessions with any of them.
		for (const query of ['outcome=denied,tool-errors', 'outcome=denied&outcome=tool-errors', 'outcome=tool-errors']) {
			const failed = await call('GET', `/api/v1/sessions?tool=${carolTool}&${query}`, { token: tokens.audrey });
			expect(failed.body.sessions.map((session: { id: string }) => session.id), query).toEqual([newest[0], newest[2], newest[4]]);
		}
		const badOutcome = await call('GET', '/api/v1/sessions?outcome=errors,exploded');
		expect(badOutcome.status).toBe(400);
		expect(badOutcome.body.error.message).toBe("'outcome' must be one of errors, tool-errors, blocked, denied, held, approved, masked (or several, comma-separated), got 'exploded'");
		expect((await call('GET', '/api/v1/sessions?since=whenever')).body.error.message).toContain("'since' expects a duration");
		expect((await call('GET', '/api/v1/sessions?limit=0')).status).toBe(400);
		expect((await call('GET', '/api/v1/sessions?cursor=zzz')).body.error.code).toBe('invalid_query');
	});
});

describe('events', () => {
	it('accepts a chain in batches, ignores re-sends and reads it back in both formats', async () => {
		const document = await uploadSession();
		const events = chain(document.id, [...callEvents(30), ...outcomeEvents()]);
		expect((await postEvents(document.id, events.slice(0, 10))).body).toEqual({ ackSeq: 9, stored: 10, duplicates: 0, integrity: 'unsigned' });
		expect((await postEvents(document.id, events.slice(5, 20))).body).toEqual({ ackSeq: 19, stored: 10, duplicates: 5, integrity: 'unsigned' });
		expect((await postEvents(document.id, events.slice(0, 20))).body).toMatchObject({ ackSeq: 19, stored: 0, duplicates: 20 });
		expect((await postEvents(document.id, events.slice(20))).body).toMatchObject({ ackSeq: 38 });
		// An empty batch asks where the collector is.
		expect((await call('POST', `/api/v1/sessions/${document.id}/events`, { ndjson: '' })).body).toMatchObject({ ackSeq: 38, stored: 0 });

		const wire = await call('GET', `/api/v1/sessions/${document.id}/events?format=wire&limit=20`);
		expect(wire.body.nextAfterSeq).toBe(19);
		const rest = await call('GET', `/api/v1/sessions/${document.id}/events?format=wire&afterSeq=19`);
		expect(rest.body.nextAfterSeq).toBeNull();
		const downloaded = [...wire.body.events, ...rest.body.events].map((event) => ({ ...event, payload: Buffer.from(event.payload, 'base64') }));
		expect(chainProblem(document.id, downloaded)).toBeUndefined();
		expect(downloaded.map((event) => event.hash)).toEqual(events.map((event) => event.hash));

		const replay = await call('GET', `/api/v1/sessions/${document.id}/events?limit=2`, { token: tokens.audrey });
		expect(replay.body.events[0]).toMatchObject({ seq: 0, origin: 'client', method: 'tools/call', id: 1, tool: 'read_file', message: { method: 'tools/call' }, hash: events[0]!.hash });
		expect(replay.body.events[0].ts).toMatch(/^\d{4}-\d\d-\d\dT.*\.\d{6}Z$/);
		const session = await call('GET', `/api/v1/sessions/${document.id}`);
		expect(session.body).toMatchObject({ stored: { events: 39, ackSeq: 38, headHash: events[38]!.hash }, outcomes: OUTCOME_EVENTS_SUMMARY });
	});

	it('answers a gap with 409 and the expected seq, a differing re-send with 409', async () => {
		const document = await uploadSession();
		const events = chain(document.id, callEvents(10));
		await postEvents(document.id, events.slice(0, 4));
		const gap = await postEvents(document.id, events.slice(6));
		expect(gap.status).toBe(409);
		expect(gap.body).toMatchObject({ error: { code: 'seq_gap', message: expect.stringContaining('send from seq 4') }, expectedSeq: 4 });
		const forked = chain(document.id, callEvents(10, 'write_file'));
		const conflict = await postEvents(document.id, forked.slice(2, 5));
		expect(conflict.status).toBe(409);
		expect(conflict.body).toMatchObject({ error: { code: 'seq_conflict' }, seq: 2 });
	});

	it('answers a tampered or unlinked event with 422 naming its seq, and stores nothing of that batch', async () => {
		const document = await uploadSession();
		const events = chain(document.id, callEvents(10));
		await postEvents(document.id, events.slice(0, 3));
		const tampered = events.slice(3).map((event) => (event.seq === 6 ? { ...event, payload: Buffer.from(event.payload.toString().replace('/tmp/6', '/tmp/X')) } : event));
		const response = await postEvents(document.id, tampered);
		expect(response.status).toBe(422);
		expect(response.body).toMatchObject({ error: { code: 'hash_mismatch', message: expect.stringMatching(/^event 6: hash/) }, seq: 6 });

		const other = chain(document.id, callEvents(4), { fromSeq: 3, prevHash: 'f'.repeat(64) });
		const unlinked = await postEvents(document.id, other);
		expect(unlinked.status).toBe(422);
		expect(unlinked.body).toMatchObject({ error: { code: 'chain_broken' }, seq: 3 });

		const reordered = await postEvents(document.id, [events[3]!, events[5]!]);
		expect(reordered.body).toMatchObject({ error: { code: 'out_of_order' }, seq: 5 });
		const resized = await postEvents(document.id, [{ ...events[3]!, size: 1 }]);
		expect(resized.body.error.code).toBe('size_mismatch');
		expect((await call('GET', `/api/v1/sessions/${document.id}`)).body.stored.events).toBe(3);
	});

	it('rejects malformed NDJSON naming the line, wrong content types, oversized bodies and unknown sessions', async () => {
		const document = await uploadSession();
		const lines = encodeEventLines(chain(document.id, callEvents(3))).split('\n');
		lines[1] = lines[1]!.slice(0, 40);
		const malformed = await call('POST', `/api/v1/sessions/${document.id}/events`, { ndjson: lines.join('\n') });
		expect(malformed.status).toBe(400);
		expect(malformed.body).toMatchObject({ error: { code: 'malformed_ndjson', message: expect.stringMatching(/^line 2: not JSON/) }, line: 2 });
		const missingField = await call('POST', `/api/v1/sessions/${document.id}/events`, { ndjson: '{"seq":0,"ts":1}\n' });
		expect(missingField.body.error.message).toMatch(/^line 1: 'origin' must be one of client, server, proxy/);

		const json = await call('POST', `/api/v1/sessions/${document.id}/events`, { contentType: 'text/plain', ndjson: 'hello' });
		expect(json.status).toBe(415);
		expect(json.body.error.code).toBe('unsupported_media_type');

		// In process: a separate server process may answer 413 and close before fetch has
		// written the whole body, and fetch then reports the write's EPIPE instead of the answer.
		const local = await startCollector({ settings: settings({ database: path.join(folder, 'oversize.db') }) });
		try {
			const huge = Buffer.alloc(33 * 1024 * 1024, 0x20);
			const tooLarge = await call('POST', `/api/v1/sessions/${document.id}/events`, { ndjson: huge, base: local.url });
			expect(tooLarge.status).toBe(413);
			expect(tooLarge.body).toMatchObject({ error: { code: 'body_too_large', message: expect.stringContaining('32 MiB') }, limit: 32 * 1024 * 1024 });
		} finally {
			await local.close();
		}

		const unknown = newSessionId();
		const missing = await postEvents(unknown, chain(unknown, callEvents(1)));
		expect(missing.status).toBe(404);
		expect(missing.body.error.message).toBe(`unknown session '${unknown}'; upload it first with PUT /api/v1/sessions/${unknown}`);
		const notYours = await postEvents(document.id, chain(document.id, callEvents(1)), tokens.audrey);
		expect(notYours.status).toBe(403);
		expect(notYours.body.error.message).toContain('a user may upload only their own sessions');
	});
});

describe('device keys and signed heads', () => {
	const device = generateKeyPairSync('ed25519');
	const publicKey = device.publicKey.export({ format: 'jwk' });

	it('registers a device key once for its user', async () => {
		const first = await call('PUT', '/api/v1/devices/alice-laptop', { json: { publicKey, name: 'work laptop' } });
		expect(first.status).toBe(201);
		expect(first.body).toMatchObject({ id: 'alice-laptop', owner: 'alice', publicKey: { kty: 'OKP', crv: 'Ed25519', x: publicKey.x } });
		expect((await call('PUT', '/api/v1/devices/alice-laptop', { json: { publicKey, name: 'work laptop' } })).status).toBe(200);
		// Ids are per user: bob's 'alice-laptop' is his own device and leaves alice's alone.
		const bobs = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
		expect((await call('PUT', '/api/v1/devices/alice-laptop', { token: tokens.bob, json: { publicKey: bobs } })).body).toMatchObject({ owner: 'bob', publicKey: { x: bobs.x } });
		expect((await call('GET', '/api/v1/devices/alice-laptop')).body).toMatchObject({ owner: 'alice', publicKey: { x: publicKey.x } });
		expect((await call('GET', '/api/v1/devices/alice-laptop?owner=bob', { token: tokens.audrey })).body).toMatchObject({ owner: 'bob' });
		expect((await call('GET', '/api/v1/devices/alice-laptop?owner=bob')).status).toBe(403);
		const otherKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
		const replaced = await call('PUT', '/api/v1/devices/alice-laptop', { json: { publicKey: otherKey } });
		expect(replaced.status).toBe(409);
		expect(replaced.body.error.code).toBe('device_key_mismatch');
		const privateSent = await call('PUT', '/api/v1/devices/leaky', { json: { publicKey: device.privateKey.export({ format: 'jwk' }) } });
		expect(privateSent.status).toBe(400);
		expect(privateSent.body.error.message).toContain('private key');
		const rsa = await call('PUT', '/api/v1/devices/rsa', { json: { publicKey: { kty: 'RSA', n: 'x', e: 'AQAB' } } });
		expect(rsa.body.error.code).toBe('invalid_public_key');
	});

	it('verifies the signed head of a closed session against the registered key', async () => {
		await call('PUT', '/api/v1/devices/alice-laptop', { json: { publicKey } });
		const document = await uploadSession();
		const events = chain(document.id, callEvents(8));
		const head = { sessionId: document.id, eventCount: 8, headHash: events[7]!.hash };
		const seal = { headHash: head.headHash, eventCount: 8, deviceId: 'alice-laptop', signature: signSealedHead(device.privateKey, head) };
		const closed = { ...document, endedAt: '2026-11-22T14:00:00Z', seal };
		const sealed = await call('PUT', `/api/v1/sessions/${document.id}`, { json: closed });
		expect(sealed.body).toMatchObject({ integrity: 'incomplete', seal: { deviceId: 'alice-laptop', eventCount: 8, signatureValid: true } });
		expect(sealed.body).not.toHaveProperty('sealProblem');
		expect((await postEvents(document.id, events)).body).toMatchObject({ ackSeq: 7, integrity: 'verified' });
		expect((await call('GET', `/api/v1/sessions/${document.id}`, { token: tokens.audrey })).body.integrity).toBe('verified');

		const forged = { ...seal, signature: signSealedHead(generateKeyPairSync('ed25519').privateKey, head) };
		const invalid = await call('PUT', `/api/v1/sessions/${document.id}`, { json: { ...closed, seal: forged } });
		expect(invalid.body).toMatchObject({ integrity: 'invalid', seal: { signatureValid: false }, sealProblem: expect.stringContaining('does not verify') });
		expect((await call('PUT', `/api/v1/sessions/${document.id}`, { json: closed })).body.integrity).toBe('verified');

		const empty = await uploadSession();
		const emptyHead = { sessionId: empty.id, eventCount: 0, headHash: genesisHash(empty.id) };
		const unknownDevice = await call('PUT', `/api/v1/sessions/${empty.id}`, {
			json: { ...empty, seal: { ...emptyHead, sessionId: undefined, deviceId: 'never-registered', signature: signSealedHead(device.privateKey, emptyHead) } },
		});
		expect(unknownDevice.body).toMatchObject({ integrity: 'invalid', sealProblem: expect.stringContaining("device 'never-registered' is not registered to you") });
		// A device id someone else registered first does not make alice's seal theirs, or invalid.
		const squatter = generateKeyPairSync('ed25519');
		expect((await call('PUT', '/api/v1/devices/alice-desktop', { token: tokens.mallory, json: { publicKey: squatter.publicKey.export({ format: 'jwk' }) } })).status).toBe(201);
		expect((await call('PUT', '/api/v1/devices/alice-desktop', { json: { publicKey } })).status).toBe(201);
		const onDesktop = await call('PUT', `/api/v1/sessions/${empty.id}`, {
			json: { ...empty, seal: { ...emptyHead, sessionId: undefined, deviceId: 'alice-desktop', signature: signSealedHead(device.privateKey, emptyHead) } },
		});
		expect(onDesktop.body).toMatchObject({ integrity: 'verified', seal: { signatureValid: true } });
		const badSeal = await call('PUT', `/api/v1/sessions/${empty.id}`, { json: { ...empty, seal: { headHash: 'abc' } } });
		expect(badSeal.status).toBe(400);
		expect(badSeal.body.error.code).toBe('invalid_seal');
	});
});

describe('approvals', () => {
	const long = `/tmp/${'x'.repeat(5000)}`;
	const publish = (id: string, owner: string, extra: Record<string, unknown> = {}) =>
		call('POST', '/api/v1/approvals', {
			token: tokens[owner],
			json: {
				id,
				sessionId: newSessionId(),
				server: 'fs',
				method: 'tools/call',
				tool: 'delete_file',
				rule: 'confirm-deletes',
				summary: `{"path":"${long.slice(0, 280)}…`,
				arguments: { path: long, path2: '/', recursive: true },
				digest: `sha256:${id}`,
				expiresAt: new Date(Date.now() + 120_000).toISOString(),
				...extra,
			},
		});
	const decide = (id: string, who: string, decision: string) => call('POST', `/api/v1/approvals/${id}/decision`, { token: tokens[who], json: { decision } });

	it('keeps the complete arguments and says where the viewer shows them', async () => {
		const published = await publish('whole-1', 'otto');
		expect(published.status).toBe(201);
		expect(published.body).toMatchObject({ id: 'whole-1', arguments: { path: long, path2: '/', recursive: true }, selfApprove: false, viewerUrl: `${collector.url}/approvals/whole-1` });
		expect((await call('GET', '/api/v1/approvals/whole-1', { token: tokens.olga })).body.arguments).toEqual({ path: long, path2: '/', recursive: true });
		const old = await publish('summary-1', 'otto', { arguments: undefined });
		expect(old.body).toMatchObject({ arguments: null, summary: expect.stringContaining('/tmp/') });
		const huge = await publish('huge-1', 'otto', { arguments: { content: 'x'.repeat(4 * 1024 * 1024) } });
		expect(huge.status).toBe(400);
		expect(huge.body.error.code).toBe('arguments_too_large');
		const badFlag = await publish('flag-1', 'otto', { selfApprove: 'yes' });
		expect(badFlag.body.error.message).toBe(`'selfApprove' must be true or false, got "yes"`);
	});

	it('never lets the person who made a call approve it, unless its rule allows self-approval', async () => {
		await publish('self-1', 'otto');
		const own = await decide('self-1', 'otto', 'approved');
		expect(own.status).toBe(403);
		expect(own.body.error).toEqual({
			code: 'self_approval',
			message: "approval 'self-1' is for a call you made; another member of the approver group must approve it (its policy rule does not allow self-approval)",
		});
		expect((await decide('self-1', 'olga', 'approved')).body).toMatchObject({ status: 'approved', decidedBy: 'olga@example.com' });

		await publish('self-2', 'otto', { selfApprove: true });
		expect((await decide('self-2', 'otto', 'approved')).body).toMatchObject({ status: 'approved', decidedBy: 'otto@example.com', selfApprove: true });
		// Denying your own call stops it, which is always allowed to an approver.
		await publish('self-3', 'otto');
		expect((await decide('self-3', 'otto', 'denied')).body).toMatchObject({ status: 'denied' });
		// Not an approver at all: no decision either way.
		await publish('self-4', 'alice');
		expect((await decide('self-4', 'alice', 'denied')).status).toBe(403);
	});

	it('lets the publisher withdraw a call it no longer holds, after which nobody can decide it', async () => {
		await publish('gone-1', 'otto');
		expect((await call('POST', '/api/v1/approvals/gone-1/withdraw', { token: tokens.olga, json: { status: 'cancelled' } })).status).toBe(403);
		expect((await call('POST', '/api/v1/approvals/gone-1/withdraw', { token: tokens.otto, json: { status: 'gone' } })).body.error.code).toBe('invalid_withdrawal');
		expect((await call('POST', '/api/v1/approvals/nope-1/withdraw', { token: tokens.otto, json: { status: 'cancelled' } })).status).toBe(404);
		const withdrawn = await call('POST', '/api/v1/approvals/gone-1/withdraw', { token: tokens.otto, json: { status: 'cancelled' } });
		expect(withdrawn.body).toMatchObject({ id: 'gone-1', status: 'cancelled', decidedBy: null });
		const late = await decide('gone-1', 'olga', 'approved');
		expect(late.status).toBe(409);
		expect(late.body.error).toMatchObject({ code: 'approval_settled', message: "approval 'gone-1' is already cancelled" });
		// A decision that came first is what a later withdrawal answers with.
		await publish('gone-2', 'otto');
		await decide('gone-2', 'olga', 'denied');
		expect((await call('POST', '/api/v1/approvals/gone-2/withdraw', { token: tokens.otto, json: { status: 'expired' } })).body).toMatchObject({ status: 'denied', decidedBy: 'olga@example.com' });
	});
});

describe('retention and legal holds', () => {
	it('prunes what ended before the retention except under a legal hold, and answers reads of it with when and why', async () => {
		const longAgo = { startedAt: '2020-01-01T09:00:00.000000Z', endedAt: '2020-01-01T10:00:00.000000Z' };
		const old = await uploadSession('alice', longAgo);
		const kept = await uploadSession('alice', longAgo);
		const running = await uploadSession('alice', { startedAt: '2020-01-02T09:00:00.000000Z' });
		expect((await postEvents(old.id, chain(old.id, callEvents(2)))).status).toBe(200);

		const holdUrl = `/api/v1/sessions/${kept.id}/legal-hold`;
		expect((await call('PUT', holdUrl, { token: tokens.alice, json: { reason: 'mine' } })).status).toBe(403);
		expect((await call('PUT', holdUrl, { token: tokens.audrey, json: { reason: 42 } })).status).toBe(400);
		expect((await call('GET', holdUrl, { token: tokens.alice })).status).toBe(404);
		const placed = await call('PUT', holdUrl, { token: tokens.audrey, json: { reason: 'case 7' } });
		expect(placed).toMatchObject({ status: 200, body: { sessionId: kept.id, placedBy: 'audrey', reason: 'case 7' } });
		expect(await call('GET', holdUrl, { token: tokens.alice })).toMatchObject({ status: 200, body: { reason: 'case 7' } });
		expect((await call('GET', holdUrl, { token: tokens.bob })).status).toBe(403);

		const args = ['--database', path.join(folder, 'collector.db'), '--issuer', issuer.issuer, '--audience', issuer.audience, '--groups-claim', 'groups', '--auditor-group', 'auditors', '--retention', '365d'];
		const pruner = await startCollectorBinary(args, folder);
		try {
			const deadline = Date.now() + 15_000;
			let gone = await call('GET', `/api/v1/sessions/${old.id}`, { base: pruner.url });
			while (gone.status !== 410 && Date.now() < deadline) {
				await new Promise((resolve) => setTimeout(resolve, 50));
				gone = await call('GET', `/api/v1/sessions/${old.id}`, { base: pruner.url });
			}
			const today = new Date().toISOString().slice(0, 10);
			expect(gone).toMatchObject({ status: 410, body: { error: { code: 'pruned' }, pruned: { sessionId: old.id, policy: 'retention 365d', eventCount: 2, ownerSub: 'alice' } } });
			expect(gone.body.error.message).toBe(`session '${old.id}' was pruned by policy (retention 365d) on ${today}; 2 events, head ${gone.body.pruned.headHash}`);
			// The collector that was already running says the same: the record is in the database.
			expect((await call('GET', `/api/v1/sessions/${old.id}`, { token: tokens.audrey })).status).toBe(410);
			expect((await call('GET', `/api/v1/sessions/${old.id}/events`)).status).toBe(410);
			expect((await call('GET', `/api/v1/sessions/${old.id}`, { token: tokens.bob })).status).toBe(404);
			expect((await call('PUT', `/api/v1/sessions/${old.id}`, { json: old })).status).toBe(410);
			expect((await call('GET', `/api/v1/sessions/${kept.id}`)).status).toBe(200);
			expect((await call('GET', `/api/v1/sessions/${running.id}`)).status).toBe(200);

			// Lifted, the next round may prune it; only auditors lift holds.
			expect((await call('DELETE', holdUrl, { token: tokens.alice })).status).toBe(403);
			expect((await call('DELETE', holdUrl, { token: tokens.audrey })).status).toBe(204);
			expect((await call('DELETE', holdUrl, { token: tokens.audrey })).status).toBe(404);
		} finally {
			await pruner.close();
		}
	}, 60_000);
});
