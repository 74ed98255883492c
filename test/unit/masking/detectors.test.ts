// Each detector on its own: what it masks (the exact secret disappears, the rest of the
// text stays) and near misses it must leave alone. All values are fabricated.

import { describe, expect, it } from 'vitest';
import { createMasker } from '../../../src/masking/create-masker.js';
import { isValidIban } from '../../../src/masking/iban.js';
import { passesLuhn } from '../../../src/masking/luhn.js';
import { isPlaceholder } from '../../../src/masking/placeholders.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';

const maskerFor = (detector: string) => {
	const policy: MaskPolicy = { detectors: [detector], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' };
	return createMasker(policy, { sessionSalt: 'detectors' });
};

interface Case {
	detector: string;
	/** [text, the secret inside it] */
	masks: [string, string][];
	/** Texts this detector must leave unchanged. */
	keeps: string[];
}

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.Sfl9KxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM_BODY = 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1wS6cBpiU7e3cM4UM0v1pXWQRmo0LIQ4mVm8Ej';
const ESCAPED_PEM = JSON.stringify(`-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`).slice(1, -1);
const BASE64_PEM = Buffer.from(`-----BEGIN EC PRIVATE KEY-----\n${PEM_BODY}\n-----END EC PRIVATE KEY-----\n`).toString('base64');

const cases: Case[] = [
	{
		detector: 'aws-access-key',
		masks: [
			['aws_access_key_id = AKIA2OGYBAH6QXNKLM4Z', 'AKIA2OGYBAH6QXNKLM4Z'],
			['"AccessKeyId": "ASIAY34FZKBOKMUTVV7A"', 'ASIAY34FZKBOKMUTVV7A'],
			['key:\\nAKIA2OGYBAH6QXNKLM4Z', 'AKIA2OGYBAH6QXNKLM4Z'],
		],
		keeps: ['AKIAIOSFODNN7EXAMPLE', 'XAKIA2OGYBAH6QXNKLM4Z', 'AKIA2OGYBAH6QXNKLM4Z9', 'AKIA-too-short'],
	},
	{
		detector: 'aws-secret-key',
		masks: [
			['aws_secret_access_key = wJa1rXUtnFEMI/K7MDENG/bPxRfiCYzQx9Tk2ZKE', 'wJa1rXUtnFEMI/K7MDENG/bPxRfiCYzQx9Tk2ZKE'],
			['"SecretAccessKey": "9drTJvcXLB89Hk3Lq7Zp2Wytbe7MuxQn0Bm5Vr3c"', '9drTJvcXLB89Hk3Lq7Zp2Wytbe7MuxQn0Bm5Vr3c'],
			['aws configure set aws_secret_access_key 9drTJvcXLB89Hk3Lq7Zp2Wytbe7MuxQn0Bm5Vr3c', '9drTJvcXLB89Hk3Lq7Zp2Wytbe7MuxQn0Bm5Vr3c'],
		],
		keeps: ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'sha1 = 9drtjvcxlb89hk3lq7zp2wytbe7muxqn0bm5vr3c', 'secret_access_key_id: 12'],
	},
	{
		detector: 'github-token',
		masks: [
			['GITHUB_TOKEN=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5', 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'],
			['https://x-access-token:ghs_Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7@github.com/a/b', 'ghs_Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7'],
			['token github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234', 'github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234'],
		],
		keeps: ['tokens start with ghp_ or gho_', 'ghp_short123', 'xghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'],
	},
	{
		detector: 'gitlab-token',
		masks: [['PRIVATE-TOKEN: glpat-xY9zA8bC7dE6fG5hI4jK', 'glpat-xY9zA8bC7dE6fG5hI4jK']],
		keeps: ['glpat-short', 'global-settings-for-the-app'],
	},
	{
		detector: 'slack-token',
		masks: [['bot: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx']],
		keeps: ['xoxb-', 'prefix xoxb-your-token-here'],
	},
	{
		detector: 'slack-webhook',
		masks: [['url: https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/aBcDeFgHiJkLmNoPqRsTuVwX', 'https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/aBcDeFgHiJkLmNoPqRsTuVwX']],
		keeps: ['see https://hooks.slack.com/ for details'],
	},
	{
		detector: 'stripe-key',
		masks: [
			["new Stripe('sk_live_4eC39HqLyjWDarjtT1zdp7dc')", 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
			['rk_test_51H8xYzAbCdEfGhIjKlMnOp', 'rk_test_51H8xYzAbCdEfGhIjKlMnOp'],
		],
		keeps: ['pk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_', 'desk_live_stream'],
	},
	{
		detector: 'google-api-key',
		masks: [['maps/api/js?key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY&cb=init', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY']],
		keeps: ['AIzaShort', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWYextra'],
	},
	{
		detector: 'openai-key',
		masks: [
			['OPENAI_API_KEY=sk-proj-Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5Bc7De9Fg1Hi3Jk5', 'sk-proj-Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5Bc7De9Fg1Hi3Jk5'],
			['api_key="sk-Ab3De5Gh7Jk9Lm1No3PqT3BlbkFJ5Rs7Tu9Vw1Xy3Za5Bc7"', 'sk-Ab3De5Gh7Jk9Lm1No3PqT3BlbkFJ5Rs7Tu9Vw1Xy3Za5Bc7'],
		],
		keeps: ['pip install sk-learn-compat-utilities-package', 'task-runner-for-the-whole-monorepo', 'sk-...'],
	},
	{
		detector: 'anthropic-key',
		masks: [['ANTHROPIC_API_KEY=sk-ant-api03-Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5Bc7De9-AA', 'sk-ant-api03-Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5Bc7De9-AA']],
		keeps: ['sk-ant-placeholder', 'task-ant-colony-simulation-documentation'],
	},
	{
		detector: 'npm-token',
		masks: [['//registry.npmjs.org/:_authToken=npm_Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5', 'npm_Ab3De5Gh7Jk9Lm1No3Pq5Rs7Tu9Vw1Xy3Za5']],
		keeps: ['npm_config_cache=/tmp/npm', 'npm_package_version=1.2.3'],
	},
	{
		detector: 'private-key',
		masks: [
			[`before\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\nafter`, `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`],
			// Inside JSON written as text, with escaped line breaks.
			[`{"key":"${ESCAPED_PEM}\\n"}`, ESCAPED_PEM],
			// Truncated (no END marker): masked up to the end of the base64 body.
			[`truncated: -----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}`, `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}`],
			// Base64 of a PEM block, as in Kubernetes secrets.
			[`tls.key: ${BASE64_PEM}\n`, BASE64_PEM],
		],
		keeps: [
			`-----BEGIN PUBLIC KEY-----\n${PEM_BODY}\n-----END PUBLIC KEY-----`,
			`-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----`,
			`tls.crt: ${Buffer.from(`-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n`).toString('base64')}`,
		],
	},
	{
		detector: 'jwt',
		masks: [
			[`Authorization: Bearer ${JWT}`, JWT],
			[`{"id_token":"${JWT}"}`, JWT],
		],
		keeps: ['eyJub3QiOiJhIGp3dCJ9.YWJjZGVmZ2g.aGlqa2xtbm8', 'cursor=eyJwYWdlIjoyfQ'],
	},
	{
		detector: 'url-credentials',
		masks: [
			['postgres://app:S3cr3tPw9@db:5432/x', 'S3cr3tPw9'],
			['redis://:9f8e7d6c5b4a@cache:6379', '9f8e7d6c5b4a'],
			['mongodb+srv://admin:Xy7%40pQ2z@cluster0.mongodb.net/test', 'Xy7%40pQ2z'],
		],
		keeps: ['postgres://user:password@localhost/db', 'redis://:${REDIS_PASSWORD}@cache:6379', 'https://user@host.example-corp.net/x', 'http://localhost:8080/path'],
	},
	{
		detector: 'connection-string',
		masks: [
			['Server=tcp:x.net,1433;User ID=sa;Password=My Pass 1;Encrypt=True', 'My Pass 1'],
			['Driver={ODBC};Uid=etl;Pwd=Zq8!xW2p;', 'Zq8!xW2p'],
		],
		keeps: ['const password = process.env.DB_PASSWORD;', 'Password=<your password>;Server=x'],
	},
	{
		detector: 'bearer-token',
		masks: [
			["curl -H 'Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543ab'", '8f14e45fceea167a5a36dedd4bea2543ab'],
			['Authorization: Basic c3ZjLWJhY2t1cDpIdW50ZXIyNDI0', 'c3ZjLWJhY2t1cDpIdW50ZXIyNDI0'],
		],
		keeps: ['Authorization: Bearer $TOKEN', 'Authorization: Bearer <token>', 'basic authentication-is-disabled', 'Bearer tokens-are-described-here'],
	},
	{
		detector: 'sensitive-field',
		masks: [
			['{"user":"bob","password":"hunter2!x"}', 'hunter2!x'],
			['database:\n  password: Tr0ub4dor&3\n  pool: 5', 'Tr0ub4dor&3'],
			['DB_PASSWORD=correct-horse-9', 'correct-horse-9'],
			['export API_KEY="k_9f8e7d6c5b4a3f2e"', 'k_9f8e7d6c5b4a3f2e'],
			['GET /v1/x?access_token=a1b2c3d4e5f6g7&page=2', 'a1b2c3d4e5f6g7'],
			['mysql --password=Qw3rty9 db', 'Qw3rty9'],
			['vault login --token s.Xy7pQ2zLm9', 's.Xy7pQ2zLm9'],
			['- name: DB_PASSWORD\n  value: "Zx9Cv8Bn7"', 'Zx9Cv8Bn7'],
			["apiKey: 'Ab3De5Gh7Jk9Lm1No3'", 'Ab3De5Gh7Jk9Lm1No3'],
			['<password>Pa55w0rdXml</password>', 'Pa55w0rdXml'],
			['curl -u admin:S3cretCurl https://ci', 'S3cretCurl'],
			['machine host login me password N3tRcPw', 'N3tRcPw'],
			['X-Api-Key: 0123456789abcdef0123', '0123456789abcdef0123'],
			['{"body":"{\\"password\\":\\"esc4ped\\"}"}', 'esc4ped'],
		],
		keeps: [
			'password: string;',
			'const token = getToken();',
			'password = os.environ["DB_PASSWORD"]',
			'token = None',
			'api_key: ${API_KEY}',
			'password: changeme',
			'max_tokens: 4096',
			'--- PASS: TestPasswordHash (0.01s)',
			'"progressToken": "abc123"',
			'WHERE token = :token',
			'the password is secret',
		],
	},
	{
		detector: 'email',
		masks: [
			['From: Jane <jane.roe@gmail.com>', 'jane.roe@gmail.com'],
			['mailto:m.okafor+billing@outlook.com', 'm.okafor+billing@outlook.com'],
			// Internationalised addresses (RFC 6531) in Latin scripts. Detectors read text narrowed
			// to one byte per character (mask-text.ts), so addresses in other scripts are not claimed.
			['contact: josé.garcía@empresa.es,', 'josé.garcía@empresa.es'],
			['Kontakt müller@münchen.de.', 'müller@münchen.de'],
		],
		keeps: ['alice@example.com', 'josé@example.com', 'Zoë <@zoe> on chat', 'git@github.com:acme/repo.git', 'logo@2x.png', 'lodash@4.17.21', '@types/node', 'https://user@host.io/x'],
	},
	{
		detector: 'phone',
		masks: [
			['Phone: +1 415-555-0134', '+1 415-555-0134'],
			['call (312) 555-0199 now', '(312) 555-0199'],
			['Tel. 030 12345678', '030 12345678'],
			['+447700900123', '+447700900123'],
			['reach me at 646.555.0187', '646.555.0187'],
		],
		keeps: ['version 1.2.3.4', '2025-03-11 10:14:02', 'ts 1712345678901', 'ISBN 978-3-16-148410-0', 'port 8080', 'UTC+05:30', '1.0.0+20130313144700', 'order 4155550134'],
	},
	{
		detector: 'credit-card',
		masks: [
			['Visa 4111 1111 1111 1111 exp', '4111 1111 1111 1111'],
			['card=5425-2334-3010-9903', '5425-2334-3010-9903'],
			['amex 3782 822463 10005', '3782 822463 10005'],
			['pan 4012888888881881', '4012888888881881'],
		],
		keeps: ['4111 1111 1111 1112', '1712345678901234', 'ids 4000 5000 6000 7000 8000', '4111-1111 1111-1111'],
	},
	{
		detector: 'iban',
		masks: [
			['IBAN DE89 3704 0044 0532 0130 00.', 'DE89 3704 0044 0532 0130 00'],
			['iban=GB82WEST12345698765432', 'GB82WEST12345698765432'],
		],
		keeps: ['DE00 3704 0044 0532 0130 00', 'GB82WEST1234569876543', 'XX89370400440532013000'],
	},
	{
		detector: 'us-ssn',
		masks: [
			['SSN: 536-90-4399', '536-90-4399'],
			['social security number 401231234', '401231234'],
		],
		keeps: ['000-12-3456', '666-45-6789', '912-34-5678', '123-00-4567', '123-45-0000', 'build 2025-03-11', 'id 401231234'],
	},
	{
		detector: 'ipv4',
		masks: [
			['from 84.17.52.103 port 22', '84.17.52.103'],
			['"privateIp":"10.42.7.19"', '10.42.7.19'],
		],
		keeps: ['v1.2.3.4', 'version 1.2.3.4', '"version": "1.2.3.4"', 'pkg@1.2.3.4', '127.0.0.1', '0.0.0.0', '255.255.255.0', '192.0.2.10', 'OID 1.3.6.1.4.1.311', '1.2.3.4.5', '256.1.1.1'],
	},
	{
		detector: 'ipv6',
		masks: [
			['inet6 2a02:8108:1440:2b00:d4c1:9aff:fe3e:1b2c/64', '2a02:8108:1440:2b00:d4c1:9aff:fe3e:1b2c'],
			['via fe80::a00:27ff:fe4e:66a1 dev eth0', 'fe80::a00:27ff:fe4e:66a1'],
		],
		keeps: ['::1', '2001:db8::1', 'std::vector<int>', '10:20:30', '00:1a:2b:3c:4d:5e', 'a::b'],
	},
];

describe.each(cases)('$detector', ({ detector, masks, keeps }) => {
	const masker = maskerFor(detector);

	it.each(masks)('masks the secret in %j', (text, secret) => {
		expect(text).toContain(secret);
		const masked = masker.maskText(text);
		expect(masked.text).not.toContain(secret);
		expect(masked.text).toContain(`[REDACTED:${detector}]`);
		expect(masked.findings).toEqual([{ detector, path: '$', count: 1 }]);
		// Only the secret goes: what was around it is still there.
		const [before, after] = text.split(secret);
		expect(masked.text.startsWith(before)).toBe(true);
		expect(masked.text.endsWith(after)).toBe(true);
	});

	it.each(keeps)('keeps %j', (text) => {
		expect(masker.maskText(text)).toEqual({ text, findings: [] });
	});
});

describe('checksums', () => {
	it.each([
		['4111111111111111', true],
		['4111111111111112', false],
		['378282246310005', true],
		['79927398713', true],
		['12a4', false],
	])('Luhn %s → %s', (digits, valid) => {
		expect(passesLuhn(digits)).toBe(valid);
	});

	it.each([
		['DE89370400440532013000', true],
		['GB82WEST12345698765432', true],
		['NL91ABNA0417164300', true],
		['DE88370400440532013000', false],
		['DE8937040044053201300', false],
		['ZZ89370400440532013000', false],
	])('IBAN %s → %s', (iban, valid) => {
		expect(isValidIban(iban)).toBe(valid);
	});
});

describe('placeholders', () => {
	it.each(['${GITHUB_TOKEN}', '<your-token>', 'your-api-key-here', '********', 'xxxxxxxx', '{{ .Values.token }}', 'changeme', 'sk-...', 'REDACTED', '$DB_PASS', 'null'])(
		'%s is a placeholder',
		(value) => {
			expect(isPlaceholder(value)).toBe(true);
		},
	);

	it.each(['hunter2', 'Tr0ub4dor&3', 'a1b2c3d4e5f6', 'correct-horse-battery-staple'])('%s is not', (value) => {
		expect(isPlaceholder(value)).toBe(false);
	});
});
