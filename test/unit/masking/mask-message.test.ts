// The masker as the masking stage uses it: parsed JSON-RPC messages masked in place,
// text blocks that hold JSON, findings, strategies, policy options and injected literals.

import { describe, expect, it } from 'vitest';
import { createMasker, type MaskFinding } from '../../../src/masking/create-masker.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';

const GITHUB = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const OTHER_GITHUB = 'ghp_Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7';
const policy = (overrides: Partial<MaskPolicy> = {}): MaskPolicy => ({
	detectors: ['secrets'],
	exclude: [],
	custom: [],
	fields: [],
	strategy: 'redact',
	requests: 'record',
	...overrides,
});
const toolResult = (text: string, extra: Record<string, unknown> = {}) => ({
	jsonrpc: '2.0',
	id: 7,
	result: { content: [{ type: 'text', text }], isError: false, ...extra },
});

describe('maskMessage', () => {
	it('masks string leaves, keys and the method; the id only for the record; never numbers or jsonrpc', () => {
		const masker = createMasker(policy(), { sessionSalt: 's' });
		const message = () => ({
			jsonrpc: '2.0',
			id: GITHUB,
			method: `notify/${GITHUB}`,
			params: {
				[GITHUB]: 1,
				[`${OTHER_GITHUB}`]: 2,
				count: 42,
				ok: true,
				nothing: null,
				list: ['plain', `token ${GITHUB}`],
			},
		});
		const forwarded = message();
		const findings = masker.maskMessage(forwarded);
		expect(forwarded).toEqual({
			jsonrpc: '2.0',
			id: GITHUB,
			method: 'notify/[REDACTED:github-token]',
			// Two keys that mask alike both stay, in their order.
			params: { '[REDACTED:github-token]': 1, '[REDACTED:github-token]#2': 2, count: 42, ok: true, nothing: null, list: ['plain', 'token [REDACTED:github-token]'] },
		});
		expect(Object.keys(forwarded.params)).toEqual(['[REDACTED:github-token]', '[REDACTED:github-token]#2', 'count', 'ok', 'nothing', 'list']);
		expect(findings).toEqual(
			expect.arrayContaining([
				{ detector: 'github-token', path: '$.method', count: 1 },
				{ detector: 'github-token', path: '$.params{key}', count: 1 },
				{ detector: 'github-token', path: '$.params.list[1]', count: 1 },
			]),
		);
		const recorded = message();
		masker.maskMessage(recorded, { ids: true });
		expect(recorded.id).toBe('[REDACTED:github-token]');
		expect(JSON.stringify(recorded)).not.toMatch(/ghp_/);
	});

	it('returns no findings and leaves the message as it was when nothing is secret', () => {
		const masker = createMasker(policy(), { sessionSalt: 's' });
		const message = toolResult('commit 3f1a9c2e and uuid 72f988bf-86f1-41af-91ab-2d7cd011db47');
		const before = structuredClone(message);
		expect(masker.maskMessage(message)).toEqual([]);
		expect(message).toEqual(before);
	});

	it('reports JSON paths, counts per detector, and never the value', () => {
		const masker = createMasker(policy({ detectors: ['secrets', 'pii'] }), { sessionSalt: 's' });
		const message = toolResult(`a ${GITHUB} b ${OTHER_GITHUB} mail jane.roe@gmail.com`, {
			structuredContent: { 'odd key': { deep: [`x ${GITHUB}`] } },
		});
		const findings = masker.maskMessage(message);
		expect(findings).toEqual(
			expect.arrayContaining<MaskFinding>([
				{ detector: 'github-token', path: '$.result.content[0].text', count: 2 },
				{ detector: 'email', path: '$.result.content[0].text', count: 1 },
				{ detector: 'github-token', path: '$.result.structuredContent["odd key"].deep[0]', count: 1 },
			]),
		);
		expect(findings).toHaveLength(3);
		for (const finding of findings) expect(Object.keys(finding).sort()).toEqual(['count', 'detector', 'path']);
		const serialized = JSON.stringify(findings);
		expect(serialized).not.toContain(GITHUB);
		expect(serialized).not.toContain('jane.roe');
		expect(JSON.stringify(message)).not.toContain(GITHUB);
	});

	it('masks every message of a batch, each with its own envelope', () => {
		const masker = createMasker(policy(), { sessionSalt: 's' });
		const batch = [toolResult('nothing here'), { jsonrpc: '2.0', id: GITHUB, result: { text: GITHUB } }];
		expect(masker.maskMessage(batch)).toEqual([{ detector: 'github-token', path: '$[1].result.text', count: 1 }]);
		expect(batch[1]).toEqual({ jsonrpc: '2.0', id: GITHUB, result: { text: '[REDACTED:github-token]' } });
	});

	it('masks string values under secret-named keys of the parsed message, leaving numbers and placeholders', () => {
		const masker = createMasker(policy(), { sessionSalt: 's' });
		const message = {
			jsonrpc: '2.0',
			id: 1,
			result: {
				structuredContent: { password: 'hunter2', apiKey: 'k-123', token: 12345, client_secret: '${CLIENT_SECRET}', progressToken: 'p-1', author: 'Ann' },
			},
		};
		const findings = masker.maskMessage(message);
		expect(message.result.structuredContent).toEqual({
			password: '[REDACTED:sensitive-field]',
			apiKey: '[REDACTED:sensitive-field]',
			token: 12345,
			client_secret: '${CLIENT_SECRET}',
			progressToken: 'p-1',
			author: 'Ann',
		});
		expect(findings.map((finding) => finding.path).sort()).toEqual(['$.result.structuredContent.apiKey', '$.result.structuredContent.password']);
	});

	it('matches policy fields globs case-insensitively, in objects and in text', () => {
		const masker = createMasker(policy({ fields: ['employee_*', '*pin'] }), { sessionSalt: 's' });
		const message = { jsonrpc: '2.0', id: 1, result: { Employee_Number: 'E-991', cardPIN: '4421', pinned: 'yes', text: 'EMPLOYEE_SSN=123456789\nuser=bob' } };
		masker.maskMessage(message);
		expect(message.result).toEqual({
			Employee_Number: '[REDACTED:sensitive-field]',
			cardPIN: '[REDACTED:sensitive-field]',
			pinned: 'yes',
			text: 'EMPLOYEE_SSN=[REDACTED:sensitive-field]\nuser=bob',
		});
	});

	it('deeply nested documents do not overflow the stack', () => {
		const masker = createMasker(policy(), { sessionSalt: 's' });
		let inner: unknown = GITHUB;
		for (let depth = 0; depth < 20_000; depth++) inner = [inner];
		const message = { jsonrpc: '2.0', id: 1, result: inner };
		const findings = masker.maskMessage(message);
		expect(findings).toHaveLength(1);
		let leaf: unknown = message.result;
		while (Array.isArray(leaf)) leaf = leaf[0];
		expect(leaf).toBe('[REDACTED:github-token]');
	});
});

