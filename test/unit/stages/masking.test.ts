// The masking stage in memory (DESIGN §3 step 3): what the server sends is masked before the
// client sees it (a rewrite), client arguments are masked in the record only (recordAs).
// The masker is the real one, built from the policy's `mask:` section as create-stages.ts
// builds it. All secrets are fabricated.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARSE_LIMIT_BYTES } from '../../../src/jsonrpc/classify.js';
import { createMasker } from '../../../src/masking/create-masker.js';
import type { Flow, FlowNote } from '../../../src/pipeline/flow.js';
import type { Stage } from '../../../src/pipeline/stage.js';
import { createMaskingStage } from '../../../src/stages/masking.js';
import { clientFlow, fakeContext, frameOf, outcomeOf, pass, policyOf, request, response, serverFlow, toolCall, type Outcome } from '../../helpers/stage-harness.js';

const GITHUB = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const OTHER_GITHUB = 'ghp_Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7';
const AWS = 'AKIA2OGYBAH6QXNKLM4Z';

function masking(policyText: string, secrets?: { name: string; value: string }[]): { stage: Stage; context: ReturnType<typeof fakeContext> } {
	const policy = policyOf(policyText);
	const masker = createMasker(policy.mask, { sessionSalt: 'stage-tests', extraLiterals: secrets });
	return { stage: createMaskingStage({ masker, maskRequestsInRecord: policy.mask.requests === 'record' }), context: fakeContext({ policy }) };
}

const masked = (findings: { detector: string; path: string; count: number }[], extra: Record<string, unknown> = {}): FlowNote => ({ kind: 'mask', details: { findings, ...extra } });
const text = (value: string) => ({ type: 'text', text: value });

interface ServerRow {
	case: string;
	/** The policy after `version: 1` (empty: the default mask, secrets redacted). */
	policy: string;
	/** The client request a response answers. */
	answers?: { method: string; tool?: string };
	message: unknown;
	outcome: Outcome;
	/** What the record keeps instead of what went out (masked ids). */
	recordAs?: unknown;
	notes: FlowNote[];
}

