// `mcprec policy test` runs the stages `run` builds, in memory: for generated policies
// (rules on tools, methods, servers, arguments, paths, groups and annotations; deny,
// approve, log, allow; tools.hide; tools.pin) and generated calls, what it reports is what
// the stages decide when the same call goes through them as in a session (createStages
// with its store-backed approvals and pins, the catalog having seen the server's
// tools/list), and, for a call the policy can check, what the rules say: the first rule
// that matches, then tools.hide for a call no rule stops or holds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyTestResult, type PolicyTestOptions, type PolicyTestResult } from '../../../src/commands/policy.js';
import type { FlowNote } from '../../../src/pipeline/flow.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { evaluatePolicy, isToolHidden } from '../../../src/policy/match-rule.js';
import type { Policy } from '../../../src/policy/policy-types.js';
import { createStages } from '../../../src/stages/create-stages.js';
import { clientFlow, fakeContext, memoryStore, outcomeOf, pass, request, response, serverFlow } from '../../helpers/stage-harness.js';

const TOOLS = ['read_file', 'write_file', 'delete_note', 'admin_reset', 'run_command', 'echo'];
const METHODS = ['resources/read', 'prompts/get', 'ping', 'sampling/createMessage', 'elicitation/create'];
const GROUPS = ['staff', 'contractors', 'ops'];
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];

const hints = fc.dictionary(fc.constantFrom(...HINTS), fc.boolean(), { maxKeys: 2 });
const MATCH_FIELDS = ['tool', 'method', 'server', 'args', 'paths', 'groups', 'annotations'] as const;
// One or two fields per rule, so that rules meet calls often enough to decide them.
const ruleArb = fc
	.tuple(
		fc.record({
			tool: fc.constantFrom('*', 'admin_*', '*_file', 'write_file', 'delete_*', 'echo', '*note*'),
			method: fc.constantFrom('tools/call', 'resources/*', 'sampling/createMessage', 'ping', '*'),
			server: fc.constantFrom('fs', 'db-*', '*'),
			args: fc.constantFrom({ path: '^/etc/' }, { command: 'push.*--force' }, { path: '^/tmp' }, { 'target.host': '^prod-' }),
			paths: fc.constantFrom({ path: '/etc/**' }, { path: '/tmp/**' }),
			groups: fc.subarray(GROUPS, { minLength: 1 }),
			annotations: hints.filter((value) => Object.keys(value).length > 0),
		}),
		fc.subarray([...MATCH_FIELDS], { minLength: 1, maxLength: 2 }),
	)
	.map(([all, fields]) => Object.fromEntries(fields.map((field) => [field, all[field]])) as Partial<(typeof all)>);
const policyArb = fc.record({
	rules: fc.array(
		fc.record({
			// A rule on a tool or its annotations names no method that excludes tools/call (the policy refuses that).
			match: ruleArb.filter((match) => !((match.tool || match.annotations) && match.method && !['tools/call', '*'].includes(match.method))),
			action: fc.constantFrom('deny', 'approve', 'log', 'allow'),
			message: fc.option(fc.constantFrom('not here', 'ask first'), { nil: undefined }),
		}),
		{ maxLength: 4 },
	),
	hide: fc.subarray(['admin_*', 'echo', 'write_file', '*_note']),
	pin: fc.constantFrom('off', 'alert', 'deny'),
});

type GeneratedPolicy = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;

function policyOf(generated: GeneratedPolicy): Policy {
	const rules = generated.rules.map((rule, index) => ({ name: `r${index}`, ...rule, ...(rule.action === 'approve' ? { timeout: '50ms' } : {}) }));
	return parsePolicy(JSON.stringify({ version: 1, rules, tools: { hide: generated.hide, pin: generated.pin } }, null, 2), 'policy.json');
}

const argsArb = (keys: string[]) =>
	fc.dictionary(fc.constantFrom(...keys), fc.constantFrom('/etc/hosts', '/tmp/a', 'relative/notes', 'git push origin main --force', 'ls', { host: 'prod-db' }), { maxKeys: 2 });
const callArb = (keys: string[]) =>
	fc.record(
		{
			server: fc.constantFrom('fs', 'db-prod'),
			target: fc.oneof({ arbitrary: fc.record({ tool: fc.constantFrom(...TOOLS) }), weight: 4 }, { arbitrary: fc.record({ method: fc.constantFrom(...METHODS) }), weight: 1 }),
			args: argsArb(keys),
			groups: fc.subarray(GROUPS),
			annotations: hints,
		},
		{ requiredKeys: ['server', 'target'] },
	);
type Call = ReturnType<typeof callArb> extends fc.Arbitrary<infer T> ? T : never;

function optionsOf(call: Call): PolicyTestOptions {
	return {
		server: call.server,
		...call.target,
		...(call.args === undefined ? {} : { args: JSON.stringify(call.args) }),
		...(call.groups === undefined ? {} : { groups: call.groups.join(',') }),
		...(call.annotations === undefined ? {} : { annotations: JSON.stringify(call.annotations) }),
	};
}