describe('maskText on text that holds JSON', () => {
	const masker = createMasker(policy({ detectors: ['secrets', 'pii'] }), { sessionSalt: 's' });
	const documents = [
		JSON.stringify({ user: 'bob', password: 'p"a\\ss\nword', token: GITHUB, url: 'postgres://app:S3cr3t@db/x', note: 'mail jane.roe@gmail.com' }),
		JSON.stringify({ items: [{ key: `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n-----END RSA PRIVATE KEY-----` }], auth: 'Bearer abc123def456ghi789' }, null, 2),
		JSON.stringify([{ env: `OPENAI_API_KEY=sk-proj-Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5\nGITHUB_TOKEN=${GITHUB}` }]),
		JSON.stringify({ log: JSON.stringify({ password: 'inner-secret-1', level: 'info' }) }),
	];

	it.each(documents)('stays valid JSON: %s', (document) => {
		const before: unknown = JSON.parse(document);
		const { text, findings } = masker.maskText(document, '$.result.content[0].text');
		expect(findings.length).toBeGreaterThan(0);
		expect(text).not.toBe(document);
		const after: unknown = JSON.parse(text);
		expect(typeof after).toBe(typeof before);
		for (const finding of findings) expect(finding.path).toBe('$.result.content[0].text');
	});

	it('falls back to masking value by value when a range would break the document', () => {
		// A custom pattern that runs past a closing quote would leave broken JSON behind.
		const crossing = createMasker(policy({ detectors: [], custom: [{ name: 'pin', pattern: /pin \S+/ }] }), { sessionSalt: 's' });
		const document = JSON.stringify({ a: 'pin 12"34', b: 2 }, null, 2);
		const { text, findings } = crossing.maskText(document);
		expect(JSON.parse(text)).toEqual({ a: '[REDACTED:pin]', b: 2 });
		expect(text).toBe(JSON.stringify({ a: '[REDACTED:pin]', b: 2 }, null, 2));
		expect(findings).toEqual([{ detector: 'pin', path: '$', count: 1 }]);
	});

	it('masks text with characters outside Latin-1 at the right offsets', () => {
		const { text } = masker.maskText(`🔑 clé: ${GITHUB} — 東京 ${OTHER_GITHUB} ✓`);
		expect(text).toBe('🔑 clé: [REDACTED:github-token] — 東京 [REDACTED:github-token] ✓');
	});
});

