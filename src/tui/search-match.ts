// `/` search: plain text matches the method, the tool or anything in the payloads;
// `tool:NAME` and `method:NAME` match only that field. Case never matters.

import type { ReplayEvent } from '../event/event-forms.js';
import { exchangeName, exchangeSubject } from '../replay/exchange-labels.js';
import type { TimelineExchange } from './reveal-exchanges.js';

export interface SearchQuery {
	field: 'any' | 'tool' | 'method';
	needle: string;
}

/** Payload text searched per event; a 64 MiB message is searched in its first 4 MiB. */
export const MAX_SEARCHED_CHARACTERS = 4 * 1024 * 1024;

export function parseQuery(text: string): SearchQuery | null {
	const field = /^(tool|method):\s*(.*)$/i.exec(text);
	if (field) {
		const needle = field[2].trim().toLowerCase();
		return needle ? { field: field[1].toLowerCase() as SearchQuery['field'], needle } : null;
	}
	const needle = text.trim().toLowerCase();
	return needle ? { field: 'any', needle } : null;
}

export function matchesExchange(exchange: TimelineExchange, query: SearchQuery): boolean {
	if (matchesRow(exchange, query)) return true;
	if (query.field !== 'any') return false;
	if (eventText(exchange.event).includes(query.needle)) return true;
	return exchange.response !== undefined && eventText(exchange.response).includes(query.needle);
}

/** Matches what the row itself shows (method, tool, subject), not only something deep in a payload. */
export function matchesRow(exchange: TimelineExchange, query: SearchQuery): boolean {
	if (query.field === 'tool') return (exchange.tool ?? '').toLowerCase().includes(query.needle);
	if (query.field === 'method') return (exchange.method ?? '').toLowerCase().includes(query.needle);
	return `${exchangeName(exchange)}\n${exchangeSubject(exchange)}`.toLowerCase().includes(query.needle);
}

/** Indices of the matching exchanges, in order. */
export function findMatches(exchanges: TimelineExchange[], query: SearchQuery | null): number[] {
	if (!query) return [];
	const matches: number[] = [];
	exchanges.forEach((exchange, index) => {
		if (matchesExchange(exchange, query)) matches.push(index);
	});
	return matches;
}

// Typing `echo` should land on the echo call, not on the tools/list whose result merely
// mentions it: the first jump prefers rows that show the text, then any match. n / N then
// visit every match in order.
export function firstMatch(exchanges: TimelineExchange[], query: SearchQuery | null, from: number): number | undefined {
	if (!query) return undefined;
	const matches = findMatches(exchanges, query);
	const rowHits = matches.filter((index) => matchesRow(exchanges[index], query));
	return nextMatch(rowHits, from, 1, true) ?? nextMatch(matches, from, 1, true);
}

/** The next match from `from` in `direction`, wrapping around; `from` itself counts when `inclusive`. */
export function nextMatch(matches: number[], from: number, direction: 1 | -1, inclusive = false): number | undefined {
	if (matches.length === 0) return undefined;
	if (direction === 1) {
		return matches.find((index) => (inclusive ? index >= from : index > from)) ?? matches[0];
	}
	for (let position = matches.length - 1; position >= 0; position--) {
		const index = matches[position];
		if (inclusive ? index <= from : index < from) return index;
	}
	return matches[matches.length - 1];
}

// Lower-cased once per event and kept, so typing a query stays fast on long sessions.
const searchText = new WeakMap<ReplayEvent, string>();

function eventText(event: ReplayEvent): string {
	let text = searchText.get(event);
	if (text === undefined) {
		const body = event.message !== undefined ? JSON.stringify(event.message) : event.details !== undefined ? JSON.stringify(event.details) : (event.text ?? '');
		text = `${event.method ?? ''}\n${event.tool ?? ''}\n${(body ?? '').slice(0, MAX_SEARCHED_CHARACTERS)}`.toLowerCase();
		searchText.set(event, text);
	}
	return text;
}
