// The `mask:` section of a policy (DESIGN §4): which detectors run, extra patterns, and how
// a detected value is replaced.

import { isSeq, type Node } from 'yaml';
import { DETECTOR_GROUPS, KNOWN_DETECTORS, isDetectorGroup, isKnownDetector } from './known-detectors.js';
import type { PolicyNodes } from './policy-nodes.js';
import type { CustomDetector, MaskPolicy, MaskStrategy } from './policy-types.js';
import { defaultMask } from './default-policy.js';

const MASK_KEYS = ['detectors', 'exclude', 'custom', 'fields', 'strategy', 'requests'] as const;
const STRATEGIES: readonly MaskStrategy[] = ['redact', 'partial', 'hash'];
const CUSTOM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;


export function readMask(nodes: PolicyNodes, node: Node | null): MaskPolicy {
	const mask = defaultMask();
	const entries = nodes.entries(node, { what: 'mask', keys: MASK_KEYS, keyContext: 'in mask' });
	const detectors = entries.get('detectors');
	if (detectors) mask.detectors = readDetectorNames(nodes, 'mask.detectors', nodes.stringList(detectors, { what: 'mask.detectors', item: 'a detector group or name' }));
	const exclude = entries.get('exclude');
	if (exclude) mask.exclude = readDetectorNames(nodes, 'mask.exclude', nodes.stringList(exclude, { what: 'mask.exclude', item: 'a detector name' }));
	const custom = entries.get('custom');
	if (custom && !nodes.isEmpty(custom)) mask.custom = readCustomDetectors(nodes, custom.value);
	const fields = entries.get('fields');
	if (fields) mask.fields = nodes.stringList(fields, { what: 'mask.fields', item: 'a key name glob' }).map((item) => item.value);
	const strategy = entries.get('strategy');
	if (strategy) mask.strategy = nodes.oneOf(strategy, { what: 'mask strategy', choices: STRATEGIES });
	const requests = entries.get('requests');
	if (requests) mask.requests = nodes.oneOf(requests, { what: 'mask.requests mode', choices: ['record', 'none'] as const });
	return mask;
}

function readDetectorNames(nodes: PolicyNodes, what: string, items: { value: string; node: Node }[]): string[] {
	for (const item of items) {
		if (!isDetectorGroup(item.value) && !isKnownDetector(item.value)) {
			nodes.fail(item.node, `unknown detector '${item.value}' in ${what} (expected a group — ${Object.keys(DETECTOR_GROUPS).join(', ')} — or a detector name: ${KNOWN_DETECTORS.join(', ')})`);
		}
	}
	return items.map((item) => item.value);
}

function readCustomDetectors(nodes: PolicyNodes, node: Node | null): CustomDetector[] {
	if (!isSeq(node)) nodes.fail(node, `mask.custom must be a list of { name, pattern }, found ${nodes.describe(node)}`);
	const seen = new Map<string, number | undefined>();
	return node.items.map((item, index) => {
		const entries = nodes.entries(nodes.resolve(item), { what: `mask.custom #${index + 1}`, keys: ['name', 'pattern'], keyContext: `in mask.custom #${index + 1}` });
		const nameEntry = entries.get('name');
		if (!nameEntry) nodes.fail(item, `mask.custom #${index + 1}: missing 'name'`);
		const name = nodes.string(nameEntry, { what: 'name', where: `mask.custom #${index + 1}: ` });
		const where = `custom detector '${name}': `;
		if (!CUSTOM_NAME.test(name)) nodes.fail(nodes.at(nameEntry), `${where}name must be letters, digits, '-' or '_'`);
		if (isKnownDetector(name) || isDetectorGroup(name)) nodes.fail(nodes.at(nameEntry), `${where}name clashes with a built-in detector (pick another name)`);
		if (seen.has(name)) nodes.fail(nodes.at(nameEntry), `${where}duplicate custom detector name (first defined on line ${seen.get(name)})`);
		seen.set(name, nodes.lineOf(nodes.at(nameEntry)));
		const patternEntry = entries.get('pattern');
		if (!patternEntry) nodes.fail(item, `${where}missing 'pattern'`);
		const source = nodes.string(patternEntry, { what: 'pattern', where });
		let pattern: RegExp;
		try {
			pattern = new RegExp(source);
		} catch (error) {
			nodes.fail(nodes.at(patternEntry), `${where}invalid pattern '${source}' (${(error as Error).message})`);
		}
		// A pattern that matches nothing at all would "mask" the gap between every character.
		if (pattern.test('')) nodes.fail(nodes.at(patternEntry), `${where}pattern '${source}' matches the empty string (it must match at least one character)`);
		return { name, pattern };
	});
}
