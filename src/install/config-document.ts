// A client's config file opened for editing: its server entries as parsed values, and edits
// that change only the fields that differ, so comments, key order and formatting elsewhere
// stay as the person wrote them. JSON (with comments) and TOML each have an implementation.

import type { ServerEntry } from './wrap-entry.js';

/** One server entry and where it sits: the map's path in the document, then its key. */
export interface LocatedEntry {
	mapPath: readonly string[];
	key: string;
	value: unknown;
}

export interface ConfigDocument {
	/** Every entry of every server map, in file order. */
	entries(): LocatedEntry[];
	/** Changes the entry's fields to `next`'s: differing fields rewritten, missing ones removed, new ones added. */
	replace(entry: LocatedEntry, next: ServerEntry): void;
	/** The text with the edits made so far. */
	text(): string;
}

/** A map path with `*` segments spelled out for messages and ledger keys: `projects › /home/a › mcpServers › fs`. */
export function describeEntryPath(mapPath: readonly string[], key: string): string {
	return [...mapPath, key].join(' › ');
}