describe('strategies', () => {
	it('redact names the detector', () => {
		const masker = createMasker(policy({ strategy: 'redact' }), { sessionSalt: 's' });
		expect(masker.maskText(`t=${GITHUB}`).text).toBe('t=[REDACTED:github-token]');
	});

	it('partial keeps the last four characters of values of 12 or more', () => {
		const masker = createMasker(policy({ strategy: 'partial' }), { sessionSalt: 's' });
		expect(masker.maskText(`t=${GITHUB}`).text).toBe('t=[REDACTED:github-token:…zA5]'.replace('…zA5', '…3zA5'));
		expect(masker.maskText('password: short1').text).toBe('password: [REDACTED:sensitive-field]');
	});

	it('hash is stable for equal values within a masker and differs between salts', () => {
		const first = createMasker(policy({ strategy: 'hash' }), { sessionSalt: 'session-1' });
		const second = createMasker(policy({ strategy: 'hash' }), { sessionSalt: 'session-2' });
		const a = first.maskText(`${GITHUB} ${GITHUB} ${OTHER_GITHUB}`).text.split(' ');
		expect(a[0]).toMatch(/^\[HASH:github-token:[0-9a-f]{12}\]$/);
		expect(a[0]).toBe(a[1]);
		expect(a[0]).not.toBe(a[2]);
		expect(first.maskText(GITHUB).text).toBe(a[0]);
		expect(second.maskText(GITHUB).text).not.toBe(a[0]);
	});
});

describe('policy options', () => {
	it('exclude turns a detector off', () => {
		const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.Sfl9KxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
		expect(createMasker(policy(), { sessionSalt: 's' }).maskText(`id ${jwt}`).text).toBe('id [REDACTED:jwt]');
		expect(createMasker(policy({ exclude: ['jwt'] }), { sessionSalt: 's' }).maskText(`id ${jwt}`).text).toBe(`id ${jwt}`);
	});

	it('pii is off by default and on by group or by name', () => {
		const text = 'mail jane.roe@gmail.com from 84.17.52.103';
		expect(createMasker(policy(), { sessionSalt: 's' }).maskText(text).text).toBe(text);
		expect(createMasker(policy({ detectors: ['pii'] }), { sessionSalt: 's' }).maskText(text).text).toBe('mail [REDACTED:email] from [REDACTED:ipv4]');
		expect(createMasker(policy({ detectors: ['email'] }), { sessionSalt: 's' }).maskText(text).text).toBe('mail [REDACTED:email] from 84.17.52.103');
	});

	it('runs custom patterns under their own name', () => {
		const masker = createMasker(policy({ custom: [{ name: 'employee-id', pattern: /EMP-[0-9]{6}/ }] }), { sessionSalt: 's' });
		expect(masker.maskText('EMP-123456 and EMP-654321').text).toBe('[REDACTED:employee-id] and [REDACTED:employee-id]');
		expect(masker.maskText('EMP-123456 and EMP-654321').findings).toEqual([{ detector: 'employee-id', path: '$', count: 2 }]);
	});

	it('refuses an unknown detector name, quoting it', () => {
		expect(() => createMasker(policy({ detectors: ['secrets', 'aws-keys'] }), { sessionSalt: 's' })).toThrow(/unknown detector 'aws-keys'/);
	});
});

describe('extraLiterals', () => {
	const injected = { name: 'injected:GITHUB_TOKEN', value: 'plain-looking-value-42' };

	it('are masked whatever the policy turns off', () => {
		const masker = createMasker(policy({ detectors: [], exclude: ['sensitive-field'] }), { sessionSalt: 's', extraLiterals: [injected] });
		const message = toolResult(`echo plain-looking-value-42 done`);
		expect(masker.maskMessage(message)).toEqual([{ detector: 'injected:GITHUB_TOKEN', path: '$.result.content[0].text', count: 1 }]);
		expect(message.result.content[0].text).toBe('echo [REDACTED:injected:GITHUB_TOKEN] done');
	});

	it('are found in their JSON-escaped form inside JSON written as text', () => {
		const literal = { name: 'db', value: 'pa"ss\\wo\nrd' };
		const masker = createMasker(policy({ detectors: [] }), { sessionSalt: 's', extraLiterals: [literal] });
		const document = JSON.stringify({ password_hint: literal.value });
		const { text } = masker.maskText(document);
		expect(JSON.parse(text)).toEqual({ password_hint: '[REDACTED:db]' });
	});

	it('win over the detectors that also match them', () => {
		const masker = createMasker(policy(), { sessionSalt: 's', extraLiterals: [{ name: 'injected', value: GITHUB }] });
		expect(masker.maskText(`x ${GITHUB}`).findings).toEqual([{ detector: 'injected', path: '$', count: 1 }]);
	});
});