const serverRows: ServerRow[] = [
	// Where secrets are found.
	{
		case: 'a tool result: content[].text',
		policy: '',
		answers: { method: 'tools/call', tool: 'read_file' },
		message: response(1, { content: [text(`found ${GITHUB} in .git/config`)], isError: false }),
		outcome: { rewritten: response(1, { content: [text('found [REDACTED:github-token] in .git/config')], isError: false }) },
		notes: [masked([{ detector: 'github-token', path: '$.result.content[0].text', count: 1 }])],
	},
	{
		case: 'a tool result: counts per leaf and detector',
		policy: '',
		answers: { method: 'tools/call', tool: 'grep' },
		message: response(1, { content: [text(`${GITHUB} and ${OTHER_GITHUB}`), text(`key ${AWS}`)] }),
		outcome: { rewritten: response(1, { content: [text('[REDACTED:github-token] and [REDACTED:github-token]'), text('key [REDACTED:aws-access-key]')] }) },
		notes: [
			masked([
				{ detector: 'aws-access-key', path: '$.result.content[1].text', count: 1 },
				{ detector: 'github-token', path: '$.result.content[0].text', count: 2 },
			]),
		],
	},
	{
		case: 'a tool result: structuredContent',
		policy: '',
		answers: { method: 'tools/call', tool: 'git_remote' },
		message: response(1, { content: [text('see structured content')], structuredContent: { remote: { url: 'https://github.com/a/b', credential: GITHUB } } }),
		outcome: { rewritten: response(1, { content: [text('see structured content')], structuredContent: { remote: { url: 'https://github.com/a/b', credential: '[REDACTED:github-token]' } } }) },
		notes: [masked([{ detector: 'github-token', path: '$.result.structuredContent.remote.credential', count: 1 }])],
	},
	{
		case: 'a tool result: a value under a secret-sounding key (sensitive-field)',
		policy: '',
		answers: { method: 'tools/call', tool: 'read_config' },
		message: response(1, { content: [], structuredContent: { config: { host: 'db', db_password: 'correct-horse-battery' } } }),
		outcome: { rewritten: response(1, { content: [], structuredContent: { config: { host: 'db', db_password: '[REDACTED:sensitive-field]' } } }) },
		notes: [masked([{ detector: 'sensitive-field', path: '$.result.structuredContent.config.db_password', count: 1 }])],
	},
	{
		case: 'a resource read: contents[].text',
		policy: '',
		answers: { method: 'resources/read' },
		message: response(2, { contents: [{ uri: 'file:///app/.env', mimeType: 'text/plain', text: `AWS_ACCESS_KEY_ID=${AWS}\nREGION=eu-west-1\n` }] }),
		outcome: { rewritten: response(2, { contents: [{ uri: 'file:///app/.env', mimeType: 'text/plain', text: 'AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key]\nREGION=eu-west-1\n' }] }) },
		notes: [masked([{ detector: 'aws-access-key', path: '$.result.contents[0].text', count: 1 }])],
	},
	{
		case: 'a prompt: messages[].content.text',
		policy: '',
		answers: { method: 'prompts/get' },
		message: response(3, { description: 'deploy', messages: [{ role: 'user', content: text(`Deploy with ${GITHUB}`) }] }),
		outcome: { rewritten: response(3, { description: 'deploy', messages: [{ role: 'user', content: text('Deploy with [REDACTED:github-token]') }] }) },
		notes: [masked([{ detector: 'github-token', path: '$.result.messages[0].content.text', count: 1 }])],
	},
	{
		case: 'an error response: error.message',
		policy: '',
		answers: { method: 'tools/call', tool: 'push' },
		message: { jsonrpc: '2.0', id: 4, error: { code: -32000, message: `bad credentials ${GITHUB}` } },
		outcome: { rewritten: { jsonrpc: '2.0', id: 4, error: { code: -32000, message: 'bad credentials [REDACTED:github-token]' } } },
		notes: [masked([{ detector: 'github-token', path: '$.error.message', count: 1 }])],
	},
	{
		case: 'a server notification: params',
		policy: '',
		message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'debug', data: `using ${AWS}` } },
		outcome: { rewritten: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'debug', data: 'using [REDACTED:aws-access-key]' } } },
		notes: [masked([{ detector: 'aws-access-key', path: '$.params.data', count: 1 }])],
	},
	{
		case: 'a server→client request (sampling/createMessage): params',
		policy: '',
		message: request(0, 'sampling/createMessage', { messages: [{ role: 'user', content: text(`summarise ${GITHUB}`) }], maxTokens: 10 }),
		outcome: { rewritten: request(0, 'sampling/createMessage', { messages: [{ role: 'user', content: text('summarise [REDACTED:github-token]') }], maxTokens: 10 }) },
		notes: [masked([{ detector: 'github-token', path: '$.params.messages[0].content.text', count: 1 }])],
	},
	{
		case: 'a batch of responses: each element masked as its own message',
		policy: '',
		message: [response(1, { content: [text('clean')] }), response(2, { content: [text(`leak ${GITHUB}`)] })],
		outcome: { rewritten: [response(1, { content: [text('clean')] }), response(2, { content: [text('leak [REDACTED:github-token]')] })] },
		// The paths do not say which element of the batch (each element is masked as if alone).
		notes: [masked([{ detector: 'github-token', path: '$.result.content[0].text', count: 1 }])],
	},

	// The envelope and clean messages.
	{
		case: 'nothing secret: forwarded as is, no note',
		policy: '',
		answers: { method: 'tools/call', tool: 'echo' },
		message: response(1, { content: [text('hello world')] }),
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a secret-looking id goes out as it came (the client pairs its answer by it) and is masked in the record',
		policy: '',
		message: response(GITHUB, { content: [text('hello')] }),
		outcome: { forwarded: true },
		recordAs: response('[REDACTED:github-token]', { content: [text('hello')] }),
		notes: [masked([{ detector: 'github-token', path: '$.id', count: 1 }])],
	},
	{
		case: 'the id stays in what goes out while the result is masked; the record has both masked',
		policy: '',
		message: response(GITHUB, { content: [text(GITHUB)] }),
		outcome: { rewritten: response(GITHUB, { content: [text('[REDACTED:github-token]')] }) },
		recordAs: response('[REDACTED:github-token]', { content: [text('[REDACTED:github-token]')] }),
		notes: [
			masked([
				{ detector: 'github-token', path: '$.result.content[0].text', count: 1 },
				{ detector: 'github-token', path: '$.id', count: 1 },
			]),
		],
	},
	{
		case: 'a notification whose method holds a secret: the method is masked',
		policy: '',
		message: { jsonrpc: '2.0', method: `notifications/${GITHUB}`, params: {} },
		outcome: { rewritten: { jsonrpc: '2.0', method: 'notifications/[REDACTED:github-token]', params: {} } },
		notes: [masked([{ detector: 'github-token', path: '$.method', count: 1 }])],
	},
	{
		case: 'a key that holds a secret is masked, its value kept',
		policy: '',
		message: response(1, { structuredContent: { [GITHUB]: 'owner' } }),
		outcome: { rewritten: response(1, { structuredContent: { '[REDACTED:github-token]': 'owner' } }) },
		notes: [masked([{ detector: 'github-token', path: '$.result.structuredContent{key}', count: 1 }])],
	},

	// Strategies.
	{
		case: 'strategy partial keeps the last 4 characters',
		policy: 'mask: { strategy: partial }',
		message: response(1, { content: [text(`token ${GITHUB}`)] }),
		outcome: { rewritten: response(1, { content: [text('token [REDACTED:github-token:…3zA5]')] }) },
		notes: [masked([{ detector: 'github-token', path: '$.result.content[0].text', count: 1 }])],
	},
	{
		case: 'strategy partial redacts short values whole',
		policy: 'mask: { strategy: partial }',
		message: response(1, { structuredContent: { password: 'hunter2' } }),
		outcome: { rewritten: response(1, { structuredContent: { password: '[REDACTED:sensitive-field]' } }) },
		notes: [masked([{ detector: 'sensitive-field', path: '$.result.structuredContent.password', count: 1 }])],
	},
	{
		case: 'strategy hash: the same value gives the same hash, another value another',
		policy: 'mask: { strategy: hash }',
		message: response(1, { content: [text(GITHUB), text(GITHUB), text(OTHER_GITHUB)] }),
		outcome: {
			rewritten: response(1, {
				content: [
					text(expect.stringMatching(/^\[HASH:github-token:([0-9a-f]{12})\]$/)),
					text(expect.stringMatching(/^\[HASH:github-token:[0-9a-f]{12}\]$/)),
					text(expect.stringMatching(/^\[HASH:github-token:[0-9a-f]{12}\]$/)),
				],
			}),
		},
		notes: [
			masked([
				{ detector: 'github-token', path: '$.result.content[2].text', count: 1 },
				{ detector: 'github-token', path: '$.result.content[1].text', count: 1 },
				{ detector: 'github-token', path: '$.result.content[0].text', count: 1 },
			]),
		],
	},

	// Policy options: fields, detectors, exclude, custom.
	{
		case: 'fields: a listed key is masked in structuredContent',
		policy: 'mask: { fields: [connection_id] }',
		message: response(1, { structuredContent: { connection_id: 'abc-123', host: 'db' } }),
		outcome: { rewritten: response(1, { structuredContent: { connection_id: '[REDACTED:sensitive-field]', host: 'db' } }) },
		notes: [masked([{ detector: 'sensitive-field', path: '$.result.structuredContent.connection_id', count: 1 }])],
	},
	{
		case: 'fields: a listed key is masked inside JSON text, which stays JSON',
		policy: 'mask: { fields: ["*_id"] }',
		message: response(1, { content: [text('{"connection_id":"abc-123","host":"db"}')] }),
		outcome: { rewritten: response(1, { content: [text('{"connection_id":"[REDACTED:sensitive-field]","host":"db"}')] }) },
		notes: [masked([{ detector: 'sensitive-field', path: '$.result.content[0].text', count: 1 }])],
	},
	{
		case: 'fields: key masking runs even when only pii detectors are selected',
		policy: 'mask: { detectors: [pii], fields: [connection_id] }',
		message: response(1, { structuredContent: { connection_id: 'abc-123', note: GITHUB } }),
		outcome: { rewritten: response(1, { structuredContent: { connection_id: '[REDACTED:sensitive-field]', note: GITHUB } }) },
		notes: [masked([{ detector: 'sensitive-field', path: '$.result.structuredContent.connection_id', count: 1 }])],
	},
	{
		case: 'detectors: pii masks an email address',
		policy: 'mask: { detectors: [secrets, pii] }',
		message: response(1, { content: [text('mail jane.roe@gmail.com')] }),
		outcome: { rewritten: response(1, { content: [text('mail [REDACTED:email]')] }) },
		notes: [masked([{ detector: 'email', path: '$.result.content[0].text', count: 1 }])],
	},
	{
		case: 'detectors: the default (secrets) leaves an email address',
		policy: '',
		message: response(1, { content: [text('mail jane.roe@gmail.com')] }),
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'exclude: a detector turned off finds nothing',
		policy: 'mask: { exclude: [github-token] }',
		message: response(1, { content: [text(`found ${GITHUB}`)] }),
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'custom: a detector of the policy',
		policy: 'mask:\n  custom:\n    - { name: employee-id, pattern: "EMP-[0-9]{6}" }',
		message: response(1, { content: [text('owner EMP-123456')] }),
		outcome: { rewritten: response(1, { content: [text('owner [REDACTED:employee-id]')] }) },
		notes: [masked([{ detector: 'employee-id', path: '$.result.content[0].text', count: 1 }])],
	},
];

