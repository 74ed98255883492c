// One page of a session's timeline for the viewer: exchanges built from a run of events
// (replay/build-exchanges.ts), where a request near the end of the page still gets its
// response from the events just after it. The events a page took from beyond its end are
// handed to the next page to skip, so nothing is shown twice and nothing is lost.

import { buildExchanges, type Exchange } from '../../replay/build-exchanges.js';
import type { ReplayEvent } from '../../event/event-forms.js';

/** Events a page owns, and how far past its end it looks for responses. */
export const PAGE_EVENTS = 400;
export const LOOKAHEAD_EVENTS = 200;

export interface ExchangePage {
	exchanges: Exchange[];
	/** Where the next page starts (its afterSeq), or null on the last page. */
	nextAfterSeq: number | null;
	/** Seqs after nextAfterSeq that this page already showed. */
	nextSkip: number[];
}

/** `events`: the events with seq > afterSeq, up to PAGE_EVENTS + LOOKAHEAD_EVENTS of them, in order. */
export function pageExchanges(events: ReplayEvent[], options: { afterSeq: number; skip: ReadonlySet<number>; pageEvents?: number; lookahead?: number }): ExchangePage {
	const pageEvents = options.pageEvents ?? PAGE_EVENTS;
	const lookahead = options.lookahead ?? LOOKAHEAD_EVENTS;
	const through = options.afterSeq + pageEvents;
	const built = buildExchanges(events.filter((event) => !options.skip.has(event.seq)));
	const shown: Exchange[] = [];
	const leftBehind: ReplayEvent[] = [];
	const taken = new Set<number>();
	for (const exchange of built) {
		const parts = partsOf(exchange);
		if (exchange.key <= through) {
			shown.push(exchange);
			for (const part of parts) if (part.seq > through) taken.add(part.seq);
		} else {
			// Starts on the next page; its notes recorded before this page ended would be lost there.
			leftBehind.push(...parts.filter((part) => part.seq <= through));
		}
	}
	if (leftBehind.length > 0) shown.push(...buildExchanges(leftBehind.sort((a, b) => a.seq - b.seq)));
	shown.sort((a, b) => a.key - b.key);
	const more = events.length === pageEvents + lookahead || events.some((event) => event.seq > through && !taken.has(event.seq) && !options.skip.has(event.seq));
	return { exchanges: shown, nextAfterSeq: more ? through : null, nextSkip: more ? [...taken].sort((a, b) => a - b) : [] };
}

function partsOf(exchange: Exchange): ReplayEvent[] {
	const parts = [exchange.event, ...exchange.notes];
	if (exchange.request && exchange.request !== exchange.event) parts.push(exchange.request);
	if (exchange.response) parts.push(exchange.response);
	return parts;
}
