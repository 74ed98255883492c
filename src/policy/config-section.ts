// One top-level setting of config.yaml (`policy:`, `identity:`, `export:` …), found with
// the line counter so every reader's mistakes name their line, as the policy's do.

import fs from 'node:fs';
import { isMap, isScalar, type Node } from 'yaml';
import { parseYamlDocument } from './parse-yaml-document.js';
import { PolicyNodes, type Entry } from './policy-nodes.js';
import { PolicyError } from './policy-types.js';

export interface ConfigSection {
	nodes: PolicyNodes;
	entry: Entry;
}

/**
 * The `key:` entry of config.yaml; undefined when the file, the key or its value is absent.
 * Throws PolicyError (file:line: …) for a file that cannot be read or is not a mapping.
 */
export function readConfigSection(configFile: string, key: string): ConfigSection | undefined {
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
	const pair = root.items.find((item) => isScalar(item.key) && item.key.value === key);
	if (!pair) return undefined;
	const entry: Entry = { key: pair.key as Node, value: nodes.resolve(pair.value) };
	return nodes.isEmpty(entry) ? undefined : { nodes, entry };
}
