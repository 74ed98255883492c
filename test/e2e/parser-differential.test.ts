// Issue 12: no line reaches the server with a meaning other than the one mcprec's policy
// evaluated. The server here is fixtures/differential-server.mjs, which logs how three
// parsers read every line it receives (first key wins, last key wins, Go-like folding);
// the policy denies writes under /etc and hides admin_* tools.
//  - The examples of findings 1-3 (and their siblings) are refused through the built binary,
//    recorded as refused, and never reach the server.
//  - tools.hide and pin: deny hold for a call padded past the parse limit (finding 2).
//  - Generated hostile lines (fast-check, seeded): whenever the server receives one, every
//    parser reads it as mcprec did, and none of them reads a call the policy refuses.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldKey } from '../../src/jsonrpc/fold-key.js';
import { PARSE_LIMIT_BYTES } from '../../src/jsonrpc/classify.js';
import { parsePolicy } from '../../src/policy/load-policy.js';
import { evaluatePolicy, isToolHidden } from '../../src/policy/match-rule.js';
import { fixture, makeHome, payloadOf, removeHome, waitForEvents } from '../helpers/mcprec.js';
import { startRaw, type RawSession } from '../helpers/raw-mcprec.js';

const POLICY = `version: 1
rules:
  - name: no-etc-writes
    match: { tool: write_file, args: { path: "^/etc/" } }
    action: deny
    message: Writes under /etc are not allowed
tools:
  hide: ["admin_*"]
`;
const policy = parsePolicy(POLICY, 'policy.yaml');
const PAD = 'p'.repeat(PARSE_LIMIT_BYTES + 100);

interface Reading {
	ok: boolean;
	error?: string;
	batch?: boolean;
	messages?: { method?: unknown; id?: unknown; hasId: boolean; name?: unknown; arguments?: unknown }[];
}
interface Received {
	sha256: string;
	bytes: number;
	carriageReturn: boolean;
	readings: { first: Reading; last: Reading; fold: Reading };
}

/** mcprec run with the differential server behind it, and what that server received. */
class DifferentialSession {
	readonly home = makeHome();
	readonly log = path.join(this.home, 'received.jsonl');
	readonly session: RawSession;
	private syncs = 0;
	private logRead = 0;

	constructor() {
		const policyFile = path.join(this.home, 'policy.yaml');
		fs.writeFileSync(policyFile, POLICY);
		fs.writeFileSync(this.log, '');
		this.session = startRaw(['node', fixture('differential-server.mjs')], this.home, { runOptions: ['--name', 'differential', '--policy', policyFile], env: { DIFFERENTIAL_LOG: this.log } });
	}

	async start(): Promise<void> {
		this.session.send(JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'differential', version: '1' } } }));
		await this.session.response('init');
		this.session.send(JSON.stringify({ jsonrpc: '2.0', id: 'list', method: 'tools/list' }));
		await this.session.response('list');
	}

	/** What the server logged since the last call. */
	private receivedSince(): Received[] {
		const log = fs.readFileSync(this.log);
		const fresh = log.subarray(this.logRead);
		this.logRead = log.length;
		return fresh
			.toString('utf8')
			.split('\n')
			.filter(Boolean)
			.map((line) => JSON.parse(line) as Received);
	}

	/** Sends a line, then a ping; once the ping is answered, mcprec and the server are done with the line. Returns what the server received of it. */
	async send(line: string | Buffer): Promise<Received[]> {
		this.receivedSince();
		this.session.write(Buffer.concat([Buffer.isBuffer(line) ? line : Buffer.from(line, 'utf8'), Buffer.from('\n')]));
		const sync = `sync-${++this.syncs}`;
		const ping = JSON.stringify({ jsonrpc: '2.0', id: sync, method: 'ping' });
		this.session.send(ping);
		await this.session.response(sync);
		const pingHash = sha256(ping);
		return this.receivedSince().filter((entry) => entry.sha256 !== pingHash);
	}

	async close(): Promise<void> {
		this.session.end();
		await this.session.exit();
		removeHome(this.home);
	}
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const parse = (line: Buffer) => JSON.parse(line.toString('utf8'));

