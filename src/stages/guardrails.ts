// Guardrails stage (DESIGN §3 step 2): matches requests in both directions against the
// policy rules — allow, deny, approve (hold for a person), log — first match wins — and
// refuses calls to hidden tools (`tools.hide`), alone or in a batch: the one place that
// decides a call to a hidden tool (the catalog only takes them out of tools/list).

import { callDigest } from '../approvals/call-digest.js';
import { isApprovalState, type ApprovalBroker, type ApprovalOutcome } from '../approvals/approval-broker.js';
import { APPROVAL_INPUT_KEY } from '../approvals/approval-prompt.js';
import { defaultPathContext, evaluatePolicy, isToolHidden, type PathMatch } from '../policy/match-rule.js';
import type { PathContext } from '../policy/path-readings.js';
import type { Policy, PolicyRule } from '../policy/policy-types.js';
import { idKey, type ClassifiedMessage } from '../jsonrpc/classify.js';
import { foldKey } from '../jsonrpc/fold-key.js';
import { ErrorCode } from '../jsonrpc/rpc-errors.js';
import { batchRefusal, blockedAnswer, errorMessage, isCallWithoutId, parsedMessage, parsedValue, resultMessage, type Flow } from '../pipeline/flow.js';
import type { SessionContext } from '../pipeline/session-context.js';
import type { Stage } from '../pipeline/stage.js';

/** What guardrails asks of the approvals broker: `run` gives the store-backed one, `policy test` a dry-run stand-in. */
export type CallApprovals = Pick<ApprovalBroker, 'hold' | 'resumeRetry' | 'cancel'>;

export interface GuardrailsOptions {
	approvals: CallApprovals;
	/** A masked copy of a call's arguments, complete, for the person who approves it. */
	maskArguments: (args: unknown) => unknown;
	/** Masks the tool and method names the approver is shown and the approval store keeps (default: left as they are). */
	maskText?: (text: string) => string;
	/** Where the server resolves relative paths, for `match.paths` (default: this process's folder). */
	pathContext?: PathContext;
}

export function createGuardrailsStage(options: GuardrailsOptions): Stage {
	const paths = new PathBases(options.pathContext ?? defaultPathContext());
	return {
		name: 'guardrails',
		toServer(flow, context) {
			if (flow.message.shape === 'response' && flow.request?.method === 'roots/list') {
				paths.learnRoots(parsedMessage(flow)?.result);
				return;
			}
			if (flow.message.shape === 'notification' && flow.message.method === 'notifications/cancelled') {
				const requestId = (parsedMessage(flow)?.params as { requestId?: string | number } | undefined)?.requestId;
				if (requestId !== undefined) options.approvals.cancel(idKey(requestId));
				return;
			}
			if (flow.message.shape === 'batch') {
				refuseGuardedBatch(flow, context, paths.context);
				return;
			}
			if (flow.message.shape !== 'request' && !isCallWithoutId(flow.message)) return;
			if (refuseUncheckable(flow, context)) return;
			checkRequest(flow, context, options, paths.context);
			// A rule decides first (its deny, its hold); a call it lets pass is refused if the tool is hidden.
			if (flow.answer === undefined && !flow.hold) refuseHidden(flow, context);
		},
		toClient(flow, context) {
			// Server→client requests (sampling/createMessage, elicitation/create, roots/list) obey `method` rules too, in batches as well.
			if (flow.message.shape === 'batch') refuseGuardedBatch(flow, context, paths.context);
			else if (flow.message.shape === 'request' || isCallWithoutId(flow.message)) checkRequest(flow, context, options, paths.context);
		},
	};
}

// Where the server may resolve a relative path: what it was started with (its working
// directory, the folders on its command line) and the roots the client last listed (MCP
// 2025-06-18 "Roots"), whose `file://` URIs name folders the server is invited to work in.
class PathBases {
	context: PathContext;

	constructor(private readonly initial: PathContext) {
		this.context = initial;
	}

	learnRoots(result: unknown): void {
		const roots = (result as { roots?: unknown } | undefined)?.roots;
		if (!Array.isArray(roots)) return;
		const folders: string[] = [];
		for (const root of roots) {
			const uri = (root as { uri?: unknown } | null)?.uri;
			if (typeof uri !== 'string' || !/^file:/i.test(uri)) continue;
			try {
				folders.push(decodeURIComponent(new URL(uri).pathname));
			} catch {
				// not a usable file URI: nothing to resolve against
			}
		}
		this.context = { ...this.initial, bases: [...new Set([...this.initial.bases, ...folders])] };
	}
}

