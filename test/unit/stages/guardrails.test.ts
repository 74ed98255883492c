// The guardrails stage in memory (DESIGN §3 step 2): one request in, the flow's outcome
// and its decision notes out. Policies are YAML as a user writes them; the approval broker
// is the real one over an in-memory store, and the client is a recording stub.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApprovalBroker } from '../../../src/approvals/approval-broker.js';
import { decideApproval, insertGrant } from '../../../src/approvals/approval-store.js';
import { callDigest } from '../../../src/approvals/call-digest.js';
import type { SessionIdentity } from '../../../src/identity/session-identity.js';
import { PARSE_LIMIT_BYTES } from '../../../src/jsonrpc/classify.js';
import type { FlowNote } from '../../../src/pipeline/flow.js';
import type { Stage } from '../../../src/pipeline/stage.js';
import { createGuardrailsStage } from '../../../src/stages/guardrails.js';
import type { StoreDatabase } from '../../../src/store/open-store.js';
import {
	clientFlow,
	fakeContext,
	memoryStore,
	NOW_US,
	outcomeOf,
	pass,
	request,
	resume,
	serverFlow,
	toolCall,
	type FakeContextOptions,
	type Outcome,
} from '../../helpers/stage-harness.js';

const brokers: ApprovalBroker[] = [];
afterEach(() => {
	for (const broker of brokers.splice(0)) broker.close();
	vi.restoreAllMocks();
});

function guardrails(options: { database?: StoreDatabase } = {}): { stages: Stage[]; database: StoreDatabase; announced: string[] } {
	const database = options.database ?? memoryStore();
	const announced: string[] = [];
	const approvals = new ApprovalBroker({ sessionId: '01jstagetests0000000000000', openDatabase: () => database, pollMs: 10, announce: (text) => announced.push(text) });
	brokers.push(approvals);
	return { stages: [createGuardrailsStage({ approvals, maskArguments: (args) => args ?? {} })], database, announced };
}

/** What the model reads when a tools/call is denied. */
const toolError = (id: number, text: string) => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: true } });
/** What any other denied request gets: -32011 with the rule and its message as data. */
const policyError = (id: number | null, rule: string, message: string) => ({
	jsonrpc: '2.0',
	id,
	error: { code: -32011, message: `Blocked by policy rule '${rule}': ${message}`, data: { rule, message } },
});
const decision = (details: Record<string, unknown>): FlowNote => ({ kind: 'decision', details });

const ANNOTATED_TOOLS: Record<string, Record<string, unknown>> = {
	delete_file: { destructiveHint: true, readOnlyHint: false },
	read_file: { readOnlyHint: true },
};
const contractor: SessionIdentity = { issuer: 'https://login.example.com', sub: 'u1', groups: ['staff', 'contractors'] };
const employee: SessionIdentity = { issuer: 'https://login.example.com', sub: 'u2', groups: ['staff'] };

interface DecisionRow {
	case: string;
	policy: string;
	/** Defaults: client → server, server label 'fs', no identity. */
	direction?: 'to-server' | 'to-client';
	context?: FakeContextOptions;
	/** Tool annotations a prior tools/list left in the context (the catalog stage learns them). */
	annotations?: Record<string, Record<string, unknown>>;
	message: unknown;
	outcome: Outcome;
	notes: FlowNote[];
}

const forwarded: Outcome = { forwarded: true };

