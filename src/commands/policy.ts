// `mcprec policy check <file>` and `mcprec policy test <file> …`: validate a policy, and
// dry-run one request against it, without starting a server: the request goes through the
// stages `run` builds (src/stages/create-stages.ts), in memory, so the answer is theirs.

import { classifyLine } from '../jsonrpc/classify.js';
import { frameBody } from '../jsonrpc/framing.js';
import { stdoutColours } from '../terminal/colours.js';
import { UserError } from '../errors/user-error.js';
import { createMasker } from '../masking/create-masker.js';
import { newFlow, type Direction, type Flow } from '../pipeline/flow.js';
import type { SessionContext } from '../pipeline/session-context.js';
import { runStages } from '../pipeline/stage.js';
import { loadPolicyFile } from '../policy/load-policy.js';
import type { PathMatch } from '../policy/match-rule.js';
import { PolicyError, type Policy } from '../policy/policy-types.js';
import { assembleStages } from '../stages/create-stages.js';
import type { CallApprovals } from '../stages/guardrails.js';
import type { PinStore } from '../stages/pin-store.js';

export interface PolicyTestOptions {
	server: string;
	tool?: string;
	method?: string;
	args?: string;
	groups?: string;
	annotations?: string;
	json?: boolean;
}

/** What `policy test --json` prints. */
export interface PolicyTestResult {
	rule: string | null;
	line: number | null;
	action: string;
	message: string | null;
	/** For a rule with `match.paths`: how the path arguments were read (normalised) and which glob each fell under. */
	paths?: PathMatch[];
}

export async function policyCheckCommand(file: string): Promise<void> {
	const policy = loadOrExplain(file);
	const rules = `${policy.rules.length} ${policy.rules.length === 1 ? 'rule' : 'rules'}`;
	process.stdout.write(`${stdoutColours.green('✓')} ${file}: ${rules}, masking: ${describeMasking(policy)}, tools: ${describeTools(policy)}\n`);
}

export async function policyTestCommand(file: string, options: PolicyTestOptions): Promise<void> {
	const call = buildCall(options);
	const policy = loadOrExplain(file);
	const result = dryRun(policy, call);
	if (options.json) {
		process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
		return;
	}
	const outcome = `${colorAction(result.action)}${result.message ? `: ${result.message}` : ''}`;
	if (result.rule === null && result.action === 'deny') {
		process.stdout.write(`${result.message} → ${colorAction(result.action)}\n`);
	} else if (result.rule === null) {
		process.stdout.write(`no rule matches → ${outcome}\n`);
	} else {
		const rule = policy.rules.find((candidate) => candidate.name === result.rule)!;
		const wait = rule.action === 'approve' ? ` (held up to ${formatDuration(rule.timeoutMs)} for a decision)` : '';
		process.stdout.write(`rule '${result.rule}' (${file}:${result.line}) → ${outcome}${wait}\n`);
		for (const path of result.paths ?? []) {
			const spelled = path.value === path.path ? '' : ` reads as ${path.path},`;
			process.stdout.write(`  ${path.argument} ${JSON.stringify(path.value)}${spelled} under ${path.glob}\n`);
		}
	}
}

/** The request `policy test` sends through the stages. */
export interface DryRunCall {
	method: string;
	server: string;
	tool?: string;
	arguments?: Record<string, unknown>;
	/** As the server's tools/list would give them for `tool`. */
	annotations?: Record<string, unknown>;
	groups?: string[];
}

/** What `policy test` reports for a call: what the stages `run` builds decide, run in memory. */
export function policyTestResult(policy: Policy, options: PolicyTestOptions): PolicyTestResult {
	return dryRun(policy, buildCall(options));
}

// Requests MCP servers send to their client: they meet the stages on their way to the client.
const SERVER_REQUESTS = new Set(['sampling/createMessage', 'elicitation/create', 'roots/list']);

function dryRun(policy: Policy, call: DryRunCall): PolicyTestResult {
	const stages = assembleStages({
		policy,
		masker: createMasker(policy.mask, { sessionSalt: 'policy-test' }),
		approvals: NO_APPROVER,
		pins: FIRST_SIGHT_PINS,
		warn: () => {},
	});
	const context = dryRunContext(policy, call);
	// The catalog learns annotations from the server's tools/list answer, as in a session.
	if (call.tool !== undefined && call.annotations !== undefined) {
		const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
		runStages(stages, flowOf('to-server', list), context);
		const tools = [{ name: call.tool, inputSchema: { type: 'object' }, annotations: call.annotations }];
		runStages(stages, flowOf('to-client', { jsonrpc: '2.0', id: 1, result: { tools } }, 'tools/list'), context);
	}
	const params = {
		...(call.tool === undefined ? {} : { name: call.tool }),
		...(call.arguments === undefined ? {} : { arguments: call.arguments }),
	};
	const flow = flowOf(SERVER_REQUESTS.has(call.method) ? 'to-client' : 'to-server', { jsonrpc: '2.0', id: 2, method: call.method, params });
	runStages(stages, flow, context);
	return resultOf(policy, flow);
}

function flowOf(direction: Direction, message: Record<string, unknown>, answers?: string): Flow {
	const frame = Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
	const classified = classifyLine(frameBody(frame));
	return newFlow(direction, frame, classified, answers === undefined ? undefined : { id: classified.id!, method: answers, ts: 0 });
}