describe('masking: what the server sends', () => {
	it.each(serverRows)('$case', (row) => {
		const { stage, context } = masking(row.policy);
		const flow = pass([stage], context, serverFlow(row.message, row.answers));
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.notes).toEqual(row.notes);
		expect(flow.recordAs).toEqual(row.recordAs);
		expect(flow.frame.equals(frameOf(row.message))).toBe(true);
	});

	it('strategy hash: equal values hash alike within a session', () => {
		const { stage, context } = masking('mask: { strategy: hash }');
		const flow = pass([stage], context, serverFlow(response(1, { content: [text(GITHUB), text(GITHUB), text(OTHER_GITHUB)] })));
		const [first, second, third] = (flow.rewrite as { result: { content: { text: string }[] } }).result.content.map((block) => block.text);
		expect(first).toBe(second);
		expect(third).not.toBe(first);
	});

	it('a secret injected into the server (run --secret) is redacted whole whatever the strategy', () => {
		const { stage, context } = masking('mask: { strategy: partial }', [{ name: 'DEPLOY_KEY', value: 'plain-looking-value-42' }]);
		const flow = pass([stage], context, serverFlow(response(1, { content: [text('echo plain-looking-value-42')] })));
		expect(outcomeOf(flow)).toEqual({ rewritten: response(1, { content: [text('echo [REDACTED:DEPLOY_KEY]')] }) });
		expect(flow.notes).toEqual([masked([{ detector: 'DEPLOY_KEY', path: '$.result.content[0].text', count: 1 }])]);
	});

	// Above PARSE_LIMIT_BYTES the line is masked as JSON text, not parsed: the rewrite is the
	// masked bytes and the finding's path is the whole line ('$'), noted as raw.
	it.each([
		{ case: 'a huge result with a secret is masked as text', tail: ` ${GITHUB}`, masks: true },
		{ case: 'a huge clean result is forwarded', tail: ' nothing here', masks: false },
	])('$case', ({ tail, masks }) => {
		const { stage, context } = masking('');
		const big = 'x'.repeat(PARSE_LIMIT_BYTES);
		const flow = pass([stage], context, serverFlow(response(1, { content: [text(`${big}${tail}`)] }), { method: 'resources/read' }));
		if (!masks) {
			expect(outcomeOf(flow)).toEqual({ forwarded: true });
			expect(flow.notes).toEqual([]);
			return;
		}
		expect(Buffer.isBuffer(flow.rewrite)).toBe(true);
		expect(outcomeOf(flow)).toEqual({ rewritten: response(1, { content: [text(`${big} [REDACTED:github-token]`)] }) });
		expect(flow.notes).toEqual([masked([{ detector: 'github-token', path: '$', count: 1 }], { raw: true })]);
	});

	// Whatever the size and however the server escaped it (Python's json.dumps writes every
	// non-ASCII character as \uXXXX, some writers escape more), a line parsed or not: the
	// masker reads the decoded strings, keys included, and what reaches the client parses to
	// the same message with the secret masked.
	it('a secret in a line of any size, written with any JSON escapes, in a value or a key, never gets through', () => {
		const hex4 = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
		// Python's default: every non-ASCII UTF-16 unit escaped; or every character of every string.
		const stringify = (value: string, escaping: string) =>
			escaping === 'all-escaped' ? `"${Array.from({ length: value.length }, (_, index) => hex4(value.charCodeAt(index))).join('')}"` : JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => hex4(char.charCodeAt(0)));
		const piece = fc.constantFrom('café ', 'x', '\n', '😀', ' ', '"', 'é', '中文 ');
		fc.assert(
			fc.property(
				fc.array(piece, { maxLength: 20 }).map((pieces) => pieces.join('')),
				fc.array(piece, { maxLength: 20 }).map((pieces) => pieces.join('')),
				// What sits right before and after the token: decoded it parts words, escaped it is letters and digits.
				fc.constantFrom(' ', 'é', '\n', '"', '😀', '中'),
				fc.boolean(),
				fc.constantFrom('value', 'key'),
				fc.constantFrom('ascii-only', 'all-escaped'),
				(before, after, separator, huge, place, escaping) => {
					const { stage, context } = masking('');
					// Just over the parse limit once written: 'café ' is 10 bytes in Python's form, 30 with everything escaped.
					const filler = huge ? 'caf\u00e9 '.repeat(Math.ceil(PARSE_LIMIT_BYTES / (escaping === 'all-escaped' ? 30 : 10)) + 10) : 'small';
					const secretText = `${before}${separator}${GITHUB}${separator}${after}`;
					const content = place === 'value' ? { text: `${filler}${secretText}` } : { [secretText]: filler };
					const message = response(1, { structuredContent: content });
					const [key, value] = Object.entries(content)[0];
					const json = `{"jsonrpc":"2.0","id":1,"result":{"structuredContent":{${stringify(key, escaping)}:${stringify(value, escaping)}}}}`;
					expect(JSON.parse(json)).toEqual(message);
					expect(Buffer.byteLength(json) > PARSE_LIMIT_BYTES).toBe(huge);
					const flow = pass([stage], context, serverFlow(json, { method: 'tools/call' }));
					const out = flow.rewrite === undefined ? json : Buffer.isBuffer(flow.rewrite) ? flow.rewrite.toString('utf8') : JSON.stringify(flow.rewrite);
					const decoded = JSON.stringify(JSON.parse(out));
					expect(decoded).not.toContain(GITHUB);
					expect(decoded).toContain('[REDACTED:github-token]');
				},
			),
			{ seed: 1416, numRuns: 12 },
		);
	});
});

