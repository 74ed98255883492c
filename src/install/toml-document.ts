// Codex's config.toml edited line by line: a server is a `[mcp_servers.<name>]` table, and
// only the lines of the fields that change are rewritten, so comments and the rest of the
// file keep their bytes. Every edit is checked by parsing the result (smol-toml): the file
// must read exactly as before except for the entry changed, or nothing is written.

import { sameValue } from './same-value.js';
import { parse, TomlError } from 'smol-toml';
import { UserError } from '../errors/user-error.js';
import type { ConfigDocument, LocatedEntry } from './config-document.js';
import { isObject, type ServerEntry } from './wrap-entry.js';

export function openTomlDocument(file: string, original: string, serverMaps: readonly (readonly string[])[]): ConfigDocument {
	let text = original;
	const eol = original.includes('\r\n') ? '\r\n' : '\n';
	const read = (source: string) => {
		try {
			return parse(source) as Record<string, unknown>;
		} catch (error) {
			if (error instanceof TomlError) throw new UserError(`${file}:${error.line}:${error.column}: not valid TOML (${error.message.split('\n')[0]}); fix the file or leave this client out with --client`);
			throw error;
		}
	};
	read(text);
	return {
		entries() {
			const document = read(text);
			const found: LocatedEntry[] = [];
			for (const mapPath of serverMaps) {
				let map: unknown = document;
				for (const segment of mapPath) map = isObject(map) ? map[segment] : undefined;
				if (!isObject(map)) continue;
				for (const [key, value] of Object.entries(map)) found.push({ mapPath, key, value });
			}
			return found;
		},
		replace(entry, next) {
			const before = read(text);
			const current = entry.value as ServerEntry;
			const lines = splitLines(text);
			const keyPath = [...entry.mapPath, entry.key];
			if (!findSection(lines, keyPath)) throw cannotEdit(file, entry, 'it is not written as its own [table]');
			for (const name of new Set([...Object.keys(current), ...Object.keys(next)])) {
				if (sameValue(current[name], next[name])) continue;
				// Found again after each edit: the lines below have moved.
				const section = findSection(lines, keyPath)!;
				const field = findField(lines, section, name);
				const replacement = next[name] === undefined ? [] : [`${tomlKey(name)} = ${tomlValue(next[name])}`];
				if (field) {
					// A comment after a one-line value stays on its line.
					if (replacement.length === 1 && field.comment) replacement[0] += ` ${field.comment}`;
					lines.splice(field.start, field.end - field.start + 1, ...replacement);
				} else lines.splice(section.lastField + 1, 0, ...replacement);
			}
			const edited = lines.join(eol);
			// What the edit must read as: the same document with this one entry changed.
			let map: Record<string, unknown> = before;
			for (const segment of entry.mapPath) map = map[segment] as Record<string, unknown>;
			map[entry.key] = next;
			if (!sameValue(read(edited), before)) throw cannotEdit(file, entry, 'the edited file would not read back as intended');
			text = edited;
		},
		text: () => text,
	};
}

function cannotEdit(file: string, entry: LocatedEntry, why: string): UserError {
	return new UserError(`${file}: cannot rewrite server '${entry.key}' in place (${why}); edit it by hand or leave this client out with --client`);
}

function splitLines(text: string): string[] {
	return text.split(/\r?\n/);
}

interface Section {
	/** The header line. */
	start: number;
	/** The last line before the next header (or the end). */
	end: number;
	/** The last line of the section that holds a key, or the header. */
	lastField: number;
}