describe('issue 12 findings 1-3 through mcprec run: refused, recorded as refused, never at the server', () => {
	let differential: DifferentialSession;
	const call = (id: number | string, params: string) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":${params}}`;
	// Each row: a hostile line, the answer's error code (or the tool error text), the rule recorded.
	const rows: { case: string; id: number | string | null; line: string; code?: number; toolError?: RegExp; rule: string }[] = [
		{ case: '1: Method beside method', id: 30, line: '{"jsonrpc":"2.0","id":30,"method":"ping","Method":"tools/call","params":{"name":"write_file","arguments":{"path":"/etc/passwd"}}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '1: method twice, the call first', id: 31, line: '{"jsonrpc":"2.0","id":31,"method":"tools/call","method":"ping","params":{"name":"write_file","arguments":{"path":"/etc/passwd"}}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '1: Name beside name', id: 32, line: call(32, '{"name":"read_file","Name":"admin_reset"}'), code: -32600, rule: 'ambiguous-json' },
		{ case: '1: Params beside params', id: 33, line: '{"jsonrpc":"2.0","id":33,"method":"tools/call","params":{"name":"read_file"},"Params":{"name":"admin_reset"}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '1: Params alone', id: 34, line: '{"jsonrpc":"2.0","id":34,"method":"tools/call","Params":{"name":"admin_reset"}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '1: arguments twice', id: 35, line: call(35, '{"name":"write_file","arguments":{"path":"/etc/passwd"},"arguments":{"path":"/tmp/ok"}}'), code: -32600, rule: 'ambiguous-json' },
		{ case: '1: ID beside id', id: null, line: '{"jsonrpc":"2.0","id":36,"ID":"mcprec-1","method":"tools/call","params":{"name":"read_file"}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '1: an escaped key name (met\\u0068od)', id: 37, line: '{"jsonrpc":"2.0","id":37,"method":"ping","met\\u0068od":"tools/call","params":{"name":"admin_reset"}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '1: long s (paramſ) and Kelvin sign', id: 38, line: '{"jsonrpc":"2.0","id":38,"method":"tools/call","params":{"name":"read_file"},"param\u017f":{"name":"admin_reset"}}', code: -32600, rule: 'ambiguous-json' },
		{ case: '3: Path beside path inside arguments', id: 40, line: call(40, '{"name":"write_file","arguments":{"path":"/tmp/ok","Path":"/etc/passwd"}}'), code: -32600, rule: 'ambiguous-json' },
		{ case: '3: a duplicate deep inside arguments', id: 41, line: call(41, '{"name":"write_file","arguments":{"path":"/tmp/ok","opts":{"mode":"a","mode":"w"}}}'), code: -32600, rule: 'ambiguous-json' },
		{ case: '3: PATH alone, the rule reads path', id: 42, line: call(42, '{"name":"write_file","arguments":{"PATH":"/etc/passwd"}}'), code: -32600, rule: 'uncheckable' },
		{ case: '3: __proto__ inside arguments', id: 43, line: call(43, '{"name":"write_file","arguments":{"__proto__":{"path":"/etc/passwd"}}}'), code: -32600, rule: 'ambiguous-json' },
		{ case: '3: arguments as a JSON string', id: 44, line: call(44, '{"name":"write_file","arguments":"{\\"path\\":\\"/etc/passwd\\"}"}'), code: -32602, rule: 'uncheckable' },
		{ case: '3: a tool name in an array', id: 45, line: call(45, '{"name":["admin_reset"]}'), code: -32602, rule: 'uncheckable' },
		{ case: '2: a hidden tool padded past the parse limit', id: 50, line: call(50, `{"name":"admin_reset","arguments":{"pad":"${PAD}"}}`), toolError: /^Blocked by policy rule 'tools.hide'/, rule: 'tools.hide' },
		{ case: '2: a denied write padded past the parse limit', id: 51, line: call(51, `{"name":"write_file","arguments":{"content":"${PAD}","path":"/etc/passwd"}}`), toolError: /^Blocked by policy rule 'no-etc-writes'/, rule: 'no-etc-writes' },
		{ case: '2: a padded line with a case-variant key', id: 52, line: call(52, `{"name":"read_file","arguments":{"pad":"${PAD}"},"Name":"admin_reset"}`), code: -32600, rule: 'ambiguous-json' },
		{ case: '2: a padded line with a comment a lenient parser skips', id: null, line: `{"jsonrpc":"2.0","id":53,"method":"tools/call","params":{"name":"read_file","arguments":{"pad":"${PAD}"}} /*,"params":{"name":"admin_reset"}*/}`, code: -32700, rule: '' },
		{ case: 'id 1e400', id: null, line: '{"jsonrpc":"2.0","id":1e400,"method":"tools/call","params":{"name":"read_file"}}', code: -32600, rule: 'ambiguous-json' },
		{ case: 'a carriage return a line reader splits on', id: 54, line: `{"jsonrpc":"2.0","id":54,"method":"ping","params":{"x":\r${call(55, '{"name":"admin_reset"}')}\r}}`, code: -32600, rule: 'ambiguous-json' },
	];

	beforeAll(async () => {
		differential = new DifferentialSession();
		await differential.start();
	});
	afterAll(async () => {
		await differential.close();
	});

	it.each(rows)('$case', async ({ id, line, code, toolError }) => {
		const received = await differential.send(line);
		expect(received).toEqual([]);
		const answer = parse(await differential.session.waitForLine((candidate) => candidate.length < 10_000 && parse(candidate).id === id && !String(parse(candidate).id).startsWith('sync-')));
		if (code !== undefined) expect(answer.error.code).toBe(code);
		else expect(answer.result.content[0].text).toMatch(toolError!);
		differential.session.lines.length = 0;
	});

	it('batches: an element with Name beside name refuses the batch; its requests are answered', async () => {
		const batch = `[${call(60, '{"name":"read_file"}')},${call(61, '{"name":"read_file","Name":"write_file","arguments":{"path":"/etc/passwd"}}')}]`;
		expect(await differential.send(batch)).toEqual([]);
		const answers = parse(await differential.session.waitForLine((candidate) => candidate[0] === 0x5b));
		expect(answers.map((answer: { id: number; error: { code: number } }) => [answer.id, answer.error.code])).toEqual([
			[60, -32600],
			[61, -32600],
		]);
	});

	it('a tools/call without an id is checked: a hidden tool is dropped unanswered, an allowed call goes through', async () => {
		differential.session.lines.length = 0;
		expect(await differential.send('{"jsonrpc":"2.0","method":"tools/call","params":{"name":"admin_reset"}}')).toEqual([]);
		expect(await differential.send('{"jsonrpc":"2.0","method":"tools/call","params":{"name":"write_file","arguments":{"path":"/etc/passwd"}}}')).toEqual([]);
		const allowed = '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"read_file","arguments":{"path":"/tmp/ok"}}}';
		expect((await differential.send(allowed)).map((entry) => entry.sha256)).toEqual([sha256(allowed)]);
		expect(differential.session.lines.filter((line) => !parse(line).id?.toString().startsWith('sync-'))).toEqual([]);
	});

	it('recorded every refusal: the line not forwarded, a deny decision, its tool where it has one', async () => {
		const events = await waitForEvents(differential.home, (stored) => stored.filter((event) => event.kind === 'decision').length >= rows.length + 2);
		const decisions = events.filter((event) => event.kind === 'decision').map((event) => ({ id: event.rpc_id, tool: event.tool, ...JSON.parse(payloadOf(event).toString()) }));
		for (const row of rows.filter((candidate) => candidate.rule !== '')) {
			const rpcId = row.id === null ? 'null' : JSON.stringify(row.id);
			expect(decisions).toContainEqual(expect.objectContaining({ id: rpcId, action: 'deny', rule: row.rule }));
		}
		// Finding 2: the padded call's tool column is filled in.
		expect(decisions).toContainEqual(expect.objectContaining({ id: '50', tool: 'admin_reset', rule: 'tools.hide' }));
		const clientLines = events.filter((event) => event.origin === 'client' && event.kind === 'message');
		const forwarded = new Set(clientLines.filter((event) => event.target === 'server').map((event) => sha256(payloadOf(event))));
		for (const row of rows) expect(forwarded.has(sha256(row.line))).toBe(false);
	});
});

describe('pin: deny holds for a call padded past the parse limit (finding 2)', () => {
	let home: string;
	beforeAll(() => {
		home = makeHome();
	});
	afterAll(() => removeHome(home));

	it('refuses the padded call to a changed tool, alone and in a batch', async () => {
		const policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, 'version: 1\ntools:\n  pin: deny\n');
		const session = startRaw(['node', fixture('raw-server.mjs')], home, { runOptions: ['--name', 'pinned', '--policy', policyFile] });
		try {
			const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
			session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} }));
			await session.response(1);
			session.send(request(2, 'tools/list'));
			await session.response(2);
			session.send(request(3, 'tools/call', { name: 'rug_pull' }));
			await session.response(3);
			session.send(request(4, 'tools/list'));
			await session.response(4);
			session.send(request(5, 'tools/call', { name: 'echo', arguments: { pad: PAD } }));
			expect(parse(await session.response(5)).result.content[0].text).toMatch(/^Blocked by policy rule 'tools.pin': the definition of 'echo' changed/);
			session.send(`[${request(6, 'tools/call', { name: 'echo', arguments: { pad: PAD } })}]`);
			const batch = parse(await session.waitForLine((line) => line[0] === 0x5b));
			expect(batch).toEqual([expect.objectContaining({ id: 6, error: expect.objectContaining({ code: -32011, data: expect.objectContaining({ rule: 'tools.pin' }) }) })]);
			const events = await waitForEvents(home, (stored) => stored.filter((event) => event.kind === 'decision' && event.rpc_id === '5').length > 0);
			expect(events.find((event) => event.kind === 'message' && event.origin === 'client' && event.rpc_id === '5')).toMatchObject({ target: null, tool: 'echo' });
		} finally {
			session.end();
			await session.exit();
		}
	});
});

