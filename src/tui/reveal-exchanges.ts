// During playback the timeline shows only what had happened by the playback clock: exchanges
// that started by then, and their responses only once those arrived.

import type { Exchange } from '../replay/build-exchanges.js';

/** An exchange as the timeline shows it right now. */
export interface TimelineExchange extends Exchange {
	/** Playback has not reached the recorded response yet. */
	awaitingResponse?: boolean;
}

/** The exchanges visible once every event up to `revealedSeq` has played (Infinity: all). */
export function revealExchanges(exchanges: Exchange[], revealedSeq: number): TimelineExchange[] {
	if (revealedSeq === Number.POSITIVE_INFINITY) return exchanges;
	const visible: TimelineExchange[] = [];
	// buildExchanges keeps exchanges in the order of their first event, so the visible ones are a prefix.
	for (const exchange of exchanges) {
		if (exchange.event.seq > revealedSeq) break;
		if (exchange.response && exchange.response.seq > revealedSeq) {
			visible.push({
				...exchange,
				response: undefined,
				status: exchange.status === 'refused' ? 'refused' : 'pending',
				durationMs: null,
				awaitingResponse: true,
			});
		} else {
			visible.push(exchange);
		}
	}
	return visible;
}
