// The exchanges a `/` query matches, recomputed as the query or the visible rows change.

import { useMemo } from 'react';
import type { TimelineExchange } from './reveal-exchanges.js';
import { findMatches, parseQuery, type SearchQuery } from './search-match.js';

export interface SearchMatches {
	query: SearchQuery | null;
	/** Indices of matching exchanges, in order. */
	matches: number[];
	matchSet: ReadonlySet<number>;
}

export function useSearch(exchanges: TimelineExchange[], text: string): SearchMatches {
	const query = useMemo(() => parseQuery(text), [text]);
	const matches = useMemo(() => findMatches(exchanges, query), [exchanges, query]);
	const matchSet = useMemo(() => new Set(matches), [matches]);
	return { query, matches, matchSet };
}
