// Decides which policy rule a request falls under (DESIGN §4 `rules`): every field a rule
// gives must match (AND); the first matching rule wins; no match allows the request.

import os from 'node:os';
import { matchesAnyGlob } from './match-glob.js';
import { matchesPathGlob } from './path-glob.js';
import { pathReadings, type PathContext } from './path-readings.js';
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
	/** How relative path arguments are resolved for `match.paths` (default: this process's working directory and home). */
	pathContext?: PathContext;
}

/** One path argument as a `match.paths` rule read it. */
export interface PathMatch {
	/** The argument's dot path, e.g. `path` or `edits.0.file`. */
	argument: string;
	/** As the call spelled it. */
	value: string;
	/** The normalised absolute path it was read as. */
	path: string;
	/** The glob that path fell under. */
	glob: string;
}

export interface PolicyDecision {
	rule?: PolicyRule;
	action: RuleAction;
	/** For a rule with `match.paths`: the readings of the path arguments that made it match. */
	paths?: PathMatch[];
}

/** MCP ToolAnnotations defaults (schema since 2025-03-26): what an absent hint means. */
const ANNOTATION_DEFAULTS: Record<string, unknown> = {
	readOnlyHint: false,
	destructiveHint: true,
	idempotentHint: false,
	openWorldHint: true,
};

export function evaluatePolicy(policy: Pick<Policy, 'rules'>, call: PolicyCall): PolicyDecision {
	for (const rule of policy.rules) {
		// Only rules on paths collect how they read them: the others stay allocation-free.
		const paths: PathMatch[] | undefined = rule.match.paths ? [] : undefined;
		if (matchRule(rule, call, paths)) return paths ? { rule, action: rule.action, paths } : { rule, action: rule.action };
	}
	return { action: 'allow' };
}

/** True when `tool` is hidden by `tools.hide` (removed from tools/list, denied if called anyway). */
export function isToolHidden(policy: Pick<Policy, 'tools'>, tool: string): boolean {
	return matchesAnyGlob(policy.tools.hide, tool);
}

/** True when every field of the rule's match holds for the call; `paths` collects how its path arguments were read. */
export function matchRule(rule: Pick<PolicyRule, 'match'> & Partial<Pick<PolicyRule, 'action'>>, call: PolicyCall, paths?: PathMatch[]): boolean {
	const { match } = rule;
	return (
		matchesMethod(match, call) &&
		matchesTool(match, call) &&
		matchesServer(match, call) &&
		matchesArgs(match, call) &&
		matchesPaths(match, rule.action ?? 'deny', call, paths) &&
		matchesAnnotations(match, call) &&
		matchesGroups(match, call)
	);
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

// A path argument may mean several paths (path-readings.ts). A rule that stops or holds a
// call (deny, approve) matches when any reading of any value falls under its globs; a rule
// that lets a call through (allow, log: both end the search) only when every reading of
// every value does, so an ambiguous spelling never slips past a later deny.
function matchesPaths(match: RuleMatch, action: RuleAction, call: PolicyCall, explain?: PathMatch[]): boolean {
	if (!match.paths) return true;
	const every = action === 'allow' || action === 'log';
	const context = call.pathContext ?? defaultPathContext();
	const found: PathMatch[] = [];
	for (const { path: argument, globs } of match.paths) {
		const values = valuesAt(call.arguments, argument.split('.')).flatMap((value) => (Array.isArray(value) ? value : [value]));
		let matched = false;
		for (const value of values) {
			const readings = typeof value === 'string' ? pathReadings(value, context) : [];
			if (readings.length === 0 && every) return false;
			for (const path of readings) {
				const glob = globs.find((candidate) => matchesPathGlob(candidate, path));
				if (glob) {
					matched = true;
					found.push({ argument, value: value as string, path, glob: glob.source });
				} else if (every) return false;
			}
		}
		if (!matched) return false;
	}
	explain?.push(...found);
	return true;
}

let processPathContext: PathContext | undefined;

/** This process's working directory and home: where a server started by `mcprec run` resolves relative paths. */
export function defaultPathContext(): PathContext {
	processPathContext ??= { bases: [process.cwd()], home: os.homedir() };
	return processPathContext;
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