/** Who decided, in a form both sides give: a rule's name, or tools.hide / uncheckable for a refusal no rule made. */
interface Verdict {
	action: string;
	rule: string | null;
	line?: number | null;
	message?: string | null;
	paths?: unknown;
}

// The call through the stages as `run` builds them: store-backed approvals and pins, the
// server's tools/list seen first (when the call names annotations), the user's groups on the
// session identity. The verdict is read from the message the proxy would send (the answer,
// the hold) and the flow's notes.
async function throughRun(policy: Policy, call: Call): Promise<Verdict> {
	const database = memoryStore();
	const { stages, approvals } = createStages({ sessionId: '01jpolicytest000000000000000', policy, openDatabase: () => database, warn: () => {} });
	try {
		const context = fakeContext({ policy, server: call.server, identity: { issuer: 'https://login.example.com', sub: 'u', groups: call.groups ?? [] } });
		const tool = 'tool' in call.target ? call.target.tool : undefined;
		const method = 'method' in call.target ? call.target.method : 'tools/call';
		if (tool !== undefined && call.annotations !== undefined) {
			pass(stages, context, clientFlow(request(1, 'tools/list')));
			pass(stages, context, serverFlow(response(1, { tools: [{ name: tool, inputSchema: { type: 'object' }, annotations: call.annotations }] }), { method: 'tools/list' }));
		}
		const params = { ...(tool === undefined ? {} : { name: tool }), ...(call.args === undefined ? {} : { arguments: call.args }) };
		const fromServer = method === 'sampling/createMessage' || method === 'elicitation/create';
		const flow = pass(stages, context, fromServer ? serverFlow(request(2, method, params)) : clientFlow(request(2, method, params)));
		const outcome = outcomeOf(flow);
		const notes = flow.notes.filter((note: FlowNote) => note.kind === 'decision').map((note) => note.details);
		const ruleVerdict = (name: string, paths: unknown): Verdict => {
			const rule = policy.rules.find((candidate) => candidate.name === name)!;
			return { action: rule.action, rule: name, line: rule.line ?? null, message: rule.message ?? null, ...(rule.match.paths ? { paths: paths ?? [] } : {}) };
		};
		if ('held' in outcome) {
			const held = notes.find((details) => details.status === 'held')!;
			return ruleVerdict(held.rule as string, held.paths);
		}
		if ('answered' in outcome) {
			const answer = outcome.answered as { result?: { content: { text: string }[] }; error?: { code: number; message: string } };
			const text = answer.result?.content[0]!.text ?? answer.error!.message;
			if (answer.error?.code === -32600 || answer.error?.code === -32602) return { action: 'deny', rule: 'uncheckable' };
			const rule = /^Blocked by policy rule '([^']+)'/.exec(text)![1]!;
			if (rule === 'tools.hide') return { action: 'deny', rule };
			return ruleVerdict(rule, notes.find((details) => details.rule === rule)?.paths);
		}
		expect(outcome).toEqual({ forwarded: true });
		const met = notes.find((details) => details.action === 'allow' || details.action === 'log');
		return met ? ruleVerdict(met.rule as string, met.paths) : { action: 'allow', rule: null, line: null, message: null };
	} finally {
		await approvals.close();
		database.close();
	}
}

function verdictOf(result: PolicyTestResult): Verdict {
	if (result.rule !== null || result.action !== 'deny') return { ...result };
	return { action: 'deny', rule: /is hidden by tools\.hide$/.test(result.message ?? '') ? 'tools.hide' : 'uncheckable' };
}

describe('policy test decides as run does', () => {
	it('reports what the stages decide for generated policies and calls', async () => {
		await fc.assert(
			fc.asyncProperty(policyArb, callArb(['path', 'Path', 'command', 'target']), async (generated, call) => {
				const policy = policyOf(generated);
				expect(verdictOf(policyTestResult(policy, optionsOf(call)))).toEqual(await throughRun(policy, call));
			}),
			{ seed: 1515, numRuns: 500 },
		);
	});

	// For a call the policy can check (argument keys spelled as the rules read them, a
	// tools/call that names its tool): the first matching rule, and tools.hide for a hidden
	// tool that no rule denies or holds — what `policy test` said before it ran the stages.
	it('says what the rules say, then tools.hide', () => {
		fc.assert(
			fc.property(policyArb, callArb(['path', 'command', 'target']), (generated, call) => {
				const policy = policyOf(generated);
				const tool = 'tool' in call.target ? call.target.tool : undefined;
				const method = 'method' in call.target ? call.target.method : 'tools/call';
				const { rule, action } = evaluatePolicy(policy, {
					method,
					server: call.server,
					tool,
					arguments: call.args,
					annotations: call.annotations,
					groups: call.groups ?? [],
				});
				const stopped = action === 'deny' || action === 'approve';
				const expected = tool !== undefined && isToolHidden(policy, tool) && !stopped ? { rule: null, action: 'deny' } : { rule: rule?.name ?? null, action };
				const result = policyTestResult(policy, optionsOf(call));
				expect({ rule: result.rule, action: result.action }).toEqual(expected);
			}),
			{ seed: 1516, numRuns: 500 },
		);
	});
});
