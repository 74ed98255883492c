// Guardrails stage (DESIGN §3 step 2): matches requests in both directions against the
// policy rules — allow, deny, approve (hold for a person), log — first match wins.

import { callDigest } from '../approvals/call-digest.js';
import { isApprovalState, type ApprovalBroker, type ApprovalOutcome } from '../approvals/approval-broker.js';
import { APPROVAL_INPUT_KEY } from '../approvals/approval-prompt.js';
import { defaultPathContext, evaluatePolicy, isToolHidden, type PathMatch } from '../policy/match-rule.js';
import type { PathContext } from '../policy/path-readings.js';
import type { PolicyRule } from '../policy/policy-types.js';
import { idKey } from '../jsonrpc/classify.js';
import { findDuplicateKeys } from '../jsonrpc/find-duplicate-keys.js';
import { ErrorCode } from '../jsonrpc/rpc-errors.js';
import { blockedAnswer, errorMessage, parsedMessage, resultMessage, type Flow } from '../pipeline/flow.js';
import type { SessionContext } from '../pipeline/session-context.js';
import type { Stage } from '../pipeline/stage.js';

export interface GuardrailsOptions {
	approvals: ApprovalBroker;
	/** A masked copy of a call's arguments, complete, for the person who approves it. */
	maskArguments: (args: unknown) => unknown;
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
			if (flow.message.shape !== 'request') return;
			if (flow.message.method === 'tools/call' && guardsCalls(context) && refuseSmuggledKeys(flow)) return;
			checkRequest(flow, context, options, paths.context);
		},
		toClient(flow, context) {
			// Server→client requests (sampling/createMessage, elicitation/create, roots/list) obey `method` rules too.
			if (flow.message.shape === 'request') checkRequest(flow, context, options, paths.context);
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
// denies, holds or hides is refused whole, and the client can send its calls one by one.
function refuseGuardedBatch(flow: Flow, context: SessionContext, pathContext: PathContext): void {
	const requests = (flow.message.items ?? []).filter((item) => item.shape === 'request');
	if (requests.length === 0 && flow.message.items?.length) return;
	const guarded = requests.find((item) => {
		const params = ((item.parsed as { params?: Record<string, unknown> } | undefined)?.params ?? {}) as Record<string, unknown>;
		if (item.tool !== undefined && isToolHidden(context.policy, item.tool)) return true;
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
	const unchecked = requests.length === 0 && context.policy.rules.length > 0;
	if (!guarded && !unchecked) return;
	const message = unchecked
		? 'this batch is too large to check against the policy; send its calls one by one'
		: `this batch contains a '${guarded!.tool ?? guarded!.method}' call that the policy denies or holds; send its calls one by one`;
	flow.answer = requests.map((item) => errorMessage(item.id, ErrorCode.policyDenied, `Blocked by policy: ${message}`, { rule: 'batch', message }));
	if (requests.length === 0) flow.answer = [errorMessage(null, ErrorCode.policyDenied, `Blocked by policy: ${message}`)];
	flow.notes.push({ kind: 'decision', details: { action: 'deny', rule: 'batch', message } });
}

// Duplicate keys matter where a decision rests on the tool name or arguments: rules and
// hidden tools. Without either nothing can be smuggled past a check, and the record keeps
// the request's exact bytes, both keys included; skipping the byte walk then saves the
// most expensive step of a plain call.
function guardsCalls(context: SessionContext): boolean {
	return context.policy.rules.length > 0 || context.policy.tools.hide.length > 0;
}

function refuseSmuggledKeys(flow: Flow): boolean {
	const pair = findDuplicateKeys(flow.frame);
	if (!pair) return false;
	const message = `tools/call has the keys '${pair[0]}' and '${pair[1]}'; duplicate or case-variant keys are refused so a lenient server can't be sent a different call than the one checked`;
	flow.answer = errorMessage(flow.message.id, ErrorCode.invalidRequest, message);
	flow.notes.push({ kind: 'decision', details: { action: 'deny', rule: 'duplicate-keys', message } });
	return true;
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
			holdForApproval(flow, context, options, rule, { method, tool, args: params.arguments });
			return;
	}
}

function holdForApproval(
	flow: Flow,
	context: SessionContext,
	options: GuardrailsOptions,
	rule: PolicyRule,
	call: { method: string; tool?: string; args: unknown },
): void {
	const rpcKey = idKey(flow.message.id);
	const digest = callDigest(context.server, call.tool ?? call.method, call.args);
	flow.notes.push({ kind: 'decision', details: { action: 'approve', status: 'held', rule: rule.name, method: call.method, tool: call.tool ?? null, digest } });
	flow.hold = options.approvals
		.hold(
			{
				rpcKey,
				digest,
				timeoutMs: rule.timeoutMs,
				call: {
					server: context.server,
					method: call.method,
					tool: call.tool,
					arguments: options.maskArguments(call.args),
					rule: rule.name,
					message: rule.message,
					...(rule.selfApprove ? { selfApprove: true } : {}),
				},
			},
			context,
		)
		.then((outcome) => settleHeld(flow, rule, outcome));
}

function settleHeld(flow: Flow, rule: PolicyRule, outcome: ApprovalOutcome): void {
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
	};
	flow.notes.push({ kind: 'decision', details });
	if (outcome.decision === 'denied') deny(flow, rule, `not approved: ${outcome.reason}`, false);
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
