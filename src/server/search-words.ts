// Full-text search over what the agent sent and got back: the (already masked) arguments of
// requests and the results and error messages of responses, as words. Both store backends
// index exactly these words (SQLite FTS5, PostgreSQL tsvector built from the array, so neither
// database's own parser decides what a word is), and a search matches sessions holding every
// word of the query as a prefix of one of theirs — the same answer on both.

/** Keys whose values are base64 bytes in content that has a `mimeType` (images, audio, blobs): never words. */
const BYTES_KEYS = new Set(['data', 'blob']);
/** MCP content block types (CallToolResult content, prompt and sampling messages). */
const CONTENT_TYPES = new Set(['text', 'image', 'audio', 'resource', 'resource_link']);
/** Longer runs of letters and digits are ids, hashes or base64, not words anyone searches. */
const MAX_WORD_CHARS = 64;
/** At most this many characters of words per stored chunk (PostgreSQL caps a tsvector at 1 MB). */
const MAX_CHUNK_CHARS = 100_000;
/** Messages larger than this are stored but not searched (parsing them would stall ingest). */
const MAX_PARSED_BYTES = 8 * 1024 * 1024;
/** Words of a query beyond this are ignored. */
export const MAX_QUERY_WORDS = 8;

interface SearchSource {
	kind: string;
	payload: Buffer;
}

/** The searchable words of a run of events, without duplicates, in chunks of at most MAX_CHUNK_CHARS. */
export function searchChunks(events: Iterable<SearchSource>): string[] {
	const words = new Set<string>();
	for (const event of events) {
		if (event.kind !== 'message') continue;
		for (const text of messageTexts(event.payload)) for (const word of wordsOf(text)) words.add(word);
	}
	const chunks: string[] = [];
	let current = '';
	for (const word of words) {
		if (current.length + word.length + 1 > MAX_CHUNK_CHARS) {
			chunks.push(current);
			current = '';
		}
		current = current === '' ? word : `${current} ${word}`;
	}
	if (current !== '') chunks.push(current);
	return chunks;
}

/** The words of a search box's text, as the index holds them (lower case, no accents), at most MAX_QUERY_WORDS. */
export function searchTerms(query: string): string[] {
	return [...new Set(wordsOf(query))].slice(0, MAX_QUERY_WORDS);
}

/** Runs of letters and digits, lower-cased and without diacritics; `read_file` is two words. */
export function wordsOf(text: string): string[] {
	const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
	return (folded.match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => word.length <= MAX_WORD_CHARS);
}

// The strings an auditor would search in one JSON-RPC message (or batch): the arguments of a
// request (its params when it has no arguments), the result of a response and its error.
function messageTexts(payload: Buffer): string[] {
	if (payload.length > MAX_PARSED_BYTES) return [];
	let message: unknown;
	try {
		message = JSON.parse(payload.toString('utf8'));
	} catch {
		return [];
	}
	const texts: string[] = [];
	for (const item of Array.isArray(message) ? message : [message]) {
		if (!isObject(item)) continue;
		if (isObject(item.params)) collectStrings(item.params.arguments ?? item.params, texts);
		if (item.result !== undefined) collectStrings(item.result, texts);
		if (isObject(item.error)) collectStrings([item.error.message, item.error.data], texts);
	}
	return texts;
}

function collectStrings(value: unknown, into: string[]): void {
	if (typeof value === 'string') into.push(value);
	else if (typeof value === 'number') into.push(String(value));
	else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
	else if (isObject(value)) {
		const binary = typeof value.mimeType === 'string';
		// A content block's `type` and `mimeType` (text, image/png…) would make every session match "text".
		const block = typeof value.type === 'string' && CONTENT_TYPES.has(value.type);
		for (const [key, item] of Object.entries(value)) {
			if (key === '_meta' || (binary && BYTES_KEYS.has(key)) || (block && (key === 'type' || key === 'mimeType'))) continue;
			collectStrings(item, into);
		}
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