// The property of issue 12, over generated hostile lines. A line is built from a call or a
// request and up to three mutations: a second key (same spelling, other letter case, Go's
// Unicode folds, \u escapes) with a hostile value at the envelope, in params, in the
// arguments or deeper; a key renamed to such a spelling; escaped values; no id; wrapped in
// a batch; padded past the parse limit; a carriage return; __proto__; odd ids; arguments as
// a string; a tool name in an array; lone surrogates; a request that is also a response.
describe('parser differential: what reaches the server means what the policy evaluated', () => {
	let differential: DifferentialSession;
	beforeAll(async () => {
		differential = new DifferentialSession();
		await differential.start();
	});
	afterAll(async () => {
		await differential.close();
	});

	it('holds for a few hundred generated lines (seeded)', async () => {
		let forwarded = 0;
		let refused = 0;
		let counter = 0;
		await fc.assert(
			fc.asyncProperty(hostileLine(), async (plan) => {
				const line = buildLine(plan, ++counter);
				const received = await differential.send(line);
				if (received.length === 0) {
					refused++;
					return;
				}
				forwarded++;
				expect(received.map((entry) => entry.sha256)).toEqual([sha256(line)]);
				const problems = disagreements(line, received[0]);
				if (problems.length > 0) throw new Error(`the server received a line parsers read otherwise than mcprec's policy did:\n${line.slice(0, 400)}\n${problems.join('\n')}`);
			}),
			{ seed: 20260712, numRuns: 300 },
		);
		// Both outcomes must have happened, or the property proved little.
		expect(refused).toBeGreaterThan(60);
		expect(forwarded).toBeGreaterThan(30);
	});
});