// The `[a.b."c d"]` table of the given key path.
function findSection(lines: string[], keyPath: readonly string[]): Section | undefined {
	for (let index = 0; index < lines.length; index++) {
		const header = readHeader(lines[index]!);
		if (!header || !sameValue(header, keyPath)) continue;
		let end = index;
		let lastField = index;
		let depth = 0;
		for (let next = index + 1; next < lines.length; next++) {
			const line = lines[next]!;
			if (depth === 0 && /^\s*\[/.test(line)) break;
			end = next;
			if (depth > 0 || /^\s*[^\s#]/.test(line)) lastField = next;
			depth = Math.max(0, depth + bracketBalance(line));
		}
		return { start: index, end, lastField };
	}
	return undefined;
}

// `[mcp_servers."my server"]  # comment` → ['mcp_servers', 'my server']; array tables and other lines → undefined.
function readHeader(line: string): string[] | undefined {
	const match = /^\s*\[(?!\[)(.*)\]\s*(#.*)?$/.exec(line);
	if (!match) return undefined;
	return readDottedKey(match[1]!);
}

function readDottedKey(text: string): string[] | undefined {
	const parts: string[] = [];
	let rest = text.trim();
	while (rest.length > 0) {
		let match: RegExpExecArray | null;
		if ((match = /^"((?:[^"\\]|\\.)*)"/.exec(rest))) parts.push(JSON.parse(`"${match[1]}"`) as string);
		else if ((match = /^'([^']*)'/.exec(rest))) parts.push(match[1]!);
		else if ((match = /^[A-Za-z0-9_-]+/.exec(rest))) parts.push(match[0]);
		else return undefined;
		rest = rest.slice(match[0].length).trimStart();
		if (rest.startsWith('.')) rest = rest.slice(1).trimStart();
		else if (rest.length > 0) return undefined;
	}
	return parts;
}

// The lines of `name = value` inside the section (a value may span lines: arrays, multi-line strings).
function findField(lines: string[], section: Section, name: string): { start: number; end: number; comment?: string } | undefined {
	for (let index = section.start + 1; index <= section.end; index++) {
		const match = /^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))\s*=/.exec(lines[index]!);
		if (!match) continue;
		const key = readDottedKey(match[1]!);
		let end = index;
		let state = scanValue(lines[index]!.slice(match[0].length), { depth: 0, multiline: undefined });
		while ((state.depth > 0 || state.multiline) && end < section.end) state = scanValue(lines[++end]!, state);
		if (key && key.length === 1 && key[0] === name) return { start: index, end, comment: end === index ? trailingComment(lines[index]!.slice(match[0].length)) : undefined };
		index = end;
	}
	return undefined;
}

interface ScanState {
	/** Where a comment starts on the last line scanned, outside strings. */
	comment?: number;
	depth: number;
	multiline: '"""' | "'''" | undefined;
}

// Bracket depth and open multi-line strings after one line of a value; comments and strings skipped.
function scanValue(line: string, state: ScanState): ScanState {
	let { depth, multiline } = state;
	for (let index = 0; index < line.length; index++) {
		if (multiline) {
			if (multiline === '"""' && line[index] === '\\') index++;
			else if (line.startsWith(multiline, index)) {
				index += 2;
				multiline = undefined;
			}
			continue;
		}
		const char = line[index]!;
		if (char === '#') return { depth, multiline, comment: index };
		if (line.startsWith('"""', index) || line.startsWith("'''", index)) {
			multiline = line.slice(index, index + 3) as ScanState['multiline'];
			index += 2;
		} else if (char === '"') {
			for (index++; index < line.length && line[index] !== '"'; index++) if (line[index] === '\\') index++;
		} else if (char === "'") {
			for (index++; index < line.length && line[index] !== "'"; index++);
		} else if (char === '[' || char === '{') depth++;
		else if (char === ']' || char === '}') depth--;
	}
	return { depth, multiline };
}

function trailingComment(value: string): string | undefined {
	const { comment } = scanValue(value, { depth: 0, multiline: undefined });
	return comment === undefined ? undefined : value.slice(comment).trimEnd();
}

function bracketBalance(line: string): number {
	return scanValue(line, { depth: 0, multiline: undefined }).depth;
}

function tomlKey(name: string): string {
	return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

// JSON's string escapes are TOML basic-string escapes, for the values mcprec writes.
function tomlValue(value: unknown): string {
	// TOML also wants DEL escaped, which JSON leaves as is.
	if (typeof value === 'string') return JSON.stringify(value).replace(/\x7f/g, '\\u007f');
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
	if (isObject(value)) return `{ ${Object.entries(value).map(([key, item]) => `${tomlKey(key)} = ${tomlValue(item)}`).join(', ')} }`;
	throw new Error(`cannot write ${String(value)} as TOML`);
}