// Batches (2025-03-26) can't be held or answered in part: one that holds a call the policy
// denies, holds or hides, or one it cannot check, is refused whole, and the client can send
// its calls one by one. A batch too large to parse is parsed all the same when a rule needs
// the arguments (fail closed, issue 12).
function refuseGuardedBatch(flow: Flow, context: SessionContext, pathContext: PathContext): void {
	if (!guardsCalls(context)) return;
	const items = flow.message.items ?? [];
	const guarded = items.find((item, index) => {
		if (item.shape !== 'request' && !isCallWithoutId(item)) return false;
		if (callsHiddenTool(item, context)) return true;
		if (item.method === 'tools/call' && item.tool === undefined) return true;
		if (context.policy.rules.length === 0) return false;
		if (flow.message.loneSurrogate) return true;
		const message = (item.parsed ?? (parsedValue(flow) as unknown[] | undefined)?.[index]) as { params?: unknown } | undefined;
		if (message === undefined || argumentsProblem(message.params, context) !== undefined) return true;
		const params = isRecord(message.params) ? message.params : {};
		const { action } = evaluatePolicy(context.policy, {
			method: item.method!,
			server: context.server,
			tool: item.tool,
			arguments: params.arguments,
			annotations: item.tool !== undefined ? context.toolAnnotations.get(item.tool) : undefined,
			groups: context.identity?.groups ?? [],
			pathContext,
		});
		return action === 'deny' || action === 'approve';
	});
	if (!guarded) return;
	const message = `this batch contains a '${guarded.tool ?? guarded.method}' call that the policy denies, holds or cannot check; send its calls one by one`;
	batchRefusal(flow, 'batch', message);
}

// Rules, hidden tools and pin: deny are where a decision rests on the tool name or arguments.
function guardsCalls(context: SessionContext): boolean {
	return context.policy.rules.length > 0 || context.policy.tools.hide.length > 0 || context.policy.tools.pin === 'deny';
}

const LONE_SURROGATE = 'ambiguous JSON: a string holds a lone surrogate (\\ud800-\\udfff), which JavaScript keeps, Go reads as U+FFFD and Rust refuses';

// A call the policy cannot check is refused rather than assumed harmless (issue 12): a
// tools/call without a string params.name (a lenient server might take ["admin_reset"] for
// its name), with arguments that are not an object (some servers decode a JSON string),
// with an argument key that is a rule's argument only once case is folded (`Path` for a
// rule on `path`: Go's encoding/json reads it as path, the rule does not), or with a string
// that holds a lone surrogate (a rule reads one value, a Go server another).
function refuseUncheckable(flow: Flow, context: SessionContext): boolean {
	if (!guardsCalls(context)) return false;
	let problem: string | undefined;
	if (flow.message.method === 'tools/call' && flow.message.tool === undefined) problem = 'params.name must be a string';
	else if (flow.message.loneSurrogate && context.policy.rules.length > 0) problem = LONE_SURROGATE;
	else if (context.policy.rules.length > 0) {
		const message = parsedMessage(flow);
		problem = message === undefined ? 'the message could not be read in full' : argumentsProblem(message.params, context);
	}
	if (problem === undefined) return false;
	const text = `${flow.message.method} cannot be checked against the policy: ${problem}`;
	// A malformed params is the call's own fault (-32602); a message parsers read differently is invalid (-32600).
	const badParams = problem.startsWith('params.');
	flow.answer = errorMessage(flow.message.id, badParams ? ErrorCode.invalidParams : ErrorCode.invalidRequest, `${badParams ? 'Invalid params' : 'Invalid Request'}: ${text}`);
	flow.notes.push({ kind: 'decision', details: { action: 'deny', rule: 'uncheckable', message: text } });
	return true;
}

function argumentsProblem(params: unknown, context: SessionContext): string | undefined {
	if (!isRecord(params) || !('arguments' in params)) return undefined;
	const args = params.arguments;
	if (!isRecord(args)) return 'params.arguments must be an object';
	const variant = ruleArgumentVariant(args, argumentNames(context.policy));
	return variant && `ambiguous JSON: the argument key '${variant[0]}' is '${variant[1]}' to a case-insensitive parser, and the policy's rules read '${variant[1]}'`;
}

