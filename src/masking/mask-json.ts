// Walks a parsed JSON value and masks its string leaves in place: values under secret
// keys wholesale (sensitive-field), every other string through the text masker. Keys,
// numbers, booleans and the JSON-RPC envelope (jsonrpc, id, method) are never changed.
// Iterative, so deeply nested documents cannot overflow the stack.

import { isPlaceholder } from './placeholders.js';

export interface MaskFinding {
	detector: string;
	/** JSON path of the string leaf, e.g. `$.result.content[0].text` (`$` for plain text). */
	path: string;
	count: number;
}

export interface TreeMasking {
	maskString(text: string, path: string): { text: string; findings: MaskFinding[] };
	/** True when a key's string value is a secret in itself; absent when that check is off. */
	isSensitiveKey?: (key: string) => boolean;
	replace(detector: string, value: string): string;
}

const ENVELOPE = new Set(['jsonrpc', 'id', 'method']);
const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

type Container = Record<string, unknown> | unknown[];

/** Masks a JSON-RPC message (or batch) in place; the envelope of each message is left alone. */
export function maskMessageTree(message: unknown, masking: TreeMasking): MaskFinding[] {
	const findings: MaskFinding[] = [];
	if (Array.isArray(message)) message.forEach((item, index) => maskContainer(item, `$[${index}]`, true, masking, findings));
	else maskContainer(message, '$', true, masking, findings);
	return findings;
}

/** Masks any parsed JSON value in place (no envelope); strings at the root cannot be replaced and are skipped. */
export function maskJsonTree(value: unknown, path: string, masking: TreeMasking): MaskFinding[] {
	const findings: MaskFinding[] = [];
	maskContainer(value, path, false, masking, findings);
	return findings;
}

function maskContainer(root: unknown, rootPath: string, envelope: boolean, masking: TreeMasking, findings: MaskFinding[]): void {
	if (typeof root !== 'object' || root === null) return;
	const stack: { container: Container; path: string; top: boolean }[] = [{ container: root as Container, path: rootPath, top: envelope }];
	while (stack.length > 0) {
		const { container, path, top } = stack.pop()!;
		if (Array.isArray(container)) {
			for (let index = 0; index < container.length; index++) {
				const value = container[index];
				const childPath = `${path}[${index}]`;
				if (typeof value === 'string') container[index] = maskLeaf(value, childPath, masking, findings);
				else if (typeof value === 'object' && value !== null) stack.push({ container: value as Container, path: childPath, top: false });
			}
			continue;
		}
		for (const key of Object.keys(container)) {
			if (top && ENVELOPE.has(key)) continue;
			const value = container[key];
			const childPath = SIMPLE_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
			if (typeof value === 'string') {
				if (masking.isSensitiveKey?.(key) && !isPlaceholder(value)) {
					container[key] = masking.replace('sensitive-field', value);
					findings.push({ detector: 'sensitive-field', path: childPath, count: 1 });
				} else container[key] = maskLeaf(value, childPath, masking, findings);
			} else if (typeof value === 'object' && value !== null) stack.push({ container: value as Container, path: childPath, top: false });
		}
	}
}

function maskLeaf(value: string, path: string, masking: TreeMasking, findings: MaskFinding[]): string {
	const masked = masking.maskString(value, path);
	if (masked.findings.length === 0) return value;
	for (const finding of masked.findings) findings.push(finding);
	return masked.text;
}
