// Which policy applies: --policy, else `policy:` in config.yaml (relative to it), else the default.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/policy/load-policy.js';
import { resolvePolicy } from '../../../src/policy/resolve-policy.js';
import { fixture } from '../../helpers/mcprec.js';

describe('resolvePolicy', () => {
	let folder: string;
	let configFile: string;
	const write = (name: string, text: string) => fs.writeFileSync(path.join(folder, name), text);
	beforeEach(() => {
		folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-policy-'));
		configFile = path.join(folder, 'config.yaml');
	});
	afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

	it('uses the built-in default without a config file', () => {
		expect(resolvePolicy({ configFile })).toEqual(defaultPolicy());
	});

	it('uses the built-in default when the config names no policy', () => {
		write('config.yaml', 'endpoint: https://audit.example.com\n');
		expect(resolvePolicy({ configFile }).source).toBe('built-in default');
		write('config.yaml', '');
		expect(resolvePolicy({ configFile }).source).toBe('built-in default');
	});

	it('loads `policy:` relative to the config file', () => {
		write('team.yaml', 'version: 1\nrules:\n  - { name: r, match: {}, action: log }\n');
		write('config.yaml', 'policy: team.yaml\n');
		const policy = resolvePolicy({ configFile });
		expect(policy.source).toBe(path.join(folder, 'team.yaml'));
		expect(policy.rules.map((rule) => rule.name)).toEqual(['r']);
	});

	it('lets --policy win over the config', () => {
		write('config.yaml', 'policy: team.yaml\n');
		const example = fixture('policies/example.yaml');
		expect(resolvePolicy({ policyFlag: example, configFile }).source).toBe(example);
	});

	it.each([
		['a policy file that does not exist', 'endpoint: x\npolicy: nowhere.yaml\n', (file: string) => `${file}:2: policy file 'nowhere.yaml' does not exist (looked for ${path.join(path.dirname(file), 'nowhere.yaml')})`],
		['a policy that is not a path', 'policy: [a, b]\n', (file: string) => `${file}:1: 'policy' (the path of a policy file) must be a non-empty string, found a list`],
		['invalid YAML', 'policy: "team.yaml\n', (file: string) => `${file}:1: YAML syntax error: Missing closing "quote`],
		['a config that is a list', '- policy: x\n', (file: string) => `${file}:1: the config must be a mapping of settings, found a list`],
	])('explains %s', (_case, text, message) => {
		write('config.yaml', text);
		expect(() => resolvePolicy({ configFile })).toThrow(message(configFile));
	});

	it('explains an unreadable config file', () => {
		fs.mkdirSync(configFile);
		expect(() => resolvePolicy({ configFile })).toThrow(new RegExp(`^${configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the config file \\(EISDIR`));
	});

	it('reports problems inside the named policy file', () => {
		write('team.yaml', 'version: 2\n');
		write('config.yaml', 'policy: team.yaml\n');
		expect(() => resolvePolicy({ configFile })).toThrow(`${path.join(folder, 'team.yaml')}:1: unsupported version 2 (expected 1)`);
	});
});