// Client → server: forwarded exactly as sent; with mask.requests: record (the default) the
// record keeps a masked copy (recordAs) and a note marked recordOnly.
interface ClientRow {
	case: string;
	policy: string;
	/** A stage before masking (what an earlier stage did to the flow). */
	before?: (flow: Flow) => void;
	message: unknown;
	outcome: Outcome;
	recordAs: unknown;
	notes: FlowNote[];
}

const clientRows: ClientRow[] = [
	{
		case: "record: the client's answer to a server request (sampling, elicitation input) is masked in the record",
		policy: '',
		message: response('s-1', { action: 'accept', content: { note: `use ${GITHUB}` } }),
		outcome: { forwarded: true },
		recordAs: response('s-1', { action: 'accept', content: { note: 'use [REDACTED:github-token]' } }),
		notes: [masked([{ detector: 'github-token', path: '$.result.content.note', count: 1 }], { recordOnly: true })],
	},
	{
		case: 'record: a client notification is masked in the record',
		policy: '',
		message: { jsonrpc: '2.0', method: 'notifications/message', params: { data: GITHUB } },
		outcome: { forwarded: true },
		recordAs: { jsonrpc: '2.0', method: 'notifications/message', params: { data: '[REDACTED:github-token]' } },
		notes: [masked([{ detector: 'github-token', path: '$.params.data', count: 1 }], { recordOnly: true })],
	},
	{
		case: 'record: a request without params, its id a secret',
		policy: '',
		message: { jsonrpc: '2.0', id: GITHUB, method: 'ping' },
		outcome: { forwarded: true },
		recordAs: { jsonrpc: '2.0', id: '[REDACTED:github-token]', method: 'ping' },
		notes: [masked([{ detector: 'github-token', path: '$.id', count: 1 }], { recordOnly: true })],
	},
	{
		case: 'record: a batch, element by element',
		policy: '',
		message: [toolCall(1, 'echo', { text: 'plain' }), toolCall(2, 'echo', { text: GITHUB })],
		outcome: { forwarded: true },
		recordAs: [toolCall(1, 'echo', { text: 'plain' }), toolCall(2, 'echo', { text: '[REDACTED:github-token]' })],
		notes: [masked([{ detector: 'github-token', path: '$.params.arguments.text', count: 1 }], { recordOnly: true })],
	},
	{
		case: 'record (default): forwarded as sent, the record masked',
		policy: '',
		message: toolCall(1, 'deploy', { token: 'not-a-pattern', key: GITHUB }),
		outcome: { forwarded: true },
		recordAs: toolCall(1, 'deploy', { token: '[REDACTED:sensitive-field]', key: '[REDACTED:github-token]' }),
		notes: [
			masked(
				[
					{ detector: 'sensitive-field', path: '$.params.arguments.token', count: 1 },
					{ detector: 'github-token', path: '$.params.arguments.key', count: 1 },
				],
				{ recordOnly: true },
			),
		],
	},
	{
		case: 'record with strategy partial: the record uses the strategy too',
		policy: 'mask: { strategy: partial, requests: record }',
		message: toolCall(1, 'deploy', { key: GITHUB }),
		outcome: { forwarded: true },
		recordAs: toolCall(1, 'deploy', { key: '[REDACTED:github-token:…3zA5]' }),
		notes: [masked([{ detector: 'github-token', path: '$.params.arguments.key', count: 1 }], { recordOnly: true })],
	},
	{
		case: 'none: forwarded and recorded as sent',
		policy: 'mask: { requests: none }',
		message: toolCall(1, 'deploy', { key: GITHUB }),
		outcome: { forwarded: true },
		recordAs: undefined,
		notes: [],
	},
	{
		case: 'record: a clean request is recorded as sent',
		policy: '',
		message: toolCall(1, 'echo', { text: 'hello' }),
		outcome: { forwarded: true },
		recordAs: undefined,
		notes: [],
	},
	{
		case: 'record: a secret-looking id is masked in the record too (forwarded as is)',
		policy: '',
		message: request(GITHUB, 'tools/call', { name: 'echo', arguments: { text: AWS } }),
		outcome: { forwarded: true },
		recordAs: request('[REDACTED:github-token]', 'tools/call', { name: 'echo', arguments: { text: '[REDACTED:aws-access-key]' } }),
		notes: [
			masked(
				[
					{ detector: 'github-token', path: '$.id', count: 1 },
					{ detector: 'aws-access-key', path: '$.params.arguments.text', count: 1 },
				],
				{ recordOnly: true },
			),
		],
	},
	{
		case: 'record: a call answered by an earlier stage keeps its masked arguments in the record',
		policy: '',
		before: (flow) => {
			flow.answer = { jsonrpc: '2.0', id: 1, result: { content: [], isError: true } };
		},
		message: toolCall(1, 'deploy', { key: GITHUB }),
		outcome: { answered: { jsonrpc: '2.0', id: 1, result: { content: [], isError: true } } },
		recordAs: toolCall(1, 'deploy', { key: '[REDACTED:github-token]' }),
		notes: [masked([{ detector: 'github-token', path: '$.params.arguments.key', count: 1 }], { recordOnly: true })],
	},
	{
		case: 'record: a call rewritten by an earlier stage is recorded as the masked rewrite; the rewrite goes out as is',
		policy: '',
		before: (flow) => {
			flow.rewrite = toolCall(1, 'deploy', { key: GITHUB });
		},
		message: request(1, 'tools/call', { name: 'deploy', arguments: { key: GITHUB }, requestState: 'x' }),
		outcome: { rewritten: toolCall(1, 'deploy', { key: GITHUB }) },
		recordAs: toolCall(1, 'deploy', { key: '[REDACTED:github-token]' }),
		notes: [masked([{ detector: 'github-token', path: '$.params.arguments.key', count: 1 }], { recordOnly: true })],
	},
];

