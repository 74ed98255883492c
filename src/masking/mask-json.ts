// Walks a parsed JSON value and masks it in place: values under secret keys wholesale
// (sensitive-field), every other string and every key through the text masker. A message's
// `method` is masked like any string; its `id` only when asked (the record's copy): the peer
// needs the id it sent to pair the answer. Numbers, booleans and `jsonrpc` are never
// changed. Iterative, so deeply nested documents cannot overflow the stack.

import { isPlaceholder } from './placeholders.js';

export interface MaskFinding {
	detector: string;
	/** JSON path of the string leaf, e.g. `$.result.content[0].text` (`$` for plain text). */
	path: string;
	count: number;
}

export interface TreeMasking {
	/** The masked text and its findings; undefined when nothing was found. */
	maskString(text: string, path: string): { text: string; findings: MaskFinding[] } | undefined;
	/** True when a key's string value is a secret in itself; absent when that check is off. */
	isSensitiveKey?: (key: string) => boolean;
	replace(detector: string, value: string): string;
	/** The masked key, or undefined when it holds nothing to mask (maskString with a cache: keys repeat). */
	maskKey(key: string): { text: string; findings: MaskFinding[] } | undefined;
}

export interface MessageMasking {
	/** Mask a message's `id` too (what is recorded, never what is forwarded). */
	ids?: boolean;
}
// Stands in for a leaf's path until a finding needs the real one.
const LEAF_PATH = '$';
const MASKED_KEY = /^\[(?:REDACTED|HASH):/;
const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

type Container = Record<string, unknown> | unknown[];

/** Masks a JSON-RPC message (or batch) in place; the envelope of each message is left alone. */
export function maskMessageTree(message: unknown, masking: TreeMasking, options: MessageMasking = {}): MaskFinding[] {
	const findings: MaskFinding[] = [];
	const envelope = options.ids ? ENVELOPE_WITH_IDS : ENVELOPE;
	if (Array.isArray(message)) message.forEach((item, index) => maskContainer(item, `$[${index}]`, envelope, masking, findings));
	else maskContainer(message, '$', envelope, masking, findings);
	return findings;
}

// What a message's own members may hold: `jsonrpc` is always "2.0"; ids are left unless asked.
const ENVELOPE = new Set(['jsonrpc', 'id']);
const ENVELOPE_WITH_IDS = new Set(['jsonrpc']);

/** Masks any parsed JSON value in place (no envelope); strings at the root cannot be replaced and are skipped. */
export function maskJsonTree(value: unknown, path: string, masking: TreeMasking): MaskFinding[] {
	const findings: MaskFinding[] = [];
	maskContainer(value, path, undefined, masking, findings);
	return findings;
}

// Where a value sits; paths are only spelled out for the leaves that had findings.
interface Place {
	parent: Place | null;
	/** Property name, array index, or the root's own path. */
	key: string | number;
}

function pathOf(place: Place): string {
	const parts: string[] = [];
	for (let at: Place | null = place; at !== null; at = at.parent) {
		const { key } = at;
		if (at.parent === null) parts.push(String(key));
		else if (typeof key === 'number') parts.push(`[${key}]`);
		else parts.push(SIMPLE_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
	}
	return parts.reverse().join('');
}

function maskContainer(root: unknown, rootPath: string, envelope: ReadonlySet<string> | undefined, masking: TreeMasking, findings: MaskFinding[]): void {
	if (typeof root !== 'object' || root === null) return;
	// Parallel stacks, and a place (for paths) only per container: a leaf's place is made
	// only when it had a finding, so a clean message allocates almost nothing here.
	const containers: Container[] = [root as Container];
	const places: Place[] = [{ parent: null, key: rootPath }];
	let top = envelope !== undefined;
	while (containers.length > 0) {
		const container = containers.pop()!;
		const place = places.pop()!;
		if (Array.isArray(container)) {
			for (let index = 0; index < container.length; index++) {
				const value = container[index];
				if (typeof value === 'string') container[index] = maskLeaf(value, place, index, masking, findings);
				else if (typeof value === 'object' && value !== null) {
					containers.push(value as Container);
					places.push({ parent: place, key: index });
				}
			}
		} else {
			maskKeys(container, place, masking, findings);
			for (const key in container) {
				if (!Object.hasOwn(container, key) || (top && envelope!.has(key))) continue;
				const value = container[key];
				if (typeof value === 'string') {
					// A masked key (`[REDACTED:github-token]`) names a detector, not a secret field.
					if (masking.isSensitiveKey?.(key) && !isPlaceholder(value) && !MASKED_KEY.test(key)) {
						container[key] = masking.replace('sensitive-field', value);
						findings.push({ detector: 'sensitive-field', path: pathOf({ parent: place, key }), count: 1 });
					} else container[key] = maskLeaf(value, place, key, masking, findings);
				} else if (typeof value === 'object' && value !== null) {
					containers.push(value as Container);
					places.push({ parent: place, key });
				}
			}
		}
		top = false;
	}
}

// Keys are masked like strings; an object with a masked key is rebuilt in its order, and
// a masked key that would now equal another gets a number, so no member is lost.
function maskKeys(container: Record<string, unknown>, place: Place, masking: TreeMasking, findings: MaskFinding[]): void {
	let renamed: Map<string, { text: string; findings: MaskFinding[] }> | undefined;
	for (const key in container) {
		if (!Object.hasOwn(container, key)) continue;
		const masked = masking.maskKey(key);
		if (masked === undefined) continue;
		renamed ??= new Map();
		renamed.set(key, masked);
	}
	if (renamed === undefined) return;
	const entries = Object.entries(container);
	for (const [key] of entries) delete container[key];
	for (const [key, value] of entries) {
		const masked = renamed.get(key);
		let name = masked?.text ?? key;
		if (Object.hasOwn(container, name)) {
			let counter = 2;
			while (Object.hasOwn(container, `${name}#${counter}`)) counter++;
			name = `${name}#${counter}`;
		}
		container[name] = value;
		for (const finding of masked?.findings ?? []) findings.push({ ...finding, path: `${pathOf(place)}{key}` });
	}
}

function maskLeaf(value: string, parent: Place, key: string | number, masking: TreeMasking, findings: MaskFinding[]): string {
	const masked = masking.maskString(value, LEAF_PATH);
	if (masked === undefined) return value;
	const path = pathOf({ parent, key });
	for (const finding of masked.findings) findings.push({ ...finding, path });
	return masked.text;
}
