// A pretty-printer that stops early. `JSON.stringify(value, null, 2)` of a 64 MiB tool result
// builds a string larger than the message only to show its first screenful; this walks the
// value and stops once it has the lines it was asked for.

export interface PrettyJsonOptions {
	/** Stop after this many lines. */
	maxLines: number;
	/** Longer string leaves are cut, saying how much was left out. */
	maxStringLength: number;
	/** Objects and arrays that fit on one line of this width are written on one line. */
	width?: number;
}

export interface PrettyJsonResult {
	lines: string[];
	/** True when the value had more lines than `maxLines`. */
	truncated: boolean;
}

const MAX_DEPTH = 64;

/**
 * The lines `JSON.stringify(value, null, 2)` would print, the first `maxLines` of them; with a
 * `width`, short objects and arrays stay on one line (`{ "type": "text", "text": "hi" }`).
 */
export function prettyJsonLines(value: unknown, { maxLines, maxStringLength, width }: PrettyJsonOptions): PrettyJsonResult {
	const lines: string[] = [];
	let truncated = false;

	// Adds one line; false once the budget is spent, which unwinds the walk.
	const push = (line: string): boolean => {
		if (lines.length >= maxLines) {
			truncated = true;
			return false;
		}
		lines.push(line);
		return true;
	};

	const scalar = (leaf: unknown): string => {
		if (typeof leaf === 'string') {
			if (leaf.length <= maxStringLength) return JSON.stringify(leaf);
			const kept = JSON.stringify(leaf.slice(0, maxStringLength)).slice(0, -1);
			return `${kept}…" (${(leaf.length - maxStringLength).toLocaleString('en-US')} more characters)`;
		}
		if (typeof leaf === 'number') return Number.isFinite(leaf) ? String(leaf) : 'null';
		if (typeof leaf === 'boolean' || leaf === null) return String(leaf);
		if (typeof leaf === 'bigint') return leaf.toString();
		return 'null';
	};

	// The one-line form, or undefined as soon as it would exceed `budget` characters.
	const inline = (node: unknown, budget: number): string | undefined => {
		if (node === null || typeof node !== 'object') {
			const text = scalar(node);
			return text.length <= budget ? text : undefined;
		}
		const array = Array.isArray(node) ? (node as unknown[]) : null;
		const record = node as Record<string, unknown>;
		const keys = array ? null : Object.keys(record).filter((key) => record[key] !== undefined);
		const count = array ? array.length : keys!.length;
		if (count === 0) return array ? '[]' : '{}';
		let text = array ? '[' : '{ ';
		for (let index = 0; index < count; index++) {
			const key = array ? '' : `${JSON.stringify(keys![index])}: `;
			const separator = index > 0 ? ', ' : '';
			const item = inline(array ? array[index] : record[keys![index]], budget - text.length - separator.length - key.length);
			if (item === undefined) return undefined;
			text += separator + key + item;
		}
		text += array ? ']' : ' }';
		return text.length <= budget ? text : undefined;
	};

	const walk = (node: unknown, indent: string, prefix: string, suffix: string, depth: number): boolean => {
		if (node === null || typeof node !== 'object') return push(`${indent}${prefix}${scalar(node)}${suffix}`);
		// The message itself always opens up, so its envelope reads one field per line.
		if (width !== undefined && depth > 0) {
			const oneLine = inline(node, width - indent.length - prefix.length - suffix.length);
			if (oneLine !== undefined) return push(`${indent}${prefix}${oneLine}${suffix}`);
		}
		const array = Array.isArray(node) ? (node as unknown[]) : null;
		const record = node as Record<string, unknown>;
		const keys = array ? null : Object.keys(record).filter((key) => record[key] !== undefined);
		const count = array ? array.length : keys!.length;
		const [open, close] = array ? ['[', ']'] : ['{', '}'];
		if (count === 0) return push(`${indent}${prefix}${open}${close}${suffix}`);
		if (depth >= MAX_DEPTH) return push(`${indent}${prefix}${open}…${close}${suffix}`);
		if (!push(`${indent}${prefix}${open}`)) return false;
		const inner = `${indent}  `;
		for (let index = 0; index < count; index++) {
			const item = array ? array[index] : record[keys![index]];
			const itemPrefix = array ? '' : `${JSON.stringify(keys![index])}: `;
			if (!walk(item, inner, itemPrefix, index < count - 1 ? ',' : '', depth + 1)) return false;
		}
		return push(`${indent}${close}${suffix}`);
	};

	walk(value, '', '', '', 0);
	return { lines, truncated };
}
