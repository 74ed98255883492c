// Decides which policy rule a request falls under (DESIGN §4 `rules`): every field a rule
// gives must match (AND); the first matching rule wins; no match allows the request.

import { matchesAnyGlob } from './match-glob.js';
import type { Policy, PolicyRule, RuleAction, RuleMatch } from './policy-types.js';

/** The facts about one request that rules can match on. */
export interface PolicyCall {
	/** JSON-RPC method, e.g. `tools/call`. */
	method: string;
	/** Server label of the session. */
	server: string;
	/** `params.name` of a tools/call. */
	tool?: string;
	/** `params.arguments` of a tools/call. */
	arguments?: unknown;
	/** The tool's annotations from the server's own tools/list, when known. */
	annotations?: Record<string, unknown>;
	/** Groups of the signed-in user. */
	groups?: string[];
}

export interface PolicyDecision {
	rule?: PolicyRule;
	action: RuleAction;
}

/** MCP ToolAnnotations defaults (schema since 2025-03-26): what an absent hint means. */
const ANNOTATION_DEFAULTS: Record<string, unknown> = {
	readOnlyHint: false,
	destructiveHint: true,
	idempotentHint: false,
	openWorldHint: true,
};

export function evaluatePolicy(policy: Pick<Policy, 'rules'>, call: PolicyCall): PolicyDecision {
	const rule = policy.rules.find((candidate) => matchRule(candidate, call));
	return rule ? { rule, action: rule.action } : { action: 'allow' };
}

/** True when `tool` is hidden by `tools.hide` (removed from tools/list, denied if called anyway). */
export function isToolHidden(policy: Pick<Policy, 'tools'>, tool: string): boolean {
	return matchesAnyGlob(policy.tools.hide, tool);
}

export function matchRule(rule: Pick<PolicyRule, 'match'>, call: PolicyCall): boolean {
	const { match } = rule;
	return matchesMethod(match, call) && matchesTool(match, call) && matchesServer(match, call) && matchesArgs(match, call) && matchesAnnotations(match, call) && matchesGroups(match, call);
}

function matchesMethod(match: RuleMatch, call: PolicyCall): boolean {
	// Tool names and annotations only exist on tools/call, whatever `method` says.
	if ((match.tool || match.annotations) && call.method !== 'tools/call') return false;
	return !match.method || matchesAnyGlob(match.method, call.method);
}

function matchesTool(match: RuleMatch, call: PolicyCall): boolean {
	return !match.tool || (call.tool !== undefined && matchesAnyGlob(match.tool, call.tool));
}

function matchesServer(match: RuleMatch, call: PolicyCall): boolean {
	return !match.server || matchesAnyGlob(match.server, call.server);
}

function matchesGroups(match: RuleMatch, call: PolicyCall): boolean {
	return !match.groups || (call.groups ?? []).some((group) => match.groups!.includes(group));
}

function matchesAnnotations(match: RuleMatch, call: PolicyCall): boolean {
	if (!match.annotations) return true;
	return Object.entries(match.annotations).every(([key, expected]) => {
		const actual = call.annotations && Object.hasOwn(call.annotations, key) && call.annotations[key] !== undefined ? call.annotations[key] : ANNOTATION_DEFAULTS[key];
		return actual === expected;
	});
}

function matchesArgs(match: RuleMatch, call: PolicyCall): boolean {
	if (!match.args) return true;
	return match.args.every(({ path, pattern }) => valuesAt(call.arguments, path.split('.')).some((value) => matchesValue(pattern, value)));
}

// Strings are matched as they are, numbers and booleans as their JSON text; arrays match
// when any element does; objects, null and missing values never match.
function matchesValue(pattern: RegExp, value: unknown): boolean {
	if (Array.isArray(value)) return value.some((element) => !Array.isArray(element) && matchesValue(pattern, element));
	if (typeof value === 'string') return testOnce(pattern, value);
	if (typeof value === 'number' || typeof value === 'boolean') return testOnce(pattern, JSON.stringify(value));
	return false;
}

function testOnce(pattern: RegExp, text: string): boolean {
	// A global or sticky regex remembers lastIndex between calls; matching must not depend on history.
	pattern.lastIndex = 0;
	return pattern.test(text);
}

// The values a dot path reaches. A numeric segment indexes an array; any other segment
// applied to an array looks into every element (`edits.newText` covers each edit).
function valuesAt(root: unknown, segments: string[]): unknown[] {
	let current: unknown[] = [root];
	for (const segment of segments) {
		const next: unknown[] = [];
		for (const value of current) {
			if (Array.isArray(value)) {
				if (/^\d+$/.test(segment)) {
					const index = Number(segment);
					if (index < value.length) next.push(value[index]);
				} else {
					for (const element of value) if (isRecord(element) && Object.hasOwn(element, segment)) next.push(element[segment]);
				}
			} else if (isRecord(value) && Object.hasOwn(value, segment)) {
				next.push(value[segment]);
			}
		}
		current = next;
	}
	return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
