// Masking in the data path: what the client sees and what is stored hold no planted
// secret; a `mask` event names detector, JSON path and count, never the value; client
// arguments are masked in the record only; JSON inside a text block stays JSON.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, removeHome, runMcprec, servers, waitForEvents } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';
import { connectClient } from '../helpers/sdk-client.js';

const GITHUB_TOKEN = 'ghp_R8x2Lq0vNw4Tz7Kp1Ys9Hc3Md6Fb5Ja0Ue2W';
const AWS_KEY_ID = 'AKIAQ3EXAMPLEZ7KX4MB';
const CARD = '4111 1111 1111 1111';
const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const parse = (line: Buffer) => JSON.parse(line.toString('utf8'));

describe('masking through mcprec run', () => {
	let home: string;
	let session: RawSession;
	beforeAll(async () => {
		home = makeHome();
		const policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, 'version: 1\nmask:\n  detectors: [secrets, pii]\n  strategy: redact\n');
		session = startRaw(['node', fixture('raw-server.mjs')], home, { runOptions: ['--policy', policyFile] });
		session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} }));
		await session.response(1);
	});
	afterAll(async () => {
		session.end();
		await session.exit();
		removeHome(home);
	});

	it('masks secrets in results, keeps embedded JSON valid, and stores only masked bytes', async () => {
		const document = JSON.stringify({ user: 'ana', auth: { github: GITHUB_TOKEN }, card: CARD, note: 'plain' });
		session.send(request(2, 'tools/call', { name: 'echo', arguments: { document, log: `deploy with ${AWS_KEY_ID} ok` } }));
		const answer = parse(await session.response(2));
		const text = answer.result.content[0].text as string;
		expect(text).not.toContain(GITHUB_TOKEN);
		expect(text).not.toContain(AWS_KEY_ID);
		const echoed = JSON.parse(text);
		const inner = JSON.parse(echoed.document);
		expect(inner.user).toBe('ana');
		expect(inner.note).toBe('plain');
		expect(inner.auth.github).toMatch(/^\[REDACTED:/);
		expect(inner.card).toBe('[REDACTED:credit-card]');
		expect(echoed.log).toBe('deploy with [REDACTED:aws-access-key] ok');
		expect(answer.id).toBe(2);
		expect(answer.jsonrpc).toBe('2.0');

		const events = await waitForEvents(home, (stored) => stored.filter((event) => event.kind === 'mask').length >= 2);
		const database = fs.readFileSync(path.join(home, 'mcprec.db'));
		const wal = fs.existsSync(path.join(home, 'mcprec.db-wal')) ? fs.readFileSync(path.join(home, 'mcprec.db-wal')) : Buffer.alloc(0);
		for (const secret of [GITHUB_TOKEN, AWS_KEY_ID, CARD]) {
			expect(database.includes(secret)).toBe(false);
			expect(wal.includes(secret)).toBe(false);
		}
		const masks = events.filter((event) => event.kind === 'mask').map((event) => JSON.parse(payloadOf(event).toString()));
		expect(masks).toHaveLength(2);
		const recordOnly = masks.find((mask) => mask.recordOnly);
		expect(recordOnly.findings.map((finding: { path: string }) => finding.path)).toEqual(
			expect.arrayContaining(['$.params.arguments.document', '$.params.arguments.log']),
		);
		const onResult = masks.find((mask) => !mask.recordOnly);
		expect(onResult.findings).toEqual(
			expect.arrayContaining([expect.objectContaining({ detector: 'aws-access-key', path: expect.stringMatching(/^\$\.result\./), count: expect.any(Number) })]),
		);
		for (const mask of masks) expect(JSON.stringify(mask)).not.toMatch(/ghp_|AKIA|4111/);
		const sessions = JSON.parse(String((await runMcprec(['sessions', '--json'], home)).stdout));
		expect(sessions[0].counts.masked).toBe(2);
	});

	it('masks a secret the server sends on its own, with the hash strategy stable within the session', async () => {
		const policyHome = makeHome();
		try {
			const policyFile = path.join(policyHome, 'policy.yaml');
			fs.writeFileSync(policyFile, 'version: 1\nmask:\n  strategy: hash\n');
			const hashed = startRaw(['node', fixture('raw-server.mjs')], policyHome, { runOptions: ['--policy', policyFile] });
			hashed.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} }));
			await hashed.response(1);
			const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `token ${GITHUB_TOKEN}` } });
			hashed.send(request(2, 'raw/emit', { line: note }));
			hashed.send(request(3, 'raw/emit', { line: note }));
			const first = parse(await hashed.waitForLine((line) => line.includes('notifications/message')));
			const index = hashed.lines.findIndex((line) => line.includes('notifications/message'));
			const second = parse(await hashed.waitForLine((line) => line.includes('notifications/message'), 5000, index + 1));
			expect(first.params.data).toMatch(/^token \[HASH:github-token:[0-9a-f]{12}\]$/);
			expect(second.params.data).toBe(first.params.data);
			hashed.end();
			await hashed.exit();
		} finally {
			removeHome(policyHome);
		}
	});
});

describe('the default policy masks secrets from a real server', () => {
	it("server-everything's get-env shows no planted token to the client or the record", async () => {
		const home = makeHome();
		try {
			const connection = await connectClient({ route: 'mcprec', home, name: 'everything', serverArgs: [servers.everything], env: { DEPLOY_TOKEN: GITHUB_TOKEN } });
			const result = await connection.client.callTool({ name: 'get-env', arguments: {} });
			await connection.close();
			const text = JSON.stringify(result.content);
			expect(text).toContain('DEPLOY_TOKEN');
			expect(text).not.toContain(GITHUB_TOKEN);
			const stored = readEvents(home).map((event) => payloadOf(event).toString()).join('\n');
			expect(stored).not.toContain(GITHUB_TOKEN);
			expect(stored).toContain('DEPLOY_TOKEN');
		} finally {
			removeHome(home);
		}
	});
});