/** What mcprec's policy evaluated of each message in a line (JSON.parse's reading) against each parser's reading. */
function disagreements(line: string, received: Received): string[] {
	const problems: string[] = [];
	if (received.carriageReturn) problems.push('the line holds a carriage return (a line break to universal-newline readers)');
	const parsed = JSON.parse(line) as unknown;
	const mcprec = (Array.isArray(parsed) ? parsed : [parsed]).map((item) => {
		const message = (item ?? {}) as Record<string, unknown>;
		const params = typeof message.params === 'object' && message.params !== null && !Array.isArray(message.params) ? (message.params as Record<string, unknown>) : undefined;
		return roundTrip({ method: message.method, id: message.id, hasId: 'id' in message, name: params?.name, arguments: params?.arguments });
	});
	for (const [parser, reading] of Object.entries(received.readings) as [string, Reading][]) {
		if (!reading.ok) {
			problems.push(`${parser}: cannot read the line (${reading.error}) that mcprec forwarded`);
			continue;
		}
		if (reading.messages!.length !== mcprec.length) problems.push(`${parser}: ${reading.messages!.length} messages, mcprec read ${mcprec.length}`);
		reading.messages!.forEach((message, index) => {
			const ours = mcprec[index];
			const same = parser === 'fold' ? foldedEqual(message, ours) : isDeepStrictEqual(roundTrip(message), ours);
			if (!same) problems.push(`${parser}: reads ${JSON.stringify(message)}, mcprec read ${JSON.stringify(ours)}`);
			// Whatever the parser, nothing the policy refuses may run.
			const args = parser === 'fold' ? foldKeys(message.arguments) : message.arguments;
			if (message.method === 'tools/call' && typeof message.name === 'string') {
				if (isToolHidden(policy, message.name)) problems.push(`${parser}: runs the hidden tool ${message.name}`);
				const { action } = evaluatePolicy(policy, { method: 'tools/call', server: 'differential', tool: message.name, arguments: args });
				if (action === 'deny') problems.push(`${parser}: runs a call the policy denies: ${message.name} ${JSON.stringify(args)}`);
			}
		});
	}
	return problems;
}