const argumentNamesOf = new WeakMap<Policy, Map<string, string>>();

// The names the rules' `args` paths read (each segment of `target.host`), by folded spelling.
function argumentNames(policy: Policy): Map<string, string> {
	let names = argumentNamesOf.get(policy);
	if (names === undefined) {
		names = new Map();
		for (const rule of policy.rules) for (const { path } of rule.match.args ?? []) for (const segment of path.split('.')) names.set(foldKey(segment), segment);
		argumentNamesOf.set(policy, names);
	}
	return names;
}

// The first key inside the arguments (at any depth) that folds like a name the rules read
// without being spelled like it, with that name.
function ruleArgumentVariant(args: Record<string, unknown>, names: Map<string, string>): [string, string] | undefined {
	if (names.size === 0) return undefined;
	const pending: unknown[] = [args];
	while (pending.length > 0) {
		const value = pending.pop();
		if (Array.isArray(value)) {
			for (const element of value) if (typeof element === 'object' && element !== null) pending.push(element);
		} else if (isRecord(value)) {
			for (const key of Object.keys(value)) {
				const name = names.get(foldKey(key));
				if (name !== undefined && name !== key) return [key, name];
				const inner = value[key];
				if (typeof inner === 'object' && inner !== null) pending.push(inner);
			}
		}
	}
	return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRequest(flow: Flow, context: SessionContext, options: GuardrailsOptions, pathContext: PathContext): void {
	const method = flow.message.method!;
	// No rule to match and no approval to resume, seen without parsing the line: the text of
	// a line that was only scanned holds every key as is (classify.ts).
	if (context.policy.rules.length === 0 && flow.message.verbatim?.includes('"requestState"') === false) return;
	const params = (parsedMessage(flow)?.params ?? {}) as Record<string, unknown>;
	// No rule to match and no approval to resume: nothing to decide.
	if (context.policy.rules.length === 0 && params.requestState === undefined) return;
	const tool = method === 'tools/call' && typeof params.name === 'string' ? params.name : undefined;
	const decision = evaluatePolicy(context.policy, {
		method,
		server: context.server,
		tool,
		arguments: params.arguments,
		annotations: tool !== undefined ? context.toolAnnotations.get(tool) : undefined,
		groups: context.identity?.groups ?? [],
		pathContext,
	});
	const rule = decision.rule;
	if (tool !== undefined && resumeApprovedRetry(flow, params, context, options, rule)) return;
	if (!rule) return;
	const base = { rule: rule.name, line: rule.line ?? null, method, tool: tool ?? null, ...pathsNote(decision.paths) };
	switch (decision.action) {
		case 'allow':
		case 'log':
			flow.notes.push({ kind: 'decision', details: { ...base, action: decision.action } });
			return;
		case 'deny':
			deny(flow, rule, rule.message ?? 'denied by policy', true, pathsNote(decision.paths));
			return;
		case 'approve':
			// Nothing can wait for a call without an id: it is refused as if denied.
			if (flow.message.shape !== 'request') deny(flow, rule, `${rule.message ?? 'needs approval'} (a call without an id can't be held for approval)`);
			else holdForApproval(flow, context, options, rule, { method, tool, args: params.arguments }, decision.paths);
			return;
	}
}

/** True for a tools/call (with or without an id) naming a tool `tools.hide` hides. */
function callsHiddenTool(message: ClassifiedMessage, context: SessionContext): boolean {
	return message.method === 'tools/call' && message.tool !== undefined && isToolHidden(context.policy, message.tool);
}

/** A client's call to a hidden tool is refused like a denied call (DESIGN §4 `tools.hide`: "denied if called anyway"). */
function refuseHidden(flow: Flow, context: SessionContext): void {
	if (!callsHiddenTool(flow.message, context)) return;
	const message = `the tool '${flow.message.tool}' is not available`;
	flow.notes.push({ kind: 'decision', details: { action: 'deny', rule: 'tools.hide', message } });
	flow.answer = blockedAnswer(flow, 'tools.hide', message);
}

function holdForApproval(
	flow: Flow,
	context: SessionContext,
	options: GuardrailsOptions,
	rule: PolicyRule,
	call: { method: string; tool?: string; args: unknown },
	paths: PathMatch[] | undefined,
): void {
	const rpcKey = idKey(flow.message.id);
	const digest = callDigest(context.server, call.tool ?? call.method, call.args);
	flow.notes.push({ kind: 'decision', details: { action: 'approve', status: 'held', rule: rule.name, method: call.method, tool: call.tool ?? null, digest, ...pathsNote(paths) } });
	flow.hold = options.approvals
		.hold(
			{
				rpcKey,
				digest,
				timeoutMs: rule.timeoutMs,
				call: {
					server: context.server,
					method: options.maskText ? options.maskText(call.method) : call.method,
					tool: call.tool !== undefined && options.maskText ? options.maskText(call.tool) : call.tool,
					arguments: options.maskArguments(call.args),
					rule: rule.name,
					message: rule.message,
					...(rule.selfApprove ? { selfApprove: true } : {}),
				},
			},
			context,
		)
		.then((outcome) => settleHeld(flow, context, rule, outcome));
}

function settleHeld(flow: Flow, context: SessionContext, rule: PolicyRule, outcome: ApprovalOutcome): void {
	if (outcome.decision === 'input-required') {
		flow.notes.push({ kind: 'decision', details: { action: 'approve', status: 'input_required', rule: rule.name } });
		flow.answer = resultMessage(flow.message.id, outcome.result);
		return;
	}
	if (outcome.decision === 'cancelled') {
		flow.notes.push({ kind: 'decision', details: { action: 'approve', status: 'cancelled', rule: rule.name, reason: outcome.reason } });
		flow.swallow = true;
		return;
	}
	const details = {
		action: 'approve',
		status: outcome.decision,
		rule: rule.name,
		via: outcome.via,
		reason: outcome.reason,
		approvalId: outcome.approvalId ?? null,
		...(outcome.authority ? { authority: outcome.authority } : {}),
		// Who decided, for the auditor's view (issue 20); the reason says it in words too.
		...(outcome.decidedBy ? { decidedBy: outcome.decidedBy } : {}),
		// The approver's own words, when they gave any (also at the end of `reason`).
		...(outcome.approverReason ? { approverReason: outcome.approverReason } : {}),
	};
	flow.notes.push({ kind: 'decision', details });
	if (outcome.decision === 'denied') deny(flow, rule, `not approved: ${outcome.reason}`, false);
	// Approved by a person, still hidden: the call is refused all the same.
	else if (flow.direction === 'to-server') refuseHidden(flow, context);
}

/** How a `match.paths` rule read the path arguments, for the record: `[{argument, value, path, glob}]`. */
function pathsNote(paths: PathMatch[] | undefined): { paths?: PathMatch[] } {
	return paths && paths.length > 0 ? { paths } : {};
}

/** A modern-era retry answering our input_required question: approved → forward without our answer; refused → blocked like any denied call (DESIGN §3). */
function resumeApprovedRetry(flow: Flow, params: Record<string, unknown>, context: SessionContext, options: GuardrailsOptions, rule: PolicyRule | undefined): boolean {
	if (!isApprovalState(params.requestState)) return false;
	const outcome = options.approvals.resumeRetry(params.requestState, params.inputResponses, callDigest(context.server, params.name as string, params.arguments));
	if (!outcome) return false;
	const reason = 'reason' in outcome ? outcome.reason : 'denied';
	flow.notes.push({ kind: 'decision', details: { action: 'approve', status: outcome.decision, rule: rule?.name ?? null, via: 'input_required', reason, authority: 'local' } });
	if (outcome.decision !== 'approved') {
		flow.answer = blockedAnswer(flow, rule?.name ?? 'approval', `not approved: ${reason}`);
		return true;
	}
	const message = structuredClone(parsedMessage(flow)!) as { params: Record<string, unknown> };
	const { requestState: _state, inputResponses, ...rest } = message.params;
	const others = { ...((inputResponses as Record<string, unknown>) ?? {}) };
	delete others[APPROVAL_INPUT_KEY];
	message.params = Object.keys(others).length > 0 ? { ...rest, inputResponses: others } : rest;
	flow.rewrite = message;
	return true;
}

/** A denied tools/call gets a readable tool error; other requests get -32011 (DESIGN §3). */
function deny(flow: Flow, rule: PolicyRule, message: string, note = true, extra: Record<string, unknown> = {}): void {
	if (note) flow.notes.push({ kind: 'decision', details: { action: 'deny', rule: rule.name, line: rule.line ?? null, message, ...extra } });
	flow.answer = blockedAnswer(flow, rule.name, message);
}
