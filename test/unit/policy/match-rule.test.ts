// Rule matching (DESIGN §4 `rules`): one table per match dimension, then first-match-wins.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { evaluatePolicy, isToolHidden, matchRule, type PolicyCall } from '../../../src/policy/match-rule.js';
import type { PolicyRule, RuleMatch } from '../../../src/policy/policy-types.js';
import { fixture } from '../../helpers/mcprec.js';

const rule = (match: RuleMatch, action: PolicyRule['action'] = 'deny', name = 'r'): PolicyRule => ({ name, match, action, timeoutMs: 120_000 });
const toolCall = (tool: string, extra: Partial<PolicyCall> = {}): PolicyCall => ({ method: 'tools/call', server: 'fs', tool, ...extra });

describe('matchRule', () => {
	it.each<[string, RuleMatch, PolicyCall, boolean]>([
		['an empty match matches any request', {}, { method: 'initialize', server: 'fs' }, true],
		['an empty match matches a tool call', {}, toolCall('read_file'), true],
	])('%s', (_case, match, call, expected) => {
		expect(matchRule(rule(match), call)).toBe(expected);
	});

	it.each<[string, RuleMatch, PolicyCall, boolean]>([
		['exact method', { method: ['sampling/createMessage'] }, { method: 'sampling/createMessage', server: 'fs' }, true],
		['other method', { method: ['sampling/createMessage'] }, { method: 'tools/call', server: 'fs', tool: 'x' }, false],
		['method glob with *', { method: ['resources/*'] }, { method: 'resources/read', server: 'fs' }, true],
		['* crosses slashes', { method: ['*/list'] }, { method: 'notifications/tools/list', server: 'fs' }, true],
		['method glob is anchored', { method: ['resources/*'] }, { method: 'x/resources/read', server: 'fs' }, false],
		['method glob is case-sensitive', { method: ['Tools/call'] }, toolCall('x'), false],
		['any of a method list', { method: ['initialize', 'ping'] }, { method: 'ping', server: 'fs' }, true],
	])('method: %s', (_case, match, call, expected) => {
		expect(matchRule(rule(match), call)).toBe(expected);
	});

	it.each<[string, RuleMatch, PolicyCall, boolean]>([
		['exact tool', { tool: ['write_file'] }, toolCall('write_file'), true],
		['other tool', { tool: ['write_file'] }, toolCall('read_file'), false],
		['prefix glob', { tool: ['delete_*'] }, toolCall('delete_table'), true],
		['infix glob', { tool: ['*drop*'] }, toolCall('dropdb'), true],
		['* matches nothing too', { tool: ['delete_*'] }, toolCall('delete_'), true],
		['? is exactly one character', { tool: ['get_?'] }, toolCall('get_a'), true],
		['? is not two characters', { tool: ['get_?'] }, toolCall('get_ab'), false],
		['? is not zero characters', { tool: ['get_?'] }, toolCall('get_'), false],
		['anchored at the start', { tool: ['file'] }, toolCall('read_file'), false],
		['anchored at the end', { tool: ['read'] }, toolCall('read_file'), false],
		['case-sensitive', { tool: ['Write_File'] }, toolCall('write_file'), false],
		['regex characters are literal', { tool: ['a.b+c'] }, toolCall('axb+c'), false],
		['regex characters match themselves', { tool: ['a.b+(c)'] }, toolCall('a.b+(c)'), true],
		['brackets are literal', { tool: ['[ab]'] }, toolCall('a'), false],
		['any glob of the list', { tool: ['delete_*', '*drop*'] }, toolCall('dropdb'), true],
		['a tool rule ignores other methods', { tool: ['*'] }, { method: 'resources/read', server: 'fs' }, false],
		['a tool rule ignores tools/call without a name', { tool: ['*'] }, { method: 'tools/call', server: 'fs' }, false],
		['a tool rule with method * still needs tools/call', { tool: ['*'], method: ['*'] }, { method: 'prompts/get', server: 'fs', tool: 'x' }, false],
	])('tool: %s', (_case, match, call, expected) => {
		expect(matchRule(rule(match), call)).toBe(expected);
	});

	it.each<[string, RuleMatch, PolicyCall, boolean]>([
		['exact label', { server: ['db-prod'] }, toolCall('x', { server: 'db-prod' }), true],
		['glob', { server: ['db-*'] }, toolCall('x', { server: 'db-staging' }), true],
		['no match', { server: ['db-*'] }, toolCall('x', { server: 'fs' }), false],
		['case-sensitive', { server: ['DB-*'] }, toolCall('x', { server: 'db-prod' }), false],
		['applies to any method', { server: ['fs'] }, { method: 'resources/read', server: 'fs' }, true],
		['combined with tool (AND)', { server: ['db-*'], tool: ['drop_*'] }, toolCall('drop_table', { server: 'fs' }), false],
	])('server: %s', (_case, match, call, expected) => {
		expect(matchRule(rule(match), call)).toBe(expected);
	});

	const path = (dotPath: string, pattern: RegExp): RuleMatch => ({ args: [{ path: dotPath, pattern }] });
	it.each<[string, RuleMatch, unknown, boolean]>([
		['a top-level string', path('path', /^\/etc\//), { path: '/etc/passwd' }, true],
		['a top-level string that does not match', path('path', /^\/etc\//), { path: '/home/me' }, false],
		['regexes are not anchored unless asked', path('path', /etc/), { path: '/home/etc' }, true],
		['a missing argument', path('path', /.*/), { other: 'x' }, false],
		['no arguments at all', path('path', /.*/), undefined, false],
		['a nested path', path('options.target.host', /^prod/), { options: { target: { host: 'prod-1' } } }, true],
		['a nested path that stops early', path('options.target.host', /.*/), { options: { target: 'prod' } }, false],
		['a numeric segment indexes an array', path('paths.1', /secret/), { paths: ['a', 'secret.txt'] }, true],
		['a numeric segment out of range', path('paths.5', /.*/), { paths: ['a'] }, false],
		['a numeric segment on an object is a key', path('map.0', /x/), { map: { 0: 'x' } }, true],
		['an array value matches when any string element does', path('paths', /^\/etc\//), { paths: ['/tmp/a', '/etc/shadow'] }, true],
		['an array value where no element matches', path('paths', /^\/etc\//), { paths: ['/tmp/a', '/tmp/b'] }, false],
		['an empty array', path('paths', /.*/), { paths: [] }, false],
		['a name segment looks into each array element', path('edits.newText', /rm -rf/), { edits: [{ newText: 'ok' }, { newText: 'rm -rf /' }] }, true],
		['a number is matched as its JSON text', path('count', /^1\d\d$/), { count: 150 }, true],
		['a negative number', path('delta', /^-/), { delta: -3 }, true],
		['a boolean is matched as its JSON text', path('force', /^true$/), { force: true }, true],
		['a false boolean', path('force', /^true$/), { force: false }, false],
		['null never matches', path('value', /null/), { value: null }, false],
		['an object never matches', path('value', /.*/), { value: { a: 'b' } }, false],
		['inherited properties are not arguments', path('constructor', /.*/), {}, false],
		['every args entry must match (AND)', { args: [{ path: 'a', pattern: /x/ }, { path: 'b', pattern: /y/ }] }, { a: 'x', b: 'z' }, false],
		['both args entries match', { args: [{ path: 'a', pattern: /x/ }, { path: 'b', pattern: /y/ }] }, { a: 'x', b: 'y' }, true],
		['a global regex matches the same way every time', path('a', /x/g), { a: 'x' }, true],
	])('args: %s', (_case, match, args, expected) => {
		expect(matchRule(rule(match), toolCall('t', { arguments: args }))).toBe(expected);
		// Twice: no hidden state (such as a regex's lastIndex) changes the answer.
		expect(matchRule(rule(match), toolCall('t', { arguments: args }))).toBe(expected);
	});

	it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, boolean]>([
		['a given hint that equals', { readOnlyHint: true }, { readOnlyHint: true }, true],
		['a given hint that differs', { readOnlyHint: false }, { readOnlyHint: true }, false],
		['absent readOnlyHint defaults to false', { readOnlyHint: false }, {}, true],
		['absent destructiveHint defaults to true', { destructiveHint: true }, { readOnlyHint: false }, true],
		['absent idempotentHint defaults to false', { idempotentHint: false }, {}, true],
		['absent openWorldHint defaults to true', { openWorldHint: false }, {}, false],
		['unknown annotations use the defaults', { readOnlyHint: false, destructiveHint: true }, undefined, true],
		['every given hint must equal (AND)', { readOnlyHint: true, destructiveHint: false }, { readOnlyHint: true, destructiveHint: true }, false],
	])('annotations: %s', (_case, annotations, toolAnnotations, expected) => {
		expect(matchRule(rule({ annotations }), toolCall('t', toolAnnotations ? { annotations: toolAnnotations } : {}))).toBe(expected);
	});

	it('annotations only match tools/call', () => {
		expect(matchRule(rule({ annotations: { readOnlyHint: false } }), { method: 'initialize', server: 'fs' })).toBe(false);
	});

	it.each<[string, string[], string[] | undefined, boolean]>([
		['the user is in the group', ['contractors'], ['staff', 'contractors'], true],
		['the user is in another group', ['contractors'], ['staff'], false],
		['any of the groups', ['a', 'b'], ['b'], true],
		['no groups (not signed in)', ['contractors'], undefined, false],
		['group names are exact, not globs', ['contract*'], ['contractors'], false],
	])('groups: %s', (_case, groups, userGroups, expected) => {
		expect(matchRule(rule({ groups }), toolCall('t', userGroups ? { groups: userGroups } : {}))).toBe(expected);
	});
});

describe('evaluatePolicy', () => {
	const policy = parsePolicy(fs.readFileSync(fixture('policies/example.yaml'), 'utf8'), 'policy.yaml');

	it.each<[string, PolicyCall, string | undefined, string]>([
		['a write under /etc', toolCall('write_file', { arguments: { path: '/etc/hosts' } }), 'no-etc-writes', 'deny'],
		['a write elsewhere', toolCall('write_file', { arguments: { path: '/tmp/x' } }), undefined, 'allow'],
		['a delete on a database server', toolCall('delete_rows', { server: 'db-prod' }), 'confirm-deletes', 'approve'],
		['a delete on another server', toolCall('delete_rows', { server: 'fs' }), undefined, 'allow'],
		['a contractor calling a non-read-only tool', toolCall('run', { groups: ['contractors'] }), 'contractors-read-only', 'deny'],
		['a contractor calling a read-only tool', toolCall('read', { groups: ['contractors'], annotations: { readOnlyHint: true } }), undefined, 'allow'],
		['a sampling request', { method: 'sampling/createMessage', server: 'fs' }, 'no-sampling', 'deny'],
		['initialize from a contractor', { method: 'initialize', server: 'fs', groups: ['contractors'] }, undefined, 'allow'],
	])('%s', (_case, call, ruleName, action) => {
		const decision = evaluatePolicy(policy, call);
		expect(decision.rule?.name).toBe(ruleName);
		expect(decision.action).toBe(action);
	});

	it('takes the first matching rule', () => {
		const rules = [rule({ tool: ['a*'] }, 'log', 'first'), rule({ tool: ['ab'] }, 'deny', 'second')];
		expect(evaluatePolicy({ rules }, toolCall('ab'))).toEqual({ rule: rules[0], action: 'log' });
		expect(evaluatePolicy({ rules: rules.slice().reverse() }, toolCall('ab'))).toEqual({ rule: rules[1], action: 'deny' });
	});

	it('allows when nothing matches, and with no rules', () => {
		expect(evaluatePolicy({ rules: [rule({ tool: ['x'] })] }, toolCall('y'))).toEqual({ action: 'allow' });
		expect(evaluatePolicy({ rules: [] }, toolCall('y'))).toEqual({ action: 'allow' });
	});

	it('knows hidden tools', () => {
		expect(isToolHidden(policy, 'admin_users')).toBe(true);
		expect(isToolHidden(policy, 'read_admin')).toBe(false);
	});
});
