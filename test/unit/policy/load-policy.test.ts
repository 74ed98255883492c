// Policy loading (DESIGN §4): the contract example parses, and every kind of mistake is
// reported as `file:line: what was found (what was expected)`.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, KNOWN_DETECTORS, loadPolicyFile, parsePolicy } from '../../../src/policy/load-policy.js';
import { PolicyError } from '../../../src/policy/policy-types.js';
import { fixture } from '../../helpers/mcprec.js';

const example = fixture('policies/example.yaml');

function errorOf(text: string, source = 'policy.yaml'): string {
	try {
		parsePolicy(text, source);
	} catch (error) {
		expect(error).toBeInstanceOf(PolicyError);
		return (error as Error).message;
	}
	throw new Error('expected a PolicyError');
}

/** A one-rule policy whose rule has the given YAML lines (rule starts on line 3). */
const rule = (...lines: string[]) => ['version: 1', 'rules:', `  - ${lines[0]}`, ...lines.slice(1).map((line) => `    ${line}`)].join('\n');

describe('loadPolicyFile', () => {
	it('parses the DESIGN §4 example into the Policy shape', () => {
		const policy = loadPolicyFile(example);
		expect(policy.version).toBe(1);
		expect(policy.source).toBe(example);
		expect(policy.mask).toEqual({
			detectors: ['secrets'],
			exclude: ['jwt'],
			custom: [{ name: 'employee-id', pattern: /EMP-[0-9]{6}/ }],
			fields: ['password', 'api_key', '*secret*', '*token*'],
			strategy: 'redact',
			requests: 'record',
		});
		expect(policy.rules.map((entry) => [entry.name, entry.action, entry.line])).toEqual([
			['no-etc-writes', 'deny', 11],
			['confirm-deletes', 'approve', 15],
			['contractors-read-only', 'deny', 19],
			['no-sampling', 'deny', 22],
		]);
		expect(policy.rules[0]).toMatchObject({ match: { tool: ['write_file'], args: [{ path: 'path', pattern: /^\/etc\// }] }, message: 'Writes under /etc are not allowed', timeoutMs: 120_000 });
		expect(policy.rules[1].match).toEqual({ tool: ['delete_*', '*drop*'], server: ['db-*'] });
		expect(policy.rules[2].match).toEqual({ groups: ['contractors'], annotations: { readOnlyHint: false } });
		expect(policy.rules[3].match).toEqual({ method: ['sampling/createMessage'] });
		expect(policy.tools).toEqual({ hide: ['admin_*'], pin: 'alert' });
		expect(policy.record).toEqual({ onError: 'block' });
		expect(policy.identity).toEqual({ required: false });
	});

	it('requires a login when a rule matches on groups, unless identity.required says otherwise', () => {
		const groupsRule = 'version: 1\nrules:\n  - name: contractors\n    match: { groups: [contractors] }\n    action: deny\n';
		expect(parsePolicy(groupsRule, 'p.yaml').identity).toEqual({ required: true, because: "rule 'contractors' matches on groups" });
		expect(parsePolicy(`${groupsRule}identity:\n  required: false\n`, 'p.yaml').identity).toEqual({ required: false });
		expect(parsePolicy(`${groupsRule}identity: {}\n`, 'p.yaml').identity).toMatchObject({ required: true });
		expect(parsePolicy('version: 1\nrules:\n  - name: x\n    match: { tool: a }\n    action: deny\n', 'p.yaml').identity).toEqual({ required: false });
	});

	it('digests the file bytes with SHA-256', () => {
		const bytes = fs.readFileSync(example);
		expect(loadPolicyFile(example).digest).toBe(createHash('sha256').update(bytes).digest('hex'));
		expect(parsePolicy(bytes.toString('utf8'), 'x').digest).toBe(loadPolicyFile(example).digest);
		expect(parsePolicy(`${bytes.toString('utf8')}\n# changed`, 'x').digest).not.toBe(loadPolicyFile(example).digest);
	});

	it('reads the same policy written as JSON', () => {
		const yamlPolicy = loadPolicyFile(example);
		const json = JSON.stringify({
			version: 1,
			mask: { detectors: ['secrets'], exclude: ['jwt'], custom: [{ name: 'employee-id', pattern: 'EMP-[0-9]{6}' }], fields: ['password', 'api_key', '*secret*', '*token*'], strategy: 'redact', requests: 'record' },
			rules: [
				{ name: 'no-etc-writes', match: { tool: 'write_file', args: { path: '^/etc/' } }, action: 'deny', message: 'Writes under /etc are not allowed' },
				{ name: 'confirm-deletes', match: { tool: ['delete_*', '*drop*'], server: 'db-*' }, action: 'approve', timeout: 120 },
				{ name: 'contractors-read-only', match: { groups: ['contractors'], annotations: { readOnlyHint: false } }, action: 'deny' },
				{ name: 'no-sampling', match: { method: 'sampling/createMessage' }, action: 'deny' },
			],
			tools: { hide: ['admin_*'], pin: 'alert' },
			record: { onError: 'block' },
			identity: { required: false },
		}, null, 2);
		const jsonPolicy = parsePolicy(json, 'policy.json');
		const withoutPlace = (policy: typeof yamlPolicy) => ({ ...policy, source: '', digest: '', text: '', rules: policy.rules.map(({ line: _line, ...rest }) => rest) });
		expect(withoutPlace(jsonPolicy)).toEqual(withoutPlace(yamlPolicy));
		expect(jsonPolicy.rules[1].line).toBe(json.split('\n').findIndex((line) => line.includes('"confirm-deletes"')));
		expect(errorOf('{"version": 1, "rules": [{"name": "x", "match": {}, "action": "block"}]}', 'policy.json')).toBe(
			"policy.json:1: rule 'x': unknown action 'block' (expected allow, deny, approve, log)",
		);
	});

	it('fills in defaults for a minimal policy', () => {
		const policy = parsePolicy('version: 1\n', 'policy.yaml');
		expect({ ...policy, digest: '' }).toEqual({ ...defaultPolicy(), source: 'policy.yaml', digest: '', text: 'version: 1\n' });
		expect(parsePolicy('version: 1\nmask:\nrules:\n', 'p').rules).toEqual([]);
	});

	it('reports an unreadable file with its name', () => {
		const missing = path.join(os.tmpdir(), 'mcprec-no-such-policy.yaml');
		expect(() => loadPolicyFile(missing)).toThrow(`${missing}: cannot read the policy file (no such file)`);
		expect(() => loadPolicyFile(os.tmpdir())).toThrow(`${os.tmpdir()}: cannot read the policy file (it is a directory)`);
	});
});

describe('defaultPolicy', () => {
	it('records everything, masks secrets and allows everything, with a stable digest', () => {
		const policy = defaultPolicy();
		expect(policy).toMatchObject({
			version: 1,
			source: 'built-in default',
			mask: { detectors: ['secrets'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' },
			rules: [],
			tools: { hide: [], pin: 'off' },
			record: { onError: 'block' },
			identity: { required: false },
		});
		expect(policy.digest).toBe(createHash('sha256').update('mcprec-default-policy-v1').digest('hex'));
		expect(defaultPolicy()).not.toBe(policy);
	});
});

describe('KNOWN_DETECTORS', () => {
	it('lists the built-in detectors, and each one is accepted by name', () => {
		expect(KNOWN_DETECTORS).toHaveLength(24);
		for (const name of KNOWN_DETECTORS) expect(parsePolicy(stringify({ version: 1, mask: { detectors: [name], exclude: [name] } }), 'p').mask.detectors).toEqual([name]);
	});
});

describe('policy errors', () => {
	it.each([
		// The file as a whole.
		['an empty file', '', "policy.yaml: the policy is empty (expected at least 'version: 1')"],
		['only comments', '# nothing yet\n', "policy.yaml: the policy is empty (expected at least 'version: 1')"],
		['a list at the top', '- version: 1\n', 'policy.yaml:1: a policy must be a mapping (version, rules, mask, …), found a list'],
		['a YAML syntax error', 'version: 1\nrules: [\n  - name: x\n', 'policy.yaml:3: YAML syntax error: Block collections are not allowed within flow collections'],
		['a tab as indentation', 'version: 1\nmask:\n\tstrategy: hash\n', 'policy.yaml:3: YAML syntax error: Tabs are not allowed as indentation'],
		['a duplicate key', 'version: 1\nrules: []\nrules: []\n', "policy.yaml:3: duplicate key 'rules'"],
		['a duplicate quoted key in JSON', '{"version": 1,\n "version": 1}', "policy.yaml:2: duplicate key 'version'"],
		['two documents', 'version: 1\n---\nversion: 1\n', 'policy.yaml:2: more than one YAML document (expected one)'],
		['an unknown top-level key', 'version: 1\nrulez: []\n', "policy.yaml:2: unknown key 'rulez' (expected version, mask, rules, tools, record, identity)"],
		['no version', 'rules: []\n', "policy.yaml:1: missing 'version' (expected version: 1)"],
		['version 2', 'version: 2\n', 'policy.yaml:1: unsupported version 2 (expected 1)'],
		['version as a string', 'rules: []\nversion: "1"\n', "policy.yaml:2: unsupported version '1' (expected 1)"],
		// mask
		['an unknown mask key', 'version: 1\nmask:\n  strategie: hash\n', "policy.yaml:3: unknown key 'strategie' in mask (expected detectors, exclude, custom, fields, strategy, requests)"],
		['mask as a list', 'version: 1\nmask: [secrets]\n', 'policy.yaml:2: mask must be a mapping, found a list'],
		['an unknown strategy', 'version: 1\nmask:\n  strategy: blur\n', "policy.yaml:3: unknown mask strategy 'blur' (expected redact, partial, hash)"],
		['an unknown requests mode', 'version: 1\nmask:\n  requests: forward\n', "policy.yaml:3: unknown mask.requests mode 'forward' (expected record, none)"],
		[
			'an unknown detector group',
			'version: 1\nmask:\n  detectors:\n    - secrets\n    - secret\n',
			`policy.yaml:5: unknown detector 'secret' in mask.detectors (expected a group — secrets, pii — or a detector name: ${KNOWN_DETECTORS.join(', ')})`,
		],
		['an unknown excluded detector', 'version: 1\nmask:\n  exclude: [jwt, aws-key]\n', `policy.yaml:3: unknown detector 'aws-key' in mask.exclude (expected a group — secrets, pii — or a detector name: ${KNOWN_DETECTORS.join(', ')})`],
		['detectors as a mapping', 'version: 1\nmask:\n  detectors: { secrets: true }\n', 'policy.yaml:3: mask.detectors must be a detector group or name or a list of them, found a mapping'],
		['an invalid custom pattern', 'version: 1\nmask:\n  custom:\n    - name: emp\n      pattern: "EMP-[0-9"\n', "policy.yaml:5: custom detector 'emp': invalid pattern 'EMP-[0-9' (Invalid regular expression: /EMP-[0-9/: Unterminated character class)"],
		['a custom pattern matching nothing', 'version: 1\nmask:\n  custom: [{ name: emp, pattern: "x*" }]\n', "policy.yaml:3: custom detector 'emp': pattern 'x*' matches the empty string (it must match at least one character)"],
		['a custom detector without a pattern', 'version: 1\nmask:\n  custom:\n    - name: emp\n', "policy.yaml:4: custom detector 'emp': missing 'pattern'"],
		['a custom detector without a name', 'version: 1\nmask:\n  custom:\n    - pattern: x\n', "policy.yaml:4: mask.custom #1: missing 'name'"],
		['a custom detector with a built-in name', 'version: 1\nmask:\n  custom:\n    - { name: jwt, pattern: x }\n', "policy.yaml:4: custom detector 'jwt': name clashes with a built-in detector (pick another name)"],
		['duplicate custom detectors', 'version: 1\nmask:\n  custom:\n    - { name: a, pattern: x }\n    - { name: a, pattern: y }\n', "policy.yaml:5: custom detector 'a': duplicate custom detector name (first defined on line 4)"],
		['an unknown custom key', 'version: 1\nmask:\n  custom:\n    - { name: a, regex: x }\n', "policy.yaml:4: unknown key 'regex' in mask.custom #1 (expected name, pattern)"],
		['custom as a mapping', 'version: 1\nmask:\n  custom: { name: a }\n', 'policy.yaml:3: mask.custom must be a list of { name, pattern }, found a mapping'],
		// rules
		['rules as a mapping', 'version: 1\nrules:\n  x: 1\n', 'policy.yaml:3: rules must be a list of rules, found a mapping'],
		['a rule that is a string', 'version: 1\nrules:\n  - deny-all\n', "policy.yaml:3: rule #1 must be a mapping, found 'deny-all'"],
		['a rule without a name', rule('match: {}', 'action: deny'), "policy.yaml:3: rule #1: missing 'name'"],
		['a rule with a numeric name', rule('name: 7', 'match: {}', 'action: deny'), 'policy.yaml:3: rule #1: name must be a non-empty string, found 7'],
		['an unknown action', rule('name: x', 'match: {}', 'action: block'), "policy.yaml:5: rule 'x': unknown action 'block' (expected allow, deny, approve, log)"],
		['a missing action', rule('name: x', 'match: {}'), "policy.yaml:3: rule 'x': missing 'action' (expected allow, deny, approve, log)"],
		['a missing match', rule('name: x', 'action: deny'), "policy.yaml:3: rule 'x': missing 'match' (use match: {} to match every request)"],
		['an unknown rule key', rule('name: x', 'match: {}', 'actoin: deny'), "policy.yaml:5: unknown key 'actoin' in rule #1 (expected name, match, action, message, timeout, selfApprove)"],
		['an unknown match key', rule('name: x', 'match:', '  tools: [a]', 'action: deny'), "policy.yaml:5: rule 'x': unknown key 'tools' in match (expected method, tool, server, args, paths, annotations, groups)"],
		['match as a string', rule('name: x', 'match: write_file', 'action: deny'), "policy.yaml:4: rule 'x': match must be a mapping, found 'write_file'"],
		['duplicate rule names', `${rule('name: x', 'match: {}', 'action: log')}\n  - name: x\n    match: {}\n    action: deny`, "policy.yaml:6: rule 'x': duplicate rule name (first defined on line 3)"],
		// Glob lists.
		['a tool glob list with a number', rule('name: x', 'match: { tool: [write_file, 42] }', 'action: deny'), "policy.yaml:4: rule 'x': match.tool must be a tool name glob or a list of them, found 42 in the list (quote it: '42')"],
		['a tool glob list with a mapping', rule('name: x', 'match:', '  tool:', '    - { a: b }', 'action: deny'), "policy.yaml:6: rule 'x': match.tool must be a tool name glob or a list of them, found a mapping in the list"],
		['an empty server list', rule('name: x', 'match: { server: [] }', 'action: deny'), "policy.yaml:4: rule 'x': match.server is an empty list, which matches nothing (expected a server label glob or a list of them)"],
		['an empty method', rule('name: x', 'match: { method: "" }', 'action: deny'), "policy.yaml:4: rule 'x': match.method must be a method glob or a list of them, found ''"],
		['groups as a mapping', rule('name: x', 'match: { groups: { a: 1 } }', 'action: deny'), "policy.yaml:4: rule 'x': match.groups must be a group name or a list of them, found a mapping"],
		['tool with a method other than tools/call', rule('name: x', 'match: { method: resources/read, tool: a }', 'action: deny'), "policy.yaml:4: rule 'x': match.tool only applies to tools/call, but match.method is 'resources/read'"],
		// args
		['an invalid args regex', rule('name: no-etc', 'match:', '  tool: write_file', '  args:', '    path: "^/etc/("', 'action: deny'), "policy.yaml:7: rule 'no-etc': invalid regex '^/etc/(' in match.args.path (Invalid regular expression: /^/etc/(/: Unterminated group)"],
		['an args regex that is a number', rule('name: x', 'match: { args: { count: 5 } }', 'action: deny'), "policy.yaml:4: rule 'x': match.args.count must be a regex as a string, found 5 (quote it, e.g. '^5$')"],
		['args as a list', rule('name: x', 'match: { args: [path] }', 'action: deny'), "policy.yaml:4: rule 'x': match.args must be a mapping, found a list"],
		['an empty args path segment', rule('name: x', 'match: { args: { "a..b": x } }', 'action: deny'), "policy.yaml:4: rule 'x': invalid argument path 'a..b' in match.args (expected names separated by dots, e.g. options.target or paths.0)"],
		// paths
		['paths as a string', rule('name: x', 'match: { paths: /etc/** }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths must be a mapping, found '/etc/**'"],
		['empty paths', rule('name: x', 'match: { paths: {} }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths is empty (expected a mapping of argument path to path globs, e.g. { path: \"/etc/**\" })"],
		['a paths glob that is a number', rule('name: x', 'match:', '  paths:', '    path: 5', 'action: deny'), "policy.yaml:6: rule 'x': match.paths.path must be a path glob like /etc/** or a list of them, found 5"],
		['a relative paths glob', rule('name: x', 'match:', '  paths:', '    path: [/etc/**, etc/**]', 'action: deny'), "policy.yaml:6: rule 'x': match.paths.path: 'etc/**' is not an absolute path glob (start it with / or ~/, e.g. /etc/**)"],
		['a regex in paths', rule('name: x', 'match: { paths: { path: "^/etc/" } }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths.path: '^/etc/' looks like a regular expression; match.paths takes path globs such as /etc/** (use match.args for a regex)"],
		['a paths glob with //', rule('name: x', 'match: { paths: { path: "/etc//x" } }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths.path: '/etc//x' has an empty segment (// or a trailing /); write it normalised, e.g. /etc/** for everything under /etc"],
		['a paths glob with a trailing /', rule('name: x', 'match: { paths: { path: "/etc/" } }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths.path: '/etc/' has an empty segment (// or a trailing /); write it normalised, e.g. /etc/** for everything under /etc"],
		['a paths glob with ..', rule('name: x', 'match: { paths: { path: "/tmp/../etc/**" } }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths.path: '/tmp/../etc/**' has a . or .. segment; write the path it stands for, normalised"],
		['** inside a segment', rule('name: x', 'match: { paths: { path: "/etc/**.conf" } }', 'action: deny'), "policy.yaml:4: rule 'x': match.paths.path: '/etc/**.conf': ** must be a whole segment (/etc/**, /home/*/.ssh/**), not part of one"],
		['an empty paths argument path segment', rule('name: x', 'match: { paths: { ".path": /etc/** } }', 'action: deny'), "policy.yaml:4: rule 'x': invalid argument path '.path' in match.paths (expected names separated by dots, e.g. options.target or paths.0)"],
		// selfApprove
		['selfApprove on a deny rule', rule('name: x', 'match: {}', 'action: deny', 'selfApprove: true'), "policy.yaml:6: rule 'x': selfApprove only applies to action approve (this rule's action is deny)"],
		['selfApprove as yes', rule('name: x', 'match: {}', 'action: approve', 'selfApprove: yes'), "policy.yaml:6: rule 'x': selfApprove must be true or false, found 'yes'"],
		// annotations
		['an unknown annotation', rule('name: x', 'match:', '  annotations:', '    readonlyHint: true', 'action: deny'), "policy.yaml:6: rule 'x': unknown annotation 'readonlyHint' in match (expected readOnlyHint, destructiveHint, idempotentHint, openWorldHint)"],
		['an annotation that is not a boolean', rule('name: x', 'match: { annotations: { readOnlyHint: "no" } }', 'action: deny'), "policy.yaml:4: rule 'x': match.annotations.readOnlyHint must be true or false, found 'no'"],
		// timeout
		['a timeout in words', rule('name: x', 'match: {}', 'action: approve', 'timeout: 2 minutes'), "policy.yaml:6: rule 'x': invalid timeout '2 minutes' (expected a duration like 500ms, 120s or 2m, or a number of seconds)"],
		['a zero timeout', rule('name: x', 'match: {}', 'action: approve', 'timeout: 0'), "policy.yaml:6: rule 'x': invalid timeout 0 (expected a duration like 500ms, 120s or 2m, or a number of seconds)"],
		['a negative timeout', rule('name: x', 'match: {}', 'action: approve', 'timeout: -5'), "policy.yaml:6: rule 'x': invalid timeout -5 (expected a duration like 500ms, 120s or 2m, or a number of seconds)"],
		['a timeout on a deny rule', rule('name: x', 'match: {}', 'action: deny', 'timeout: 2m'), "policy.yaml:6: rule 'x': timeout only applies to action approve (this rule's action is deny)"],
		// tools, record, identity
		['an unknown pin mode', 'version: 1\ntools:\n  pin: warn\n', "policy.yaml:3: unknown tools.pin mode 'warn' (expected off, alert, deny)"],
		['an unknown tools key', 'version: 1\ntools:\n  hidden: [a]\n', "policy.yaml:3: unknown key 'hidden' in tools (expected hide, pin)"],
		['an unknown onError mode', 'version: 1\nrecord:\n  onError: ignore\n', "policy.yaml:3: unknown record.onError mode 'ignore' (expected block, allow)"],
		['identity.required as yes', 'version: 1\nidentity:\n  required: yes\n', "policy.yaml:3: identity.required must be true or false, found 'yes'"],
	])('%s', (_case, text, message) => {
		expect(errorOf(text)).toBe(message);
	});

	it('names the file as the user gave it', () => {
		expect(errorOf('version: 3\n', 'configs/prod.yaml')).toBe('configs/prod.yaml:1: unsupported version 3 (expected 1)');
	});
});

describe('path rules and selfApprove', () => {
	it('reads match.paths as globs (a bare glob or a list; ~/ is the home folder) and selfApprove on approve rules', () => {
		const policy = parsePolicy(
			rule('name: x', 'match:', '  tool: move_file', '  paths: { source: ["/etc/**", "~/.ssh/**"], destination: /etc/** }', 'action: approve', 'selfApprove: true'),
			'p.yaml',
		);
		const [parsed] = policy.rules;
		expect(parsed.selfApprove).toBe(true);
		expect(parsed.match.paths?.map((entry) => [entry.path, entry.globs.map((glob) => glob.source)])).toEqual([
			['source', ['/etc/**', '~/.ssh/**']],
			['destination', ['/etc/**']],
		]);
		expect(parsed.match.paths![0].globs[1].pattern.test(`${os.homedir()}/.ssh/id_ed25519`)).toBe(true);
		expect(parsePolicy(rule('name: x', 'match: {}', 'action: approve'), 'p').rules[0].selfApprove).toBeUndefined();
	});
});

describe('timeouts', () => {
	it.each([
		['120s', 120_000],
		['2m', 120_000],
		['500ms', 500],
		['1h', 3_600_000],
		['1.5s', 1500],
		['30', 30_000],
		['0.25', 250],
	])('%s → %i ms', (timeout, milliseconds) => {
		expect(parsePolicy(rule('name: x', 'match: {}', 'action: approve', `timeout: ${timeout}`), 'p').rules[0].timeoutMs).toBe(milliseconds);
	});

	it('defaults to 120 s', () => {
		expect(parsePolicy(rule('name: x', 'match: {}', 'action: approve'), 'p').rules[0].timeoutMs).toBe(120_000);
	});
});