// Go reads keys folded: its reading equals mcprec's once both are folded, and the value a
// rule reads by its exact name (`path`) is the one Go's struct field gets.
function foldedEqual(fold: NonNullable<Reading['messages']>[number], ours: Record<string, unknown>): boolean {
	const same = fold.method === ours.method && isDeepStrictEqual(fold.id, ours.id) && fold.hasId === ours.hasId && fold.name === ours.name;
	if (!same || !isDeepStrictEqual(foldKeys(fold.arguments), foldKeys(ours.arguments))) return false;
	const ourPath = (ours.arguments as Record<string, unknown> | undefined)?.path;
	const foldPath = (foldKeys(fold.arguments) as Record<string, unknown> | undefined)?.path;
	return isDeepStrictEqual(ourPath, foldPath);
}

function foldKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(foldKeys);
	if (typeof value !== 'object' || value === null) return value;
	const folded: Record<string, unknown> = {};
	for (const [key, inner] of Object.entries(value)) Object.defineProperty(folded, foldKey(key), { value: foldKeys(inner), enumerable: true, writable: true, configurable: true });
	return folded;
}

// As the server's log has it: through JSON, so undefined members drop out.
function roundTrip(value: unknown): Record<string, unknown> {
	return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

// --- the generator -------------------------------------------------------------------------

type Where = 'envelope' | 'params' | 'arguments' | 'nested';
type Spelling = 'same' | 'upper' | 'title' | 'flip' | 'unicode' | 'escaped' | 'escapedUpper';
type Mutation =
	| { kind: 'duplicate'; where: Where; key: number; spelling: Spelling; value: number; before: boolean }
	| { kind: 'rename'; where: Where; key: number; spelling: Spelling }
	| { kind: 'escapeValues' }
	| { kind: 'dropId' }
	| { kind: 'pad' }
	| { kind: 'proto' }
	| { kind: 'oddId'; value: number }
	| { kind: 'argumentsAsString' }
	| { kind: 'nameInArray' }
	| { kind: 'loneSurrogate' }
	| { kind: 'alsoResult' }
	| { kind: 'junk'; value: number };

interface Plan {
	base: number;
	path: number;
	mutations: Mutation[];
	batch: { position: number; siblings: number } | null;
	carriageReturn: number | null;
}

const BASES = [
	['tools/call', 'write_file'],
	['tools/call', 'read_file'],
	['tools/call', 'admin_reset'],
	['tools/call', 'write_file'],
	['ping', undefined],
	['tools/list', undefined],
] as const;
const PATHS = ['/tmp/ok', '/etc/passwd', '/home/me/notes.txt'];
const HOSTILE: Record<string, string[]> = {
	jsonrpc: ['"2.0"', '"1.0"'],
	id: ['77', '"x-77"', 'null'],
	method: ['"tools/call"', '"ping"', '"tools/list"'],
	params: ['{"name":"admin_reset"}', '{"name":"write_file","arguments":{"path":"/etc/passwd"}}'],
	name: ['"write_file"', '"admin_reset"', '"read_file"'],
	arguments: ['{"path":"/etc/passwd"}', '{"path":"/tmp/ok"}'],
	path: ['"/etc/passwd"', '"/etc/shadow"', '"/tmp/ok"'],
	content: ['"x"', '{"path":"/etc/passwd"}'],
	mode: ['"w"', '"a"'],
};
const ODD_IDS = ['1e400', '-0', '1.0', '9007199254740993', '"\\ud800"', '"plain-string-id"', '12'];
const JUNK = [(text: string) => `\ufeff${text}`, (text: string) => `${text} x`, (text: string) => text.replace('{', '{/*c*/'), (text: string) => text.replace(/"id":[^,]*/, '"id":NaN'), (text: string) => `${text.slice(0, -1)},}`];

function hostileLine(): fc.Arbitrary<Plan> {
	const where = fc.constantFrom<Where>('envelope', 'params', 'arguments', 'nested');
	const spelling = fc.constantFrom<Spelling>('same', 'upper', 'title', 'flip', 'unicode', 'escaped', 'escapedUpper');
	// About half the lines should be harmless, so that the server gets enough of them to read.
	const mutation: fc.Arbitrary<Mutation> = fc.oneof(
		{ arbitrary: fc.record({ kind: fc.constant('duplicate' as const), where, key: fc.nat(9), spelling, value: fc.nat(5), before: fc.boolean() }), weight: 6 },
		{ arbitrary: fc.record({ kind: fc.constant('rename' as const), where, key: fc.nat(9), spelling }), weight: 6 },
		{ arbitrary: fc.constant({ kind: 'escapeValues' as const }), weight: 3 },
		{ arbitrary: fc.constant({ kind: 'dropId' as const }), weight: 3 },
		{ arbitrary: fc.constant({ kind: 'pad' as const }), weight: 1 },
		{ arbitrary: fc.constant({ kind: 'proto' as const }), weight: 1 },
		{ arbitrary: fc.record({ kind: fc.constant('oddId' as const), value: fc.nat(ODD_IDS.length - 1) }), weight: 1 },
		{ arbitrary: fc.constant({ kind: 'argumentsAsString' as const }), weight: 1 },
		{ arbitrary: fc.constant({ kind: 'nameInArray' as const }), weight: 1 },
		{ arbitrary: fc.constant({ kind: 'loneSurrogate' as const }), weight: 1 },
		{ arbitrary: fc.constant({ kind: 'alsoResult' as const }), weight: 1 },
		{ arbitrary: fc.record({ kind: fc.constant('junk' as const), value: fc.nat(JUNK.length - 1) }), weight: 1 },
	);
	return fc.record({
		base: fc.nat(BASES.length - 1),
		path: fc.nat(PATHS.length - 1),
		mutations: fc.oneof({ arbitrary: fc.constant([]), weight: 1 }, { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }), weight: 3 }),
		batch: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.record({ position: fc.nat(2), siblings: fc.nat(2) }), weight: 1 }),
		carriageReturn: fc.oneof({ arbitrary: fc.constant(null), weight: 11 }, { arbitrary: fc.nat(), weight: 1 }),
	});
}

