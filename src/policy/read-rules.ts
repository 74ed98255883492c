// The `rules:` section of a policy (DESIGN §4): an ordered list, first match wins.

import os from 'node:os';
import { isScalar, isSeq, type Node } from 'yaml';
import { matchesAnyGlob } from './match-glob.js';
import { CASE_INSENSITIVE_PATHS, compilePathGlob } from './path-glob.js';
import { parseTimeout } from './parse-timeout.js';
import type { Entry, PolicyNodes } from './policy-nodes.js';
import type { PolicyRule, RuleAction, RuleMatch } from './policy-types.js';

const RULE_KEYS = ['name', 'match', 'action', 'message', 'timeout', 'selfApprove'] as const;
const MATCH_KEYS = ['method', 'tool', 'server', 'args', 'paths', 'annotations', 'groups'] as const;
const ACTIONS: readonly RuleAction[] = ['allow', 'deny', 'approve', 'log'];
/** ToolAnnotations hints (MCP 2025-03-26 and later) a rule may match on; all are booleans. */
export const ANNOTATION_HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;

export function readRules(nodes: PolicyNodes, node: Node | null): PolicyRule[] {
	if (!isSeq(node)) nodes.fail(node, `rules must be a list of rules, found ${nodes.describe(node)}`);
	const firstLines = new Map<string, number | undefined>();
	return node.items.map((item, index) => {
		const rule = readRule(nodes, nodes.resolve(item) ?? node, index);
		if (firstLines.has(rule.name)) {
			nodes.fail(item, `rule '${rule.name}': duplicate rule name (first defined on line ${firstLines.get(rule.name)})`);
		}
		firstLines.set(rule.name, rule.line);
		return rule;
	});
}

function readRule(nodes: PolicyNodes, node: Node, index: number): PolicyRule {
	const label = `rule #${index + 1}`;
	// The name first, so that every later complaint can say which rule it is about.
	const entries = nodes.entries(node, { what: label, keys: RULE_KEYS, where: '', keyContext: `in ${label}` });
	const nameEntry = entries.get('name');
	if (!nameEntry) nodes.fail(node, `${label}: missing 'name'`);
	const name = nodes.string(nameEntry, { what: 'name', where: `${label}: ` });
	const where = `rule '${name}': `;

	const matchEntry = entries.get('match');
	if (!matchEntry) nodes.fail(node, `${where}missing 'match' (use match: {} to match every request)`);
	const match = readMatch(nodes, matchEntry, where);

	const actionEntry = entries.get('action');
	if (!actionEntry) nodes.fail(node, `${where}missing 'action' (expected ${ACTIONS.join(', ')})`);
	const action = nodes.oneOf(actionEntry, { what: 'action', choices: ACTIONS, where });

	const messageEntry = entries.get('message');
	const message = messageEntry ? nodes.string(messageEntry, { what: 'message', where }) : undefined;

	let timeoutMs = DEFAULT_APPROVAL_TIMEOUT_MS;
	const timeoutEntry = entries.get('timeout');
	if (timeoutEntry) {
		if (action !== 'approve') nodes.fail(timeoutEntry.key, `${where}timeout only applies to action approve (this rule's action is ${action})`);
		const raw = isScalar(timeoutEntry.value) ? timeoutEntry.value.value : undefined;
		const parsed = parseTimeout(raw);
		if (parsed === undefined) {
			nodes.fail(nodes.at(timeoutEntry), `${where}invalid timeout ${nodes.describe(timeoutEntry.value)} (expected a duration like 500ms, 120s or 2m, or a number of seconds)`);
		}
		timeoutMs = parsed;
	}

	let selfApprove: boolean | undefined;
	const selfApproveEntry = entries.get('selfApprove');
	if (selfApproveEntry) {
		if (action !== 'approve') nodes.fail(selfApproveEntry.key, `${where}selfApprove only applies to action approve (this rule's action is ${action})`);
		selfApprove = nodes.boolean(selfApproveEntry, { what: 'selfApprove', where });
	}
	return { name, match, action, ...(message === undefined ? {} : { message }), timeoutMs, ...(selfApprove === undefined ? {} : { selfApprove }), line: nodes.lineOf(node) };
}