// Rule lines: line 1 is `version: 1`, line 2 `rules:`, so the first rule is on line 3.
const decisionRows: DecisionRow[] = [
	// Actions.
	{ case: 'no rules: a call passes without a note', policy: '', message: toolCall(1, 'write_file', { path: '/etc/hosts' }), outcome: forwarded, notes: [] },
	{
		case: 'no rule matches: allowed without a note',
		policy: 'rules:\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		message: toolCall(1, 'read_file', { path: '/etc/hosts' }),
		outcome: forwarded,
		notes: [],
	},
	{
		case: 'allow: forwarded, the rule noted',
		policy: 'rules:\n  - { name: reads-ok, match: { tool: read_file }, action: allow }',
		message: toolCall(1, 'read_file'),
		outcome: forwarded,
		notes: [decision({ action: 'allow', rule: 'reads-ok', line: 3, method: 'tools/call', tool: 'read_file' })],
	},
	{
		case: 'log: forwarded, the rule noted',
		policy: 'rules:\n  - { name: note-reads, match: { method: "resources/*" }, action: log }',
		message: request(4, 'resources/read', { uri: 'file:///a' }),
		outcome: forwarded,
		notes: [decision({ action: 'log', rule: 'note-reads', line: 3, method: 'resources/read', tool: null })],
	},
	{
		case: 'deny a tools/call: a CallToolResult with isError the model can read',
		policy: 'rules:\n  - { name: no-writes, match: { tool: write_file }, action: deny, message: Writes are off }',
		message: toolCall(1, 'write_file', { path: '/tmp/a' }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-writes': Writes are off") },
		notes: [decision({ action: 'deny', rule: 'no-writes', line: 3, message: 'Writes are off' })],
	},
	{
		case: "deny without a message: 'denied by policy'",
		policy: 'rules:\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		message: toolCall(2, 'write_file'),
		outcome: { answered: toolError(2, "Blocked by policy rule 'no-writes': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-writes', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'deny another method: JSON-RPC error -32011 with data { rule, message }',
		policy: 'rules:\n  - { name: no-resources, match: { method: resources/read }, action: deny, message: Resources are off }',
		message: request(3, 'resources/read', { uri: 'file:///etc/passwd' }),
		outcome: { answered: policyError(3, 'no-resources', 'Resources are off') },
		notes: [decision({ action: 'deny', rule: 'no-resources', line: 3, message: 'Resources are off' })],
	},

	// Tool names: globs (anchored, `*` any run) and lists.
	{
		case: 'tool glob delete_* matches delete_table',
		policy: 'rules:\n  - { name: no-deletes, match: { tool: "delete_*" }, action: deny }',
		message: toolCall(1, 'delete_table'),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-deletes': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-deletes', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'tool glob is anchored: delete_* does not match undelete_table',
		policy: 'rules:\n  - { name: no-deletes, match: { tool: "delete_*" }, action: deny }',
		message: toolCall(1, 'undelete_table'),
		outcome: forwarded,
		notes: [],
	},
	{
		case: 'tool list: any item matches (*drop* for dropdb)',
		policy: 'rules:\n  - { name: no-destruction, match: { tool: [write_file, "*drop*"] }, action: deny }',
		message: toolCall(1, 'dropdb'),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-destruction': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-destruction', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'a tool rule never matches other methods',
		policy: 'rules:\n  - { name: no-anything, match: { tool: "*" }, action: deny }',
		message: request(1, 'resources/read', { uri: 'file:///a', name: 'x' }),
		outcome: forwarded,
		notes: [],
	},

	// Server labels.
	{
		case: 'server glob db-* matches the session label db-prod',
		policy: 'rules:\n  - { name: no-prod-drops, match: { tool: "drop_*", server: "db-*" }, action: deny }',
		context: { server: 'db-prod' },
		message: toolCall(1, 'drop_table'),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-prod-drops': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-prod-drops', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'server glob db-* does not match the label fs',
		policy: 'rules:\n  - { name: no-prod-drops, match: { tool: "drop_*", server: "db-*" }, action: deny }',
		context: { server: 'fs' },
		message: toolCall(1, 'drop_table'),
		outcome: forwarded,
		notes: [],
	},

	// Methods, both directions.
	{
		case: 'method glob resources/* denies resources/read',
		policy: 'rules:\n  - { name: no-resources, match: { method: "resources/*" }, action: deny }',
		message: request(5, 'resources/read', { uri: 'file:///a' }),
		outcome: { answered: policyError(5, 'no-resources', 'denied by policy') },
		notes: [decision({ action: 'deny', rule: 'no-resources', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'method list: ping is one of [prompts/get, ping]',
		policy: 'rules:\n  - { name: quiet, match: { method: [prompts/get, ping] }, action: deny }',
		message: request(6, 'ping'),
		outcome: { answered: policyError(6, 'quiet', 'denied by policy') },
		notes: [decision({ action: 'deny', rule: 'quiet', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'server→client sampling/createMessage is denied back to the server with -32011',
		policy: 'rules:\n  - { name: no-sampling, match: { method: sampling/createMessage }, action: deny, message: No sampling here }',
		direction: 'to-client',
		message: request(0, 'sampling/createMessage', { messages: [], maxTokens: 10 }),
		outcome: { answered: policyError(0, 'no-sampling', 'No sampling here') },
		notes: [decision({ action: 'deny', rule: 'no-sampling', line: 3, message: 'No sampling here' })],
	},
	{
		case: 'server→client elicitation/create passes a rule on sampling',
		policy: 'rules:\n  - { name: no-sampling, match: { method: sampling/createMessage }, action: deny }',
		direction: 'to-client',
		message: request(0, 'elicitation/create', { message: 'Name?', requestedSchema: { type: 'object', properties: {} } }),
		outcome: forwarded,
		notes: [],
	},
	{
		case: 'server→client request matched by a log rule is noted',
		policy: 'rules:\n  - { name: note-roots, match: { method: roots/list }, action: log }',
		direction: 'to-client',
		message: request(9, 'roots/list'),
		outcome: forwarded,
		notes: [decision({ action: 'log', rule: 'note-roots', line: 3, method: 'roots/list', tool: null })],
	},
	{
		// Rules are checked against requests only; a notification cannot be answered anyway.
		case: 'a notification is never matched, even by a method rule naming it',
		policy: 'rules:\n  - { name: no-notifications, match: { method: "notifications/*" }, action: deny }',
		message: { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
		outcome: forwarded,
		notes: [],
	},

	// Arguments: a regex per dot path into params.arguments.
	{
		case: 'args: a top-level argument matches its regex',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		message: toolCall(1, 'write_file', { path: '/etc/hosts', content: 'x' }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-etc': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-etc', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'args: a top-level argument that does not match',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		message: toolCall(1, 'write_file', { path: '/tmp/etc/hosts' }),
		outcome: forwarded,
		notes: [],
	},
	{
		case: 'args: a nested dot path (options.target.host)',
		policy: 'rules:\n  - { name: no-prod, match: { args: { options.target.host: "^prod-" } }, action: deny }',
		message: toolCall(1, 'deploy', { options: { target: { host: 'prod-3' } } }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-prod': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-prod', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'args: a numeric segment indexes an array (paths.1)',
		policy: 'rules:\n  - { name: no-second-secret, match: { args: { paths.1: secret } }, action: deny }',
		message: toolCall(1, 'read_many', { paths: ['/a', '/b/secret.txt'] }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-second-secret': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-second-secret', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'args: an array matches when any element does',
		policy: 'rules:\n  - { name: no-etc, match: { args: { paths: "^/etc/" } }, action: deny }',
		message: toolCall(1, 'read_many', { paths: ['/tmp/a', '/etc/shadow'] }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-etc': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-etc', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'args: a path through an array looks into every element (edits.newText)',
		policy: 'rules:\n  - { name: no-eval, match: { args: { edits.newText: "eval\\\\(" } }, action: deny }',
		message: toolCall(1, 'edit_file', { edits: [{ newText: 'ok' }, { newText: 'eval(x)' }] }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-eval': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-eval', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'args: a number is matched as its JSON text',
		policy: 'rules:\n  - { name: no-bulk, match: { args: { limit: "^[0-9]{4,}$" } }, action: deny }',
		message: toolCall(1, 'query', { limit: 50000 }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-bulk': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-bulk', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'args: a missing argument never matches, even .*',
		policy: 'rules:\n  - { name: any-path, match: { args: { path: ".*" } }, action: deny }',
		message: toolCall(1, 'write_file', { file: '/etc/hosts' }),
		outcome: forwarded,
		notes: [],
	},
	{
		case: 'args: every path must match (AND)',
		policy: 'rules:\n  - { name: no-root-etc, match: { args: { path: "^/etc/", user: "^root$" } }, action: deny }',
		message: toolCall(1, 'write_file', { path: '/etc/hosts', user: 'me' }),
		outcome: forwarded,
		notes: [],
	},

	// Annotations, as a prior tools/list gave them.
	{
		case: 'annotations: destructiveHint true from tools/list matches',
		policy: 'rules:\n  - { name: no-destructive, match: { annotations: { destructiveHint: true } }, action: deny }',
		annotations: ANNOTATED_TOOLS,
		message: toolCall(1, 'delete_file', { path: '/a' }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-destructive': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-destructive', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'annotations: a tool listed as readOnlyHint true passes readOnlyHint: false',
		policy: 'rules:\n  - { name: writes-need-nothing, match: { annotations: { readOnlyHint: false } }, action: deny }',
		annotations: ANNOTATED_TOOLS,
		message: toolCall(1, 'read_file', { path: '/a' }),
		outcome: forwarded,
		notes: [],
	},
	{
		// MCP ToolAnnotations defaults: an absent readOnlyHint means false, destructiveHint true.
		case: 'annotations: a tool never listed gets the MCP defaults (readOnlyHint false)',
		policy: 'rules:\n  - { name: writes-denied, match: { annotations: { readOnlyHint: false } }, action: deny }',
		message: toolCall(1, 'unlisted_tool'),
		outcome: { answered: toolError(1, "Blocked by policy rule 'writes-denied': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'writes-denied', line: 3, message: 'denied by policy' })],
	},

	// Groups, from the signed-in identity in the context.
	{
		case: 'groups: a user in contractors is denied',
		policy: 'rules:\n  - { name: contractors-read-only, match: { groups: [contractors], tool: "write_*" }, action: deny }',
		context: { identity: contractor },
		message: toolCall(1, 'write_file'),
		outcome: { answered: toolError(1, "Blocked by policy rule 'contractors-read-only': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'contractors-read-only', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'groups: a user in none of the groups passes',
		policy: 'rules:\n  - { name: contractors-read-only, match: { groups: [contractors], tool: "write_*" }, action: deny }',
		context: { identity: employee },
		message: toolCall(1, 'write_file'),
		outcome: forwarded,
		notes: [],
	},
	{
		case: 'groups: no identity means no groups',
		policy: 'rules:\n  - { name: contractors-read-only, match: { groups: [contractors], tool: "write_*" }, action: deny }',
		message: toolCall(1, 'write_file'),
		outcome: forwarded,
		notes: [],
	},

	// Order.
	{
		case: 'first match wins: an allow above a deny lets the call through',
		policy: 'rules:\n  - { name: tmp-ok, match: { tool: write_file, args: { path: "^/tmp/" } }, action: allow }\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		message: toolCall(1, 'write_file', { path: '/tmp/a' }),
		outcome: forwarded,
		notes: [decision({ action: 'allow', rule: 'tmp-ok', line: 3, method: 'tools/call', tool: 'write_file' })],
	},
	{
		case: 'first match wins: the allow above does not match, the deny below does',
		policy: 'rules:\n  - { name: tmp-ok, match: { tool: write_file, args: { path: "^/tmp/" } }, action: allow }\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		message: toolCall(1, 'write_file', { path: '/home/a' }),
		outcome: { answered: toolError(1, "Blocked by policy rule 'no-writes': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-writes', line: 4, message: 'denied by policy' })],
	},
	{
		case: 'first match wins: a log rule ends the search too',
		policy: 'rules:\n  - { name: note-all, match: {}, action: log }\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		message: toolCall(1, 'write_file'),
		outcome: forwarded,
		notes: [decision({ action: 'log', rule: 'note-all', line: 3, method: 'tools/call', tool: 'write_file' })],
	},
];

describe('guardrails: one request against the rules', () => {
	it.each(decisionRows)('$case', (row) => {
		const { stages } = guardrails();
		const context = fakeContext({ policy: row.policy, ...row.context });
		for (const [tool, annotations] of Object.entries(row.annotations ?? {})) context.toolAnnotations.set(tool, annotations);
		const flow = row.direction === 'to-client' ? serverFlow(row.message) : clientFlow(row.message);
		pass(stages, context, flow);
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.notes).toEqual(row.notes);
		expect(flow.recordAs).toBeUndefined();
	});
});

// Calls the policy cannot check are refused, not assumed harmless (issue 12). Lines whose
// keys repeat in some letter case never reach a stage: classification refuses them
// (test/unit/jsonrpc). What is left for the stage: a tools/call without a string tool name
// (-32602, whenever the policy has rules or hidden tools), arguments that are not an object
// or whose keys spell a rule's argument in other letter case (when there are rules), and
// calls without an id, which are checked like requests and never held.
const uncheckable = (what: string) => `tools/call cannot be checked against the policy: ${what}`;
const uncheckableRows: { case: string; policy: string; line: string; outcome: Outcome; notes: FlowNote[] }[] = [
	{
		case: 'a tool name that is not a string is refused with -32602',
		policy: 'tools:\n  hide: ["admin_*"]',
		line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["admin_reset"]}}',
		outcome: { answered: { jsonrpc: '2.0', id: 1, error: { code: -32602, message: `Invalid params: ${uncheckable('params.name must be a string')}` } } },
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable('params.name must be a string') })],
	},
	{
		case: 'the same under pin: deny alone (the catalog needs the name to deny a changed tool)',
		policy: 'tools:\n  pin: deny',
		line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["echo"]}}',
		outcome: { answered: { jsonrpc: '2.0', id: 1, error: { code: -32602, message: `Invalid params: ${uncheckable('params.name must be a string')}` } } },
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable('params.name must be a string') })],
	},
	{
		case: 'a tools/call without params is refused when there are rules',
		policy: 'rules:\n  - { name: no-deletes, match: { tool: "delete_*" }, action: deny }',
		line: '{"jsonrpc":"2.0","id":2,"method":"tools/call"}',
		outcome: { answered: { jsonrpc: '2.0', id: 2, error: { code: -32602, message: `Invalid params: ${uncheckable('params.name must be a string')}` } } },
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable('params.name must be a string') })],
	},
	{
		case: 'arguments as a JSON string are refused: a server might decode them, the rules cannot read them',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		line: '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"write_file","arguments":"{\\"path\\":\\"/etc/passwd\\"}"}}',
		outcome: { answered: { jsonrpc: '2.0', id: 3, error: { code: -32602, message: `Invalid params: ${uncheckable('params.arguments must be an object')}` } } },
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable('params.arguments must be an object') })],
	},
	{
		case: "an argument key spelling a rule's argument in other letter case is refused with -32600",
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		line: '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"write_file","arguments":{"PATH":"/etc/passwd"}}}',
		outcome: {
			answered: {
				jsonrpc: '2.0',
				id: 4,
				error: { code: -32600, message: `Invalid Request: ${uncheckable("ambiguous JSON: the argument key 'PATH' is 'path' to a case-insensitive parser, and the policy's rules read 'path'")}` },
			},
		},
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable("ambiguous JSON: the argument key 'PATH' is 'path' to a case-insensitive parser, and the policy's rules read 'path'") })],
	},
	{
		case: 'the same, deeper and with a dot path',
		policy: 'rules:\n  - { name: no-prod, match: { args: { "target.host": "^prod-" } }, action: deny }',
		line: '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"deploy","arguments":{"target":{"Host":"prod-db"}}}}',
		outcome: {
			answered: {
				jsonrpc: '2.0',
				id: 5,
				error: { code: -32600, message: `Invalid Request: ${uncheckable("ambiguous JSON: the argument key 'Host' is 'host' to a case-insensitive parser, and the policy's rules read 'host'")}` },
			},
		},
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable("ambiguous JSON: the argument key 'Host' is 'host' to a case-insensitive parser, and the policy's rules read 'host'") })],
	},
	{
		case: 'a lone surrogate in an argument is refused when there are rules: Go would read U+FFFD',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		line: '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"/tmp/\\ud800"}}}',
		outcome: {
			answered: {
				jsonrpc: '2.0',
				id: 8,
				error: { code: -32600, message: `Invalid Request: ${uncheckable('ambiguous JSON: a string holds a lone surrogate (\\ud800-\\udfff), which JavaScript keeps, Go reads as U+FFFD and Rust refuses')}` },
			},
		},
		notes: [decision({ action: 'deny', rule: 'uncheckable', message: uncheckable('ambiguous JSON: a string holds a lone surrogate (\\ud800-\\udfff), which JavaScript keeps, Go reads as U+FFFD and Rust refuses') })],
	},
	{
		case: 'keys no rule reads may take any letter case',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		line: '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"/tmp/a","Content":"x"}}}',
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'without rules or hidden tools nothing is checked: forwarded',
		policy: '',
		line: '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":["admin_reset"],"arguments":"x"}}',
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a tools/call without an id is checked like a request: a denied one is refused (and, being a notification, never answered)',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		line: '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"write_file","arguments":{"path":"/etc/passwd"}}}',
		outcome: { answered: { jsonrpc: '2.0', id: null, result: { content: [{ type: 'text', text: "Blocked by policy rule 'no-etc': denied by policy" }], isError: true } } },
		notes: [decision({ action: 'deny', rule: 'no-etc', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'a tools/call without an id that needs approval is refused: nothing could wait for it',
		policy: 'rules:\n  - { name: confirm-deletes, match: { tool: "delete_*" }, action: approve }',
		line: '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"delete_file"}}',
		outcome: {
			answered: {
				jsonrpc: '2.0',
				id: null,
				result: { content: [{ type: 'text', text: "Blocked by policy rule 'confirm-deletes': needs approval (a call without an id can't be held for approval)" }], isError: true },
			},
		},
		notes: [decision({ action: 'deny', rule: 'confirm-deletes', line: 3, message: "needs approval (a call without an id can't be held for approval)" })],
	},
	{
		case: 'an allowed tools/call without an id is forwarded',
		policy: 'rules:\n  - { name: no-etc, match: { tool: write_file, args: { path: "^/etc/" } }, action: deny }',
		line: '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"write_file","arguments":{"path":"/tmp/a"}}}',
		outcome: { forwarded: true },
		notes: [],
	},
];

describe('guardrails: calls the policy cannot check', () => {
	it.each(uncheckableRows)('$case', (row) => {
		const { stages } = guardrails();
		const flow = pass(stages, fakeContext({ policy: row.policy }), clientFlow(row.line));
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.notes).toEqual(row.notes);
	});
});

