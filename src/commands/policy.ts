// `mcprec policy check <file>` and `mcprec policy test <file> …`: validate a policy, and
// dry-run one request against it, without starting a server.

import { stdoutColours } from '../terminal/colours.js';
import { UserError } from '../errors/user-error.js';
import { loadPolicyFile } from '../policy/load-policy.js';
import { evaluatePolicy, isToolHidden, type PathMatch, type PolicyCall } from '../policy/match-rule.js';
import { PolicyError, type Policy } from '../policy/policy-types.js';

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
	const result = decide(policy, call);
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

// A hidden tool is denied before any rule is consulted (DESIGN §4 `tools.hide`).
function decide(policy: Policy, call: PolicyCall): PolicyTestResult {
	if (call.method === 'tools/call' && call.tool !== undefined && isToolHidden(policy, call.tool)) {
		return { rule: null, line: null, action: 'deny', message: `tool '${call.tool}' is hidden by tools.hide` };
	}
	const { rule, action, paths } = evaluatePolicy(policy, call);
	return { rule: rule?.name ?? null, line: rule?.line ?? null, action, message: rule?.message ?? null, ...(paths ? { paths } : {}) };
}

function buildCall(options: PolicyTestOptions): PolicyCall {
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