/** An object as written: its members in order, each key as JSON source (escapes and all). */
interface Written {
	members: { name: string; key: string; value: Written | string }[];
}

function buildLine(plan: Plan, counter: number): string {
	const [method, tool] = BASES[plan.base];
	const args: Written = { members: [member('path', JSON.stringify(PATHS[plan.path])), member('content', '"hello"')] };
	const nested: Written = { members: [member('mode', '"a"'), member('path', '"/tmp/ok"')] };
	args.members.push(member('options', nested));
	const params: Written = { members: tool === undefined ? [] : [member('name', JSON.stringify(tool)), member('arguments', args)] };
	const envelope: Written = { members: [member('jsonrpc', '"2.0"'), member('id', String(1000 + counter)), member('method', JSON.stringify(method)), member('params', params)] };
	const objects: Record<Where, Written> = { envelope, params, arguments: args, nested };
	let junk: ((text: string) => string) | undefined;
	for (const mutation of plan.mutations) {
		switch (mutation.kind) {
			case 'duplicate': {
				const target = objects[mutation.where];
				if (target.members.length === 0) break;
				const original = target.members[mutation.key % target.members.length];
				const values = HOSTILE[original.name] ?? ['"x"'];
				const added = { name: original.name, key: spell(original.name, mutation.spelling), value: values[mutation.value % values.length] };
				const at = target.members.indexOf(original);
				target.members.splice(mutation.before ? at : at + 1, 0, added);
				break;
			}
			case 'rename': {
				const target = objects[mutation.where];
				if (target.members.length === 0) break;
				const original = target.members[mutation.key % target.members.length];
				original.key = spell(original.name, mutation.spelling);
				break;
			}
			case 'escapeValues':
				for (const target of Object.values(objects)) {
					for (const entry of target.members) if (typeof entry.value === 'string' && entry.value.startsWith('"')) entry.value = entry.value.replace(/\//g, '\\/').replace(/[a-z]/, (letter) => `\\u00${letter.charCodeAt(0).toString(16)}`);
				}
				break;
			case 'dropId':
				envelope.members = envelope.members.filter((entry) => entry.name !== 'id');
				break;
			case 'pad':
				args.members.push(member('pad', JSON.stringify(PAD)));
				break;
			case 'proto':
				args.members.push({ name: '__proto__', key: '"__proto__"', value: '{"path":"/etc/passwd"}' });
				break;
			case 'oddId':
				for (const entry of envelope.members) if (entry.name === 'id') entry.value = ODD_IDS[mutation.value];
				break;
			case 'argumentsAsString':
				for (const entry of params.members) if (entry.name === 'arguments') entry.value = JSON.stringify(write(args));
				break;
			case 'nameInArray':
				for (const entry of params.members) if (entry.name === 'name') entry.value = '["admin_reset"]';
				break;
			case 'loneSurrogate':
				nested.members.push(member('note', '"half \\ud83d"'));
				break;
			case 'alsoResult':
				envelope.members.push(member('result', '{}'));
				break;
			case 'junk':
				junk = JUNK[mutation.value];
				break;
		}
	}
	let text = write(envelope);
	if (plan.batch) {
		const siblings = Array.from({ length: plan.batch.siblings }, (_, index) => `{"jsonrpc":"2.0","id":"sibling-${counter}-${index}","method":"tools/call","params":{"name":"read_file","arguments":{"path":"/tmp/ok"}}}`);
		siblings.splice(Math.min(plan.batch.position, siblings.length), 0, text);
		text = `[${siblings.join(',')}]`;
	}
	if (plan.carriageReturn !== null) {
		const commas = [...text.matchAll(/,/g)].map((match) => match.index!);
		if (commas.length > 0) {
			const at = commas[plan.carriageReturn % commas.length] + 1;
			text = `${text.slice(0, at)}\r${text.slice(at)}`;
		}
	}
	return junk ? junk(text) : text;
}

function member(name: string, value: Written | string) {
	return { name, key: JSON.stringify(name), value };
}

function write(object: Written): string {
	return `{${object.members.map((entry) => `${entry.key}:${typeof entry.value === 'string' ? entry.value : write(entry.value)}`).join(',')}}`;
}

// A key as a hostile client might write it: each of these is the same member to some parser.
function spell(name: string, spelling: Spelling): string {
	switch (spelling) {
		case 'same':
			return JSON.stringify(name);
		case 'upper':
			return JSON.stringify(name.toUpperCase());
		case 'title':
			return JSON.stringify(name.charAt(0).toUpperCase() + name.slice(1));
		case 'flip':
			return JSON.stringify([...name].map((char, index) => (index % 2 === 1 ? char.toUpperCase() : char)).join(''));
		case 'unicode': {
			// Go folds ſ to s, K (Kelvin) to k, ı to i.
			const swapped = name.replace('s', '\u017f').replace('k', '\u212a').replace('i', '\u0131');
			return JSON.stringify(swapped === name ? name.toUpperCase() : swapped);
		}
		case 'escaped':
			return `"${name.replace(/[a-z]/, (letter) => `\\u00${letter.charCodeAt(0).toString(16)}`)}"`;
		case 'escapedUpper':
			return `"${name.replace(/[a-z]/, (letter) => `\\u00${letter.toUpperCase().charCodeAt(0).toString(16)}`)}"`;
	}
}