// Batches (2025-03-26) are refused whole when any call in them would be denied, held, is
// hidden or cannot be checked, in both directions: every request of the batch gets -32011
// with the pseudo-rule 'batch' (a JSON-RPC error even for tools/call, and a text unlike
// single denials: "Blocked by policy: …"). Batches that pass are forwarded without notes,
// even when an allow or log rule matched. A batch too large to parse cheaply is parsed all
// the same when a rule needs its arguments.
const batchMessage = (what: string) => `this batch contains a '${what}' call that the policy denies, holds or cannot check; send its calls one by one`;
const batchError = (id: number | null, message: string) => ({ jsonrpc: '2.0', id, error: { code: -32011, message: `Blocked by policy: ${message}`, data: { rule: 'batch', message } } });
const HUGE_TEXT = 'x'.repeat(PARSE_LIMIT_BYTES);
const batchRows: { case: string; policy: string; batch: unknown[]; direction?: 'to-client'; outcome: Outcome; notes: FlowNote[] }[] = [
	{
		case: 'a batch of allowed calls is forwarded, no notes (not even for the allow rule)',
		policy: 'rules:\n  - { name: reads-ok, match: { tool: read_file }, action: allow }\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		batch: [toolCall(1, 'read_file'), toolCall(2, 'list_dir')],
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a batch with one denied call is refused whole; notifications in it get no answer',
		policy: 'rules:\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		batch: [toolCall(1, 'read_file'), { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } }, toolCall(2, 'write_file')],
		outcome: { answered: [batchError(1, batchMessage('write_file')), batchError(2, batchMessage('write_file'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('write_file') })],
	},
	{
		case: 'a batch with a held (approve) call is refused whole',
		policy: 'rules:\n  - { name: confirm-deletes, match: { tool: "delete_*" }, action: approve }',
		batch: [toolCall(1, 'delete_file')],
		outcome: { answered: [batchError(1, batchMessage('delete_file'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('delete_file') })],
	},
	{
		case: 'a batch with a denied non-tool request names its method',
		policy: 'rules:\n  - { name: no-resources, match: { method: "resources/*" }, action: deny }',
		batch: [request(1, 'resources/read', { uri: 'file:///a' })],
		outcome: { answered: [batchError(1, batchMessage('resources/read'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('resources/read') })],
	},
	{
		case: 'a batch calling a hidden tool is refused whole (even without rules)',
		policy: 'tools:\n  hide: ["admin_*"]',
		batch: [toolCall(1, 'admin_reset')],
		outcome: { answered: [batchError(1, batchMessage('admin_reset'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('admin_reset') })],
	},
	{
		case: 'a batch of notifications only is forwarded',
		policy: 'rules:\n  - { name: no-anything, match: {}, action: deny }',
		batch: [{ jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }],
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a batch under a policy without rules is forwarded',
		policy: '',
		batch: [toolCall(1, 'write_file'), toolCall(2, 'delete_file')],
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a batch too large to parse is checked whole: an allowed call passes',
		policy: 'rules:\n  - { name: no-writes, match: { tool: write_file }, action: deny }',
		batch: [toolCall(1, 'read_file', { text: HUGE_TEXT })],
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a batch too large to parse is checked whole: a denied argument is found',
		policy: 'rules:\n  - { name: no-etc, match: { args: { path: "^/etc/" } }, action: deny }',
		batch: [toolCall(1, 'read_file', { text: HUGE_TEXT }), toolCall(2, 'write_file', { text: HUGE_TEXT, path: '/etc/passwd' })],
		outcome: { answered: [batchError(1, batchMessage('write_file')), batchError(2, batchMessage('write_file'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('write_file') })],
	},
	{
		case: 'a batch too large to parse is forwarded when there are no rules',
		policy: '',
		batch: [toolCall(1, 'read_file', { text: HUGE_TEXT })],
		outcome: { forwarded: true },
		notes: [],
	},
	{
		case: 'a batch holding a hidden tool called without an id is dropped whole (nothing to answer)',
		policy: 'tools:\n  hide: ["admin_*"]',
		batch: [{ jsonrpc: '2.0', method: 'tools/call', params: { name: 'admin_reset' } }],
		outcome: { swallowed: true },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('admin_reset') })],
	},
	{
		case: 'a batch with an uncheckable call (arguments as a string) is refused',
		policy: 'rules:\n  - { name: no-etc, match: { args: { path: "^/etc/" } }, action: deny }',
		batch: [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'write_file', arguments: '{"path":"/etc/passwd"}' } }],
		outcome: { answered: [batchError(1, batchMessage('write_file'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('write_file') })],
	},
	{
		case: 'a server→client batch holding a denied sampling/createMessage is refused too (answered to the server)',
		policy: 'rules:\n  - { name: no-sampling, match: { method: sampling/createMessage }, action: deny }',
		direction: 'to-client',
		batch: [request(0, 'sampling/createMessage', { messages: [], maxTokens: 10 })],
		outcome: { answered: [batchError(0, batchMessage('sampling/createMessage'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('sampling/createMessage') })],
	},
];

describe('guardrails: batches', () => {
	it.each(batchRows)('$case', (row) => {
		const { stages } = guardrails();
		const flow = row.direction === 'to-client' ? serverFlow(row.batch) : clientFlow(row.batch);
		pass(stages, fakeContext({ policy: row.policy }), flow);
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.notes).toEqual(row.notes);
	});
});

// tools.hide: guardrails is the one stage that refuses calls to hidden tools, alone or in a
// batch (the catalog only takes them out of tools/list). A rule decides first: its deny, its
// hold; a call a rule lets pass (allow, log, or no rule) is refused when its tool is hidden.
const HIDE = 'tools:\n  hide: [debug_dump, "admin_*"]';
const hiddenError = (id: number | null, tool: string) => ({
	jsonrpc: '2.0',
	id,
	result: { content: [{ type: 'text', text: `Blocked by policy rule 'tools.hide': the tool '${tool}' is not available` }], isError: true },
});
const hiddenNote = (tool: string) => decision({ action: 'deny', rule: 'tools.hide', message: `the tool '${tool}' is not available` });
const hiddenRows: { case: string; policy: string; message: unknown; outcome: Outcome; notes: FlowNote[] }[] = [
	{ case: 'tools/call to a hidden tool: refused as a tool error', policy: HIDE, message: toolCall(3, 'admin_reset', { force: true }), outcome: { answered: hiddenError(3, 'admin_reset') }, notes: [hiddenNote('admin_reset')] },
	{ case: 'tools/call to a hidden tool named exactly', policy: HIDE, message: toolCall(4, 'debug_dump'), outcome: { answered: hiddenError(4, 'debug_dump') }, notes: [hiddenNote('debug_dump')] },
	{ case: 'tools/call to a visible tool: forwarded', policy: HIDE, message: toolCall(5, 'read_file', { path: '/a' }), outcome: forwarded, notes: [] },
	{ case: 'globs are case-sensitive: Admin_reset is called', policy: HIDE, message: toolCall(5, 'Admin_reset'), outcome: forwarded, notes: [] },
	{
		// A lenient server may run a tools/call without an id; the core never answers it (issue 12).
		case: 'a tools/call without an id naming a hidden tool is refused',
		policy: HIDE,
		message: { jsonrpc: '2.0', method: 'tools/call', params: { name: 'admin_reset' } },
		outcome: { answered: hiddenError(null, 'admin_reset') },
		notes: [hiddenNote('admin_reset')],
	},
	{ case: 'a tools/call padded past the parse limit is refused all the same (issue 12)', policy: HIDE, message: toolCall(6, 'admin_reset', { pad: HUGE_TEXT }), outcome: { answered: hiddenError(6, 'admin_reset') }, notes: [hiddenNote('admin_reset')] },
	{
		case: 'a batch calling a hidden tool (padded past the parse limit) is refused whole',
		policy: HIDE,
		message: [toolCall(7, 'read_file'), toolCall(8, 'debug_dump', { pad: HUGE_TEXT })],
		outcome: { answered: [batchError(7, batchMessage('debug_dump')), batchError(8, batchMessage('debug_dump'))] },
		notes: [decision({ action: 'deny', rule: 'batch', message: batchMessage('debug_dump') })],
	},
	{
		case: 'a deny rule on a hidden tool answers first, naming the rule',
		policy: `rules:\n  - { name: no-admin, match: { tool: "admin_*" }, action: deny }\n${HIDE}`,
		message: toolCall(9, 'admin_reset'),
		outcome: { answered: toolError(9, "Blocked by policy rule 'no-admin': denied by policy") },
		notes: [decision({ action: 'deny', rule: 'no-admin', line: 3, message: 'denied by policy' })],
	},
	{
		case: 'an allow rule notes its match, and the hidden tool is refused all the same',
		policy: `rules:\n  - { name: ok-admin, match: { tool: "admin_*" }, action: allow }\n${HIDE}`,
		message: toolCall(10, 'admin_reset'),
		outcome: { answered: hiddenError(10, 'admin_reset') },
		notes: [decision({ rule: 'ok-admin', line: 3, method: 'tools/call', tool: 'admin_reset', action: 'allow' }), hiddenNote('admin_reset')],
	},
	{
		case: 'a log rule notes its match, and the hidden tool is refused all the same',
		policy: `rules:\n  - { name: note-admin, match: { tool: "admin_*" }, action: log }\n${HIDE}`,
		message: toolCall(11, 'admin_reset'),
		outcome: { answered: hiddenError(11, 'admin_reset') },
		notes: [decision({ rule: 'note-admin', line: 3, method: 'tools/call', tool: 'admin_reset', action: 'log' }), hiddenNote('admin_reset')],
	},
];

describe('guardrails: hidden tools (tools.hide)', () => {
	it.each(hiddenRows)('$case', (row) => {
		const { stages } = guardrails();
		const flow = pass(stages, fakeContext({ policy: row.policy }), clientFlow(row.message));
		expect(outcomeOf(flow)).toEqual(row.outcome);
		expect(flow.notes).toEqual(row.notes);
	});

	it('an approve rule holds a hidden tool first; approved (a grant), it is refused as hidden', async () => {
		const { stages, database } = guardrails();
		insertGrant(database, { server: 'fs', tool: 'admin_*', created_at: NOW_US, expires_at: NOW_US + 60_000_000, created_by: 'me', reason: null });
		const context = fakeContext({ policy: `rules:\n  - { name: confirm-admin, match: { tool: "admin_*" }, action: approve }\n${HIDE}` });
		const flow = pass(stages, context, clientFlow(toolCall(12, 'admin_reset')));
		expect(outcomeOf(flow)).toEqual({ held: true });
		flow.notes = [];
		await resume(stages, context, flow);
		expect(outcomeOf(flow)).toEqual({ answered: hiddenError(12, 'admin_reset') });
		expect(flow.notes).toEqual([expect.objectContaining({ details: expect.objectContaining({ action: 'approve', status: 'approved', via: 'grant' }) }), hiddenNote('admin_reset')]);
	});
});

// approve: the stage holds the call and asks the broker; once the hold settles the call is
// forwarded (approved), answered as denied (the deny note is not repeated), answered with an
// input_required result (modern clients), or swallowed (the client cancelled).
const APPROVE_POLICY = 'rules:\n  - name: confirm-deletes\n    match: { tool: "delete_*" }\n    action: approve\n    message: Deleting needs a person\n    timeout: 100ms';
const DELETE_ARGS = { path: '/data/a.txt' };
const DIGEST = callDigest('fs', 'delete_file', DELETE_ARGS);
const heldNote = decision({ action: 'approve', status: 'held', rule: 'confirm-deletes', method: 'tools/call', tool: 'delete_file', digest: DIGEST });
const asked = (channel: string, extra: Record<string, unknown> = {}) => ({ note: decision({ step: 'asked', channel, rule: 'confirm-deletes', ...extra }), rpcId: '1' });
const elicitation = { message: expect.stringContaining("Allow server 'fs' to call the tool 'delete_file'?\nArguments: {\"path\":\"/data/a.txt\"}\nDeleting needs a person"), requestedSchema: expect.any(Object) };

interface ApprovalRow {
	case: string;
	context: FakeContextOptions;
	/** Runs once the call is held (settles an out-of-band approval, cancels, …). */
	whileHeld?: (setup: { database: StoreDatabase; stages: Stage[]; context: ReturnType<typeof fakeContext> }) => void | Promise<void>;
	/** Before the call (a grant in force). */
	before?: (database: StoreDatabase) => void;
	settled: Outcome;
	/** Notes pushed on the flow after it was held. */
	settledNotes: FlowNote[];
	askedClient: unknown[];
	contextNotes: unknown[];
}

const legacyElicit = (answer: Record<string, unknown>): FakeContextOptions => ({ clientCapabilities: { elicitation: {} }, answerClient: async () => answer });
const approvalRows: ApprovalRow[] = [
	{
		case: 'legacy client with elicitation allows once: forwarded',
		context: legacyElicit({ jsonrpc: '2.0', id: 'mcprec-1', result: { action: 'accept', content: { decision: 'allow-once' } } }),
		settled: { forwarded: true },
		settledNotes: [decision({ action: 'approve', status: 'approved', authority: 'local', rule: 'confirm-deletes', via: 'elicitation', reason: 'allowed once in the client', approvalId: null })],
		askedClient: [{ method: 'elicitation/create', params: elicitation, timeoutMs: 100 }],
		contextNotes: [asked('elicitation')],
	},
	{
		case: 'legacy client declines: answered as a tool error',
		context: legacyElicit({ jsonrpc: '2.0', id: 'mcprec-1', result: { action: 'decline' } }),
		settled: { answered: toolError(1, "Blocked by policy rule 'confirm-deletes': not approved: declined in the client") },
		settledNotes: [decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-deletes', via: 'elicitation', reason: 'declined in the client', approvalId: null })],
		askedClient: [{ method: 'elicitation/create', params: elicitation, timeoutMs: 100 }],
		contextNotes: [asked('elicitation')],
	},
	{
		case: 'legacy client answers the elicitation with an error: denied',
		context: legacyElicit({ jsonrpc: '2.0', id: 'mcprec-1', error: { code: -32601, message: 'Method not found' } }),
		settled: { answered: toolError(1, "Blocked by policy rule 'confirm-deletes': not approved: the client could not ask (elicitation failed)") },
		settledNotes: [
			decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-deletes', via: 'elicitation', reason: 'the client could not ask (elicitation failed)', approvalId: null }),
		],
		askedClient: [{ method: 'elicitation/create', params: elicitation, timeoutMs: 100 }],
		contextNotes: [asked('elicitation')],
	},
	{
		case: 'modern client with elicitation: answered with an input_required result',
		context: { clientCapabilities: { elicitation: {} }, modern: true },
		settled: {
			answered: {
				jsonrpc: '2.0',
				id: 1,
				result: {
					resultType: 'input_required',
					inputRequests: { 'mcprec-approval': { method: 'elicitation/create', params: elicitation } },
					requestState: expect.stringMatching(/^mcprec-approval:[A-Za-z0-9_-]{16}$/),
				},
			},
		},
		settledNotes: [decision({ action: 'approve', status: 'input_required', rule: 'confirm-deletes' })],
		askedClient: [],
		contextNotes: [asked('input_required')],
	},
	{
		case: 'a grant in force approves at once, without asking',
		context: { clientCapabilities: { elicitation: {} } },
		before: (database) => insertGrant(database, { server: 'f*', tool: 'delete_*', created_at: NOW_US, expires_at: NOW_US + 60_000_000, created_by: 'me', reason: null }),
		settled: { forwarded: true },
		settledNotes: [decision({ action: 'approve', status: 'approved', authority: 'local', rule: 'confirm-deletes', via: 'grant', reason: expect.stringMatching(/^pre-approved by grant [0-9a-f]{8}$/), approvalId: null })],
		askedClient: [],
		contextNotes: [],
	},
	{
		case: 'a client without elicitation waits in the store; `mcprec approve` forwards it',
		context: {},
		whileHeld: ({ database }) => {
			const { id } = database.prepare('SELECT id FROM approvals').get() as { id: string };
			decideApproval(database, id, 'approved', 'audrey', NOW_US + 1);
		},
		settled: { forwarded: true },
		settledNotes: [decision({ action: 'approve', status: 'approved', authority: 'local', rule: 'confirm-deletes', via: 'cli', reason: 'approved by audrey', approvalId: expect.stringMatching(/^[0-9a-f]{8}$/), decidedBy: 'audrey' })],
		askedClient: [],
		contextNotes: [{ note: decision({ step: 'asked', channel: 'out-of-band', authority: 'local', approvalId: expect.stringMatching(/^[0-9a-f]{8}$/), rule: 'confirm-deletes' }), rpcId: '1' }],
	},
	{
		case: 'nobody decides within the timeout: denied',
		context: {},
		settled: { answered: toolError(1, "Blocked by policy rule 'confirm-deletes': not approved: no decision within 0.1s") },
		settledNotes: [
			decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-deletes', via: 'timeout', reason: 'no decision within 0.1s', approvalId: expect.stringMatching(/^[0-9a-f]{8}$/) }),
		],
		askedClient: [],
		contextNotes: [{ note: decision({ step: 'asked', channel: 'out-of-band', authority: 'local', approvalId: expect.stringMatching(/^[0-9a-f]{8}$/), rule: 'confirm-deletes' }), rpcId: '1' }],
	},
	{
		case: 'the client cancels the held call: swallowed, the cancel notification forwarded',
		context: { clientCapabilities: { elicitation: {} } },
		whileHeld: ({ stages, context }) => {
			const cancel = pass(stages, context, clientFlow({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'user stop' } }));
			expect(outcomeOf(cancel)).toEqual({ forwarded: true });
			expect(cancel.notes).toEqual([]);
		},
		settled: { swallowed: true },
		settledNotes: [decision({ action: 'approve', status: 'cancelled', rule: 'confirm-deletes', reason: 'the client cancelled the call' })],
		askedClient: [{ method: 'elicitation/create', params: elicitation, timeoutMs: 100 }],
		contextNotes: [asked('elicitation')],
	},
];

describe('guardrails: approve holds the call', () => {
	it.each(approvalRows)('$case', async (row) => {
		const { stages, database, announced } = guardrails();
		row.before?.(database);
		const context = fakeContext({ policy: APPROVE_POLICY, ...row.context });
		const flow = pass(stages, context, clientFlow(toolCall(1, 'delete_file', DELETE_ARGS)));
		expect(outcomeOf(flow)).toEqual({ held: true });
		expect(flow.notes).toEqual([heldNote]);
		flow.notes = []; // the session core records these when the hold starts
		await row.whileHeld?.({ database, stages, context });
		await resume(stages, context, flow);
		expect(outcomeOf(flow)).toEqual(row.settled);
		expect(flow.notes).toEqual(row.settledNotes);
		expect(context.clientRequests).toEqual(row.askedClient);
		expect(context.contextNotes).toEqual(row.contextNotes);
		// Only the out-of-band path tells the person at the terminal.
		const waited = row.contextNotes.some((entry) => JSON.stringify(entry).includes('out-of-band'));
		expect(announced.some((text) => text.includes('is waiting for approval'))).toBe(waited);
	});

	it('a held request that is not a tools/call is denied with -32011', async () => {
		const { stages } = guardrails();
		const context = fakeContext({
			policy: 'rules:\n  - { name: confirm-prompts, match: { method: prompts/get }, action: approve }',
			...legacyElicit({ jsonrpc: '2.0', id: 'mcprec-1', result: { action: 'accept', content: { decision: 'deny' } } }),
		});
		const flow = pass(stages, context, clientFlow(request(7, 'prompts/get', { name: 'p' })));
		expect(flow.notes).toEqual([
			decision({ action: 'approve', status: 'held', rule: 'confirm-prompts', method: 'prompts/get', tool: null, digest: callDigest('fs', 'prompts/get', undefined) }),
		]);
		flow.notes = [];
		await resume(stages, context, flow);
		expect(outcomeOf(flow)).toEqual({ answered: policyError(7, 'confirm-prompts', 'not approved: denied in the client') });
		expect(flow.notes).toEqual([decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-prompts', via: 'elicitation', reason: 'denied in the client', approvalId: null })]);
	});
});

// Modern era (2026-07-28): the client answers our input_required result by retrying the call
// with requestState and our answer in inputResponses; the stage checks that the retry is the
// call that was asked about, then forwards it without mcprec's part of the answer.
const MODERN: FakeContextOptions = { clientCapabilities: { elicitation: {} }, modern: true };
const allowOnce = { action: 'accept', content: { decision: 'allow-once' } };
const retryRows: {
	case: string;
	/** The retried call, given the requestState of the first answer. */
	retry: (state: string) => Record<string, unknown>;
	/** Retries sent before this one (state reuse). */
	retriesBefore?: number;
	outcome: Outcome;
	notes: FlowNote[];
}[] = [
	{
		case: 'allowed once: forwarded without requestState and without our answer',
		retry: (state) => request(2, 'tools/call', { name: 'delete_file', arguments: DELETE_ARGS, requestState: state, inputResponses: { 'mcprec-approval': allowOnce } }),
		outcome: { rewritten: request(2, 'tools/call', { name: 'delete_file', arguments: DELETE_ARGS }) },
		notes: [decision({ action: 'approve', status: 'approved', authority: 'local', rule: 'confirm-deletes', via: 'input_required', reason: 'allowed once in the client' })],
	},
	{
		case: "allowed once: other servers' input responses are kept",
		retry: (state) =>
			request(2, 'tools/call', { name: 'delete_file', arguments: DELETE_ARGS, requestState: state, inputResponses: { 'mcprec-approval': allowOnce, 'server-question': { action: 'accept' } } }),
		outcome: { rewritten: request(2, 'tools/call', { name: 'delete_file', arguments: DELETE_ARGS, inputResponses: { 'server-question': { action: 'accept' } } }) },
		notes: [decision({ action: 'approve', status: 'approved', authority: 'local', rule: 'confirm-deletes', via: 'input_required', reason: 'allowed once in the client' })],
	},
	{
		case: 'declined: answered as a tool error',
		retry: (state) => request(2, 'tools/call', { name: 'delete_file', arguments: DELETE_ARGS, requestState: state, inputResponses: { 'mcprec-approval': { action: 'decline' } } }),
		outcome: { answered: toolError(2, "Blocked by policy rule 'confirm-deletes': not approved: declined in the client") },
		notes: [decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-deletes', via: 'input_required', reason: 'declined in the client' })],
	},
	{
		case: 'retried with other arguments: denied',
		retry: (state) => request(2, 'tools/call', { name: 'delete_file', arguments: { path: '/' }, requestState: state, inputResponses: { 'mcprec-approval': allowOnce } }),
		outcome: { answered: toolError(2, "Blocked by policy rule 'confirm-deletes': not approved: the retried call differs from the one that was asked about") },
		notes: [decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-deletes', via: 'input_required', reason: 'the retried call differs from the one that was asked about' })],
	},
	{
		case: 'the same requestState a second time: denied',
		retriesBefore: 1,
		retry: (state) => request(3, 'tools/call', { name: 'delete_file', arguments: DELETE_ARGS, requestState: state, inputResponses: { 'mcprec-approval': allowOnce } }),
		outcome: { answered: toolError(3, "Blocked by policy rule 'confirm-deletes': not approved: unknown or already used approval state") },
		notes: [decision({ action: 'approve', status: 'denied', authority: 'local', rule: 'confirm-deletes', via: 'input_required', reason: 'unknown or already used approval state' })],
	},
];

describe('guardrails: a modern client retries with the approval answer', () => {
	it.each(retryRows)('$case', async (row) => {
		const { stages } = guardrails();
		const context = fakeContext({ policy: APPROVE_POLICY, ...MODERN });
		const first = pass(stages, context, clientFlow(toolCall(1, 'delete_file', DELETE_ARGS)));
		await resume(stages, context, first);
		const state = ((first.answer as { result: { requestState: string } }).result).requestState;
		for (let index = 0; index < (row.retriesBefore ?? 0); index++) pass(stages, context, clientFlow(row.retry(state)));
		const retry = pass(stages, context, clientFlow(row.retry(state)));
		expect(outcomeOf(retry)).toEqual(row.outcome);
		expect(retry.notes).toEqual(row.notes);
	});

	it('a made-up approval state is refused even with no rules (rule name: approval)', () => {
		const { stages } = guardrails();
		const flow = pass(stages, fakeContext(), clientFlow(request(1, 'tools/call', { name: 'delete_file', requestState: 'mcprec-approval:forged', inputResponses: { 'mcprec-approval': allowOnce } })));
		expect(outcomeOf(flow)).toEqual({ answered: toolError(1, "Blocked by policy rule 'approval': not approved: unknown or already used approval state") });
		expect(flow.notes).toEqual([decision({ action: 'approve', status: 'denied', authority: 'local', rule: null, via: 'input_required', reason: 'unknown or already used approval state' })]);
	});

	it("a requestState that is not mcprec's passes to the server untouched", () => {
		const { stages } = guardrails();
		const flow = pass(stages, fakeContext(), clientFlow(request(1, 'tools/call', { name: 'book', requestState: 'server-state-1' })));
		expect(outcomeOf(flow)).toEqual({ forwarded: true });
		expect(flow.notes).toEqual([]);
	});
});
