// The stages together, in the order create-stages.ts gives them (guardrails, masking,
// catalog): what one stage leaves on the flow or the context is what the next one sees.

import { afterEach, describe, expect, it } from 'vitest';
import type { FlowNote } from '../../../src/pipeline/flow.js';
import { createStages, type DataPath } from '../../../src/stages/create-stages.js';
import { clientFlow, fakeContext, memoryStore, outcomeOf, pass, policyOf, response, serverFlow, toolCall, type Outcome } from '../../helpers/stage-harness.js';

const GITHUB = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const paths: DataPath[] = [];
afterEach(() => {
	for (const path of paths.splice(0)) path.approvals.close();
});

const decision = (details: Record<string, unknown>): FlowNote => ({ kind: 'decision', details });
const POLICY = [
	'rules:',
	'  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
	'  - { name: no-destructive, match: { annotations: { destructiveHint: true } }, action: deny }',
	'tools:',
	'  hide: ["admin_*"]',
].join('\n');
const listed = [
	{ name: 'wipe', description: 'Wipes', inputSchema: { type: 'object' }, annotations: { destructiveHint: true } },
	{ name: 'read_file', description: `Reads; example token ${GITHUB}`, inputSchema: { type: 'object' }, annotations: { readOnlyHint: true, destructiveHint: false } },
	{ name: 'admin_reset', description: 'Resets', inputSchema: { type: 'object' }, annotations: { destructiveHint: false } },
];

const rows: { case: string; call: Record<string, unknown>; outcome: Outcome; notes: FlowNote[]; recordAs?: unknown }[] = [
	{
		case: 'the annotations the catalog learned from tools/list decide a guardrails rule',
		call: toolCall(2, 'wipe'),
		outcome: { answered: { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: "Blocked by policy rule 'no-destructive': denied by policy" }], isError: true } } },
		notes: [decision({ action: 'deny', rule: 'no-destructive', line: 4, message: 'denied by policy' })],
	},
	{
		case: 'a tool listed as not destructive passes',
		call: toolCall(3, 'read_file', { path: '/tmp/a' }),
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a denied call keeps its arguments in the record, masked',
		call: toolCall(4, 'write_file', { path: '/etc/hosts', content: GITHUB }),
		outcome: { answered: { jsonrpc: '2.0', id: 4, result: { content: [{ type: 'text', text: "Blocked by policy rule 'no-etc': denied by policy" }], isError: true } } },
		notes: [
			decision({ action: 'deny', rule: 'no-etc', line: 3, message: 'denied by policy' }),
			{ kind: 'mask', details: { findings: [{ detector: 'github-token', path: '$.params.arguments.content', count: 1 }], recordOnly: true } },
		],
		recordAs: toolCall(4, 'write_file', { path: '/etc/hosts', content: '[REDACTED:github-token]' }),
	},
	{
		case: 'a hidden tool that no rule denies is refused (guardrails, after the rules)',
		call: toolCall(5, 'admin_reset'),
		outcome: { answered: { jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: "Blocked by policy rule 'tools.hide': the tool 'admin_reset' is not available" }], isError: true } } },
		notes: [decision({ action: 'deny', rule: 'tools.hide', message: "the tool 'admin_reset' is not available" })],
	},
	{
		// Never listed: MCP's default hints apply (destructiveHint true), so guardrails answers first.
		case: 'a tool that was never listed meets the rule on destructive tools',
		call: toolCall(6, 'unlisted'),
		outcome: { answered: { jsonrpc: '2.0', id: 6, result: { content: [{ type: 'text', text: "Blocked by policy rule 'no-destructive': denied by policy" }], isError: true } } },
		notes: [decision({ action: 'deny', rule: 'no-destructive', line: 4, message: 'denied by policy' })],
	},
];

describe('the stages in create-stages order', () => {
	it('tools/list is masked, then filtered, and its annotations learned', () => {
		const path = createStages({ sessionId: '01jstagetests0000000000000', policy: policyOf(POLICY), openDatabase: memoryStore, warn: () => {} });
		paths.push(path);
		const context = fakeContext({ policy: POLICY });
		const flow = pass(path.stages, context, serverFlow(response(1, { tools: listed }), { method: 'tools/list' }));
		expect(outcomeOf(flow)).toEqual({ rewritten: response(1, { tools: [listed[0], { ...listed[1], description: 'Reads; example token [REDACTED:github-token]' }] }) });
		expect(flow.notes).toEqual([
			{ kind: 'mask', details: { findings: [{ detector: 'github-token', path: '$.result.tools[1].description', count: 1 }] } },
			decision({ action: 'hide', rule: 'tools.hide', tools: ['admin_reset'] }),
		]);
		expect([...context.toolAnnotations.keys()]).toEqual(['wipe', 'read_file', 'admin_reset']);
	});

	it.each(rows)('$case', (row) => {
		const path = createStages({ sessionId: '01jstagetests0000000000000', policy: policyOf(POLICY), openDatabase: memoryStore, warn: () => {} });
		paths.push(path);
		const context = fakeContext({ policy: POLICY });
		pass(path.stages, context, serverFlow(response(1, { tools: listed }), { method: 'tools/list' }));
		const flow = pass(path.stages, context, clientFlow(row.call));
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.notes).toEqual(row.notes);
		expect(flow.recordAs).toEqual(row.recordAs);
	});
});
