// Loads a policy file (DESIGN §4, YAML or JSON) into the validated `Policy` shape. Every
// problem is a PolicyError naming the file as the user gave it and the line of the node.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isMap, isScalar } from 'yaml';
import { defaultPolicy } from './default-policy.js';
import { parseYamlDocument } from './parse-yaml-document.js';
import { PolicyNodes } from './policy-nodes.js';
import { PolicyError, type Policy } from './policy-types.js';
import { readMask } from './read-mask.js';
import { readRules } from './read-rules.js';

export { defaultPolicy } from './default-policy.js';
export { DETECTOR_GROUPS, KNOWN_DETECTORS } from './known-detectors.js';

const TOP_LEVEL_KEYS = ['version', 'mask', 'rules', 'tools', 'record', 'identity'] as const;

/** Reads and validates a policy file; `file` is used as given in messages and as `source`. */
export function loadPolicyFile(file: string): Policy {
	let bytes: Buffer;
	try {
		bytes = fs.readFileSync(file);
	} catch (error) {
		throw new PolicyError(file, undefined, `cannot read the policy file (${describeReadError(error)})`);
	}
	return readPolicy(bytes.toString('utf8'), file, sha256(bytes));
}

/** Validates policy text; `source` names it in messages (usually the file path). */
export function parsePolicy(text: string, source: string): Policy {
	return readPolicy(text, source, sha256(Buffer.from(text, 'utf8')));
}

function readPolicy(text: string, source: string, digest: string): Policy {
	const { document, lineCounter } = parseYamlDocument(text, source);
	const nodes: PolicyNodes = new PolicyNodes(source, document, lineCounter);
	const root = nodes.resolve(document.contents);
	if (root === null || (isScalar(root) && root.value === null)) {
		throw new PolicyError(source, undefined, "the policy is empty (expected at least 'version: 1')");
	}
	if (!isMap(root)) nodes.fail(root, `a policy must be a mapping (version, rules, mask, …), found ${nodes.describe(root)}`);
	const entries = nodes.entries(root, { what: 'the policy', keys: TOP_LEVEL_KEYS });

	const version = entries.get('version');
	if (!version) nodes.fail(root, "missing 'version' (expected version: 1)");
	if (!isScalar(version.value) || version.value.value !== 1) {
		nodes.fail(nodes.at(version), `unsupported version ${nodes.describe(version.value)} (expected 1)`);
	}

	const policy: Policy = { ...defaultPolicy(), source, digest, text };
	const section = (key: (typeof TOP_LEVEL_KEYS)[number]) => {
		const entry = entries.get(key);
		return entry && !nodes.isEmpty(entry) ? entry : undefined;
	};

	const mask = section('mask');
	if (mask) policy.mask = readMask(nodes, mask.value);

	const rules = section('rules');
	if (rules) policy.rules = readRules(nodes, rules.value);

	const tools = section('tools');
	if (tools) {
		const toolEntries = nodes.entries(tools.value, { what: 'tools', keys: ['hide', 'pin'], keyContext: 'in tools' });
		const hide = toolEntries.get('hide');
		if (hide) policy.tools.hide = nodes.stringList(hide, { what: 'tools.hide', item: 'a tool name glob' }).map((item) => item.value);
		const pin = toolEntries.get('pin');
		if (pin) policy.tools.pin = nodes.oneOf(pin, { what: 'tools.pin mode', choices: ['off', 'alert', 'deny'] as const });
	}

	const record = section('record');
	if (record) {
		const onError = nodes.entries(record.value, { what: 'record', keys: ['onError'], keyContext: 'in record' }).get('onError');
		if (onError) policy.record.onError = nodes.oneOf(onError, { what: 'record.onError mode', choices: ['block', 'allow'] as const });
	}

	const identity = section('identity');
	if (identity) {
		const required = nodes.entries(identity.value, { what: 'identity', keys: ['required'], keyContext: 'in identity' }).get('required');
		if (required) policy.identity.required = nodes.boolean(required, { what: 'identity.required' });
		if (required) return policy;
	}
	// Rules on groups cannot hold without knowing the user's groups: rather than let them
	// quietly stop matching when the login cannot be read, such a policy requires a login
	// unless it says `identity.required: false`.
	const onGroups = policy.rules.find((rule) => rule.match.groups !== undefined);
	if (onGroups) policy.identity = { required: true, because: `rule '${onGroups.name}' matches on groups` };
	return policy;
}

function sha256(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}

function describeReadError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'ENOENT') return 'no such file';
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	if (code === 'EISDIR') return 'it is a directory';
	return (error as Error).message;
}
