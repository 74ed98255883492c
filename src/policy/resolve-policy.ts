// Which policy a session runs under: `--policy <file>` wins; else `policy:` in config.yaml
// (relative to that file); else the built-in default.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPolicy } from './default-policy.js';
import { loadPolicyFile } from './load-policy.js';
import { readConfigSection } from './config-section.js';
import type { Policy } from './policy-types.js';

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
	const section = readConfigSection(configFile, 'policy');
	if (!section) return undefined;
	const { nodes, entry } = section;
	const value = nodes.string(entry, { what: "'policy' (the path of a policy file)" });
	const expanded = value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
	const file = path.resolve(path.dirname(configFile), expanded);
	if (!fs.existsSync(file)) nodes.fail(nodes.at(entry), `policy file '${value}' does not exist (looked for ${file})`);
	return file;
}
