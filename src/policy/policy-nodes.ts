// Reads a parsed YAML document node by node (not via toJS) so that every complaint about a
// policy can name the line of the node it is about.

import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { PolicyError } from './policy-types.js';

/** One `key: value` of a mapping; `value` is null for `key:` with nothing after it. */
export interface Entry {
	key: Node;
	value: Node | null;
}

/** Lists are accepted as `[a, b]` or, for one item, a bare `a`. */
export interface StringListOptions {
	/** What the items are, for messages: "a glob", "a group name". */
	item: string;
	/** Reject an empty list (a match field that could never match). */
	nonEmpty?: boolean;
}

export class PolicyNodes {
	constructor(
		readonly file: string,
		private readonly document: Document.Parsed,
		private readonly lineCounter: LineCounter,
	) {}

	lineOf(node: unknown): number | undefined {
		if (isNode(node) && node.range) return this.lineCounter.linePos(node.range[0]).line;
		return undefined;
	}

	fail(node: unknown, detail: string): never {
		throw new PolicyError(this.file, this.lineOf(node), detail);
	}

	/** Follows `*alias` references to the node they name. */
	resolve(node: unknown): Node | null {
		if (isAlias(node)) return (node.resolve(this.document) as Node | undefined) ?? null;
		return isNode(node) ? node : null;
	}

	/** How a value reads in a message: `'block'`, `5`, `a list`, `nothing`. */
	describe(node: unknown): string {
		const resolved = this.resolve(node);
		if (isMap(resolved)) return 'a mapping';
		if (isSeq(resolved)) return 'a list';
		if (isScalar(resolved)) {
			const { value } = resolved;
			if (value === null || value === undefined) return 'nothing';
			if (typeof value === 'string') return `'${value}'`;
			return String(value);
		}
		return 'nothing';
	}

	/** The entries of a mapping, rejecting keys outside `keys`. `where` prefixes messages, e.g. "rule 'x': ". */
	entries(node: Node | null, options: { what: string; keys: readonly string[]; where?: string; keyContext?: string }): Map<string, Entry> {
		const where = options.where ?? '';
		const resolved = this.resolve(node);
		if (!isMap(resolved)) this.fail(node, `${where}${options.what} must be a mapping, found ${this.describe(node)}`);
		const entries = new Map<string, Entry>();
		for (const pair of resolved.items) {
			const key = this.resolve(pair.key);
			if (!isScalar(key) || typeof key.value !== 'string') this.fail(pair.key ?? resolved, `${where}keys in ${options.what} must be names, found ${this.describe(pair.key)}`);
			const name = key.value;
			if (!options.keys.includes(name)) {
				const context = options.keyContext === undefined ? '' : ` ${options.keyContext}`;
				this.fail(key, `${where}unknown key '${name}'${context} (expected ${options.keys.join(', ')})`);
			}
			entries.set(name, { key, value: this.resolve(pair.value) });
		}
		return entries;
	}

	/** The entries of a mapping whose keys are free-form (args paths, annotation names). */
	freeEntries(node: Node | null, options: { what: string; where?: string }): Entry[] {
		const where = options.where ?? '';
		const resolved = this.resolve(node);
		if (!isMap(resolved)) this.fail(node, `${where}${options.what} must be a mapping, found ${this.describe(node)}`);
		return resolved.items.map((pair) => {
			const key = this.resolve(pair.key);
			if (!isScalar(key) || typeof key.value !== 'string') this.fail(pair.key ?? resolved, `${where}keys in ${options.what} must be names, found ${this.describe(pair.key)}`);
			return { key, value: this.resolve(pair.value) };
		});
	}

	/** The node of an entry's value, or its key when the value is empty (for the line). */
	at(entry: Entry): Node {
		return entry.value ?? entry.key;
	}

	/** True when `key:` has no value or `~`/`null`: treated like an absent section. */
	isEmpty(entry: Entry | undefined): boolean {
		if (!entry) return true;
		const value = entry.value;
		return value === null || (isScalar(value) && (value.value === null || value.value === undefined));
	}

	string(entry: Entry, options: { what: string; where?: string }): string {
		const value = entry.value;
		if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') {
			this.fail(this.at(entry), `${options.where ?? ''}${options.what} must be a non-empty string, found ${this.describe(value)}`);
		}
		return value.value;
	}

	boolean(entry: Entry, options: { what: string; where?: string }): boolean {
		const value = entry.value;
		if (!isScalar(value) || typeof value.value !== 'boolean') {
			this.fail(this.at(entry), `${options.where ?? ''}${options.what} must be true or false, found ${this.describe(value)}`);
		}
		return value.value;
	}

	/** A value from a fixed set: `unknown action 'block' (expected allow, deny, approve, log)`. */
	oneOf<T extends string>(entry: Entry, options: { what: string; choices: readonly T[]; where?: string }): T {
		const value = entry.value;
		const raw = isScalar(value) ? value.value : undefined;
		if (typeof raw === 'string' && (options.choices as readonly string[]).includes(raw)) return raw as T;
		const found = typeof raw === 'string' ? `'${raw}'` : this.describe(value);
		this.fail(this.at(entry), `${options.where ?? ''}unknown ${options.what} ${found} (expected ${options.choices.join(', ')})`);
	}

	/** A bare string or a list of non-empty strings; returns each with its node for later checks. */
	stringList(entry: Entry, options: StringListOptions & { what: string; where?: string }): { value: string; node: Node }[] {
		const where = options.where ?? '';
		const expected = `${options.item} or a list of them`;
		const value = entry.value;
		if (isScalar(value) && typeof value.value === 'string' && value.value !== '') return [{ value: value.value, node: value }];
		if (!isSeq(value)) this.fail(this.at(entry), `${where}${options.what} must be ${expected}, found ${this.describe(value)}`);
		if (options.nonEmpty && value.items.length === 0) this.fail(value, `${where}${options.what} is an empty list, which matches nothing (expected ${expected})`);
		return value.items.map((item) => {
			const resolved = this.resolve(item);
			if (!isScalar(resolved) || typeof resolved.value !== 'string' || resolved.value === '') {
				const hint = isScalar(resolved) && (typeof resolved.value === 'number' || typeof resolved.value === 'boolean') ? ` (quote it: '${resolved.source ?? String(resolved.value)}')` : '';
				this.fail(item ?? value, `${where}${options.what} must be ${expected}, found ${this.describe(item)} in the list${hint}`);
			}
			return { value: resolved.value, node: resolved };
		});
	}
}
