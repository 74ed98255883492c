// Which policy a session runs under: `--policy <file>` wins; else `policy:` in config.yaml
// (relative to that file); else the built-in default.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import { defaultPolicy } from './default-policy.js';
import { loadPolicyFile } from './load-policy.js';
import { parseYamlDocument } from './parse-yaml-document.js';
import { PolicyNodes, type Entry } from './policy-nodes.js';
import { PolicyError, type Policy } from './policy-types.js';

export interface ResolvePolicyOptions {
	/** `--policy <file>` as the user typed it. */
	policyFlag?: string;
	/** The config.yaml path (it need not exist). */
	configFile: string;
}

export function resolvePolicy(options: ResolvePolicyOptions): Policy {
	if (options.policyFlag !== undefined) return loadPolicyFile(options.policyFlag);
	const file = policyFileFromConfig(options.configFile);
	return file === undefined ? defaultPolicy() : loadPolicyFile(file);
}

/** The `policy:` path named in config.yaml, resolved against the config file's folder. */
export function policyFileFromConfig(configFile: string): string | undefined {
	let text: string;
	try {
		text = fs.readFileSync(configFile, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw new PolicyError(configFile, undefined, `cannot read the config file (${(error as Error).message})`);
	}
	const { document, lineCounter } = parseYamlDocument(text, configFile);
	const nodes: PolicyNodes = new PolicyNodes(configFile, document, lineCounter);
	const root = nodes.resolve(document.contents);
	if (root === null || (isScalar(root) && root.value === null)) return undefined;
	if (!isMap(root)) nodes.fail(root, `the config must be a mapping of settings, found ${nodes.describe(root)}`);
	const pair = root.items.find((item) => isScalar(item.key) && item.key.value === 'policy');
	if (!pair) return undefined;
	const entry: Entry = { key: pair.key as Node, value: nodes.resolve(pair.value) };
	if (nodes.isEmpty(entry)) return undefined;
	const value = nodes.string(entry, { what: "'policy' (the path of a policy file)" });
	const expanded = value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
	const file = path.resolve(path.dirname(configFile), expanded);
	if (!fs.existsSync(file)) nodes.fail(nodes.at(entry), `policy file '${value}' does not exist (looked for ${file})`);
	return file;
}