describe('masking: what the client sends', () => {
	it.each(clientRows)('$case', (row) => {
		const { stage, context } = masking(row.policy);
		const stages: Stage[] = row.before ? [{ name: 'earlier', toServer: row.before }, stage] : [stage];
		const flow = pass(stages, context, clientFlow(row.message));
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.recordAs).toEqual(row.recordAs);
		expect(flow.notes).toEqual(row.notes);
		// The bytes that go out are the client's own.
		expect(flow.frame.equals(frameOf(row.message))).toBe(true);
	});

	it('an answered call is masked on a copy: the parsed call an earlier stage may hold stays as sent', () => {
		const { stage, context } = masking('');
		const flow = pass([{ name: 'earlier', toServer: (held) => void (held.answer = {}) }, stage], context, clientFlow(toolCall(1, 'deploy', { key: GITHUB })));
		expect((flow.message.parsed as { params: { arguments: { key: string } } }).params.arguments.key).toBe(GITHUB);
		expect(flow.recordAs).toEqual(toolCall(1, 'deploy', { key: '[REDACTED:github-token]' }));
	});

	it('a forwarded call is masked in place (nothing reads its parsed copy later); the frame is untouched', () => {
		const { stage, context } = masking('');
		const flow = pass([stage], context, clientFlow(toolCall(1, 'deploy', { key: GITHUB })));
		expect(flow.recordAs).toBe(flow.message.parsed);
		expect(flow.frame.toString()).toContain(GITHUB);
	});
});