function readMatch(nodes: PolicyNodes, entry: Entry, where: string): RuleMatch {
	const entries = nodes.entries(entry.value ?? entry.key, { what: 'match', keys: MATCH_KEYS, where, keyContext: 'in match' });
	const match: RuleMatch = {};
	const globs = (key: 'method' | 'tool' | 'server', item: string) => {
		const field = entries.get(key);
		if (field) match[key] = nodes.stringList(field, { what: `match.${key}`, item, where, nonEmpty: true }).map((glob) => glob.value);
	};
	globs('method', 'a method glob');
	globs('tool', 'a tool name glob');
	globs('server', 'a server label glob');

	const groups = entries.get('groups');
	if (groups) match.groups = nodes.stringList(groups, { what: 'match.groups', item: 'a group name', where, nonEmpty: true }).map((group) => group.value);

	const args = entries.get('args');
	if (args) match.args = readArgs(nodes, args, where);

	const paths = entries.get('paths');
	if (paths) match.paths = readPaths(nodes, paths, where);

	const annotations = entries.get('annotations');
	if (annotations) match.annotations = readAnnotations(nodes, annotations, where);

	// `tool` and `annotations` only ever match tools/call; a method that excludes it is a mistake.
	if (match.method && !matchesAnyGlob(match.method, 'tools/call')) {
		const toolOnly = match.tool ? 'tool' : match.annotations ? 'annotations' : undefined;
		if (toolOnly) {
			nodes.fail(nodes.at(entries.get(toolOnly)!), `${where}match.${toolOnly} only applies to tools/call, but match.method is ${match.method.map((method) => `'${method}'`).join(', ')}`);
		}
	}
	return match;
}

function readArgs(nodes: PolicyNodes, entry: Entry, where: string): NonNullable<RuleMatch['args']> {
	const expected = 'a mapping of argument path to regex, e.g. { path: "^/etc/" }';
	if (entry.value === null) nodes.fail(entry.key, `${where}match.args must be ${expected}, found nothing`);
	const items = nodes.freeEntries(entry.value, { what: 'match.args', where });
	if (items.length === 0) nodes.fail(nodes.at(entry), `${where}match.args is empty (expected ${expected})`);
	return items.map((item) => {
		const path = readArgumentPath(nodes, item, where, 'match.args');
		const value = item.value;
		if (!isScalar(value) || typeof value.value !== 'string') {
			nodes.fail(nodes.at(item), `${where}match.args.${path} must be a regex as a string, found ${nodes.describe(value)} (quote it, e.g. '^${isScalar(value) && value.value !== null ? String(value.value) : 'value'}$')`);
		}
		try {
			return { path, pattern: new RegExp(value.value) };
		} catch (error) {
			nodes.fail(value, `${where}invalid regex '${value.value}' in match.args.${path} (${(error as Error).message})`);
		}
	});
}

function readPaths(nodes: PolicyNodes, entry: Entry, where: string): NonNullable<RuleMatch['paths']> {
	const expected = 'a mapping of argument path to path globs, e.g. { path: "/etc/**" }';
	if (entry.value === null) nodes.fail(entry.key, `${where}match.paths must be ${expected}, found nothing`);
	const items = nodes.freeEntries(entry.value, { what: 'match.paths', where });
	if (items.length === 0) nodes.fail(nodes.at(entry), `${where}match.paths is empty (expected ${expected})`);
	const options = { home: os.homedir(), ignoreCase: CASE_INSENSITIVE_PATHS };
	return items.map((item) => {
		const path = readArgumentPath(nodes, item, where, 'match.paths');
		const globs = nodes.stringList(item, { what: `match.paths.${path}`, item: 'a path glob like /etc/**', where, nonEmpty: true });
		return {
			path,
			globs: globs.map((glob) => {
				try {
					return compilePathGlob(glob.value, options);
				} catch (error) {
					nodes.fail(glob.node, `${where}match.paths.${path}: ${(error as Error).message}`);
				}
			}),
		};
	});
}

function readArgumentPath(nodes: PolicyNodes, item: Entry, where: string, what: string): string {
	const path = String((item.key as { value?: unknown }).value);
	if (path.split('.').some((segment) => segment === '')) {
		nodes.fail(item.key, `${where}invalid argument path '${path}' in ${what} (expected names separated by dots, e.g. options.target or paths.0)`);
	}
	return path;
}

function readAnnotations(nodes: PolicyNodes, entry: Entry, where: string): Record<string, boolean> {
	const expected = `a mapping of ${ANNOTATION_HINTS.join(', ')} to true or false`;
	if (entry.value === null) nodes.fail(entry.key, `${where}match.annotations must be ${expected}, found nothing`);
	const items = nodes.freeEntries(entry.value, { what: 'match.annotations', where });
	if (items.length === 0) nodes.fail(nodes.at(entry), `${where}match.annotations is empty (expected ${expected})`);
	const annotations: Record<string, boolean> = {};
	for (const item of items) {
		const hint = String((item.key as { value?: unknown }).value);
		if (!(ANNOTATION_HINTS as readonly string[]).includes(hint)) {
			nodes.fail(item.key, `${where}unknown annotation '${hint}' in match (expected ${ANNOTATION_HINTS.join(', ')})`);
		}
		annotations[hint] = nodes.boolean(item, { what: `match.annotations.${hint}`, where });
	}
	return annotations;
}