// A held call is reported as held: nobody is asked, and the hold never settles.
const NO_APPROVER: CallApprovals = {
	hold: () => new Promise(() => {}),
	resumeRetry: () => undefined,
	cancel: () => {},
};

// A first session: no tool was pinned before.
const FIRST_SIGHT_PINS: PinStore = { get: () => undefined, remember: () => {} };

function dryRunContext(policy: Policy, call: DryRunCall): SessionContext {
	return {
		sessionId: 'policy-test',
		server: call.server,
		policy,
		identity: { issuer: 'policy-test', sub: 'policy-test', groups: call.groups ?? [] },
		clientCapabilities: {},
		modern: false,
		toolAnnotations: new Map(),
		requestClient: () => new Promise(() => {}),
		notifyClient: () => {},
		note: () => {},
		now: () => Date.now() * 1000,
	};
}

// The stages' decision notes, in the words `policy test` has always used: the rule a call
// met (its line and message from the policy), or a refusal no rule made (a hidden tool, a
// call that cannot be checked, a batch) with its reason.
function resultOf(policy: Policy, flow: Flow): PolicyTestResult {
	const final = finalDecision(flow);
	if (final === undefined) return { rule: null, line: null, action: flow.answer !== undefined ? 'deny' : 'allow', message: null };
	const rule = 'line' in final || final.status === 'held' ? policy.rules.find((candidate) => candidate.name === final.rule) : undefined;
	if (rule === undefined) {
		const message = final.rule === 'tools.hide' ? `tool '${flow.message.tool}' is hidden by tools.hide` : String(final.message);
		return { rule: null, line: null, action: 'deny', message };
	}
	const paths = rule.match.paths ? { paths: (final.paths as PathMatch[] | undefined) ?? [] } : {};
	return { rule: rule.name, line: rule.line ?? null, action: rule.action, message: rule.message ?? null, ...paths };
}

// The note that says what became of the call: the refusal it was answered with, the hold,
// or the allow/log rule it met on its way (none: no rule met it).
function finalDecision(flow: Flow): Record<string, unknown> | undefined {
	const decisions = flow.notes.filter((note) => note.kind === 'decision').map((note) => note.details);
	if (flow.answer !== undefined || flow.swallow) return decisions.findLast((details) => details.action === 'deny');
	if (flow.hold) return decisions.find((details) => details.status === 'held');
	return decisions.find((details) => details.action === 'allow' || details.action === 'log');
}

function buildCall(options: PolicyTestOptions): DryRunCall {
	if (options.tool === undefined && options.method === undefined) {
		throw new UserError('policy test needs --tool <name> (for a tools/call) or --method <method>');
	}
	const method = options.method ?? 'tools/call';
	if (options.tool !== undefined && method !== 'tools/call') {
		throw new UserError(`--tool only applies to --method tools/call, not '${method}'`);
	}
	const groups = options.groups?.split(',').map((group) => group.trim()).filter((group) => group !== '');
	return {
		method,
		server: options.server,
		...(options.tool === undefined ? {} : { tool: options.tool }),
		...(options.args === undefined ? {} : { arguments: parseJsonObject('--args', options.args, '{"path":"/etc/hosts"}') }),
		...(options.annotations === undefined ? {} : { annotations: parseJsonObject('--annotations', options.annotations, '{"readOnlyHint":true}') }),
		...(groups === undefined ? {} : { groups }),
	};
}
function parseJsonObject(flag: string, text: string, example: string): Record<string, unknown> {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new UserError(`${flag} expects a JSON object like '${example}'; got '${text}' (${(error as Error).message})`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new UserError(`${flag} expects a JSON object like '${example}'; got '${text}'`);
	}
	return value as Record<string, unknown>;
}

function loadOrExplain(file: string): Policy {
	try {
		return loadPolicyFile(file);
	} catch (error) {
		if (error instanceof PolicyError) throw new UserError(error.message);
		throw error;
	}
}

function describeMasking(policy: Policy): string {
	const { mask } = policy;
	const parts = [mask.detectors.length > 0 ? mask.detectors.join(' ') : 'no detectors'];
	for (const name of mask.exclude) parts.push(`-${name}`);
	for (const custom of mask.custom) parts.push(`+${custom.name}`);
	const details: string[] = [mask.strategy];
	if (mask.fields.length > 0) details.push(`${mask.fields.length} ${mask.fields.length === 1 ? 'field' : 'fields'}`);
	if (mask.requests === 'none') details.push('requests unmasked');
	return `${parts.join(' ')} (${details.join(', ')})`;
}

function describeTools(policy: Policy): string {
	const hide = policy.tools.hide.length > 0 ? `hide ${policy.tools.hide.join(' ')}, ` : '';
	return `${hide}pin ${policy.tools.pin}`;
}

function colorAction(action: string): string {
	if (action === 'deny') return stdoutColours.red(action);
	if (action === 'approve') return stdoutColours.yellow(action);
	return stdoutColours.green(action);
}

function formatDuration(milliseconds: number): string {
	if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000}m`;
	if (milliseconds % 1000 === 0) return `${milliseconds / 1000}s`;
	return `${milliseconds}ms`;
}
