// Which spans of a session being recorded can go now (issue 18, live export): a request's
// span once nothing recorded later can change it, the session's root span once the session
// has ended. A span that goes early must be the very span a later `mcprec export` makes of
// the finished session (same ids, same attributes), so that sending the rest later never
// sends one twice in two versions.
//
// A request's span is final when its response is in the store together with the notes
// recorded with it (decision and mask events, written right after the response, in the same
// moment): that is certain once any other event follows them, or once the session ended, or
// once the store has been quiet for a while (`quiet`), since those notes are committed in
// the same batch as the response.

import type { ReplayEvent } from '../event/event-forms.js';
import { sessionSpans, type ExportSession, type SpanOptions, type SpanRecord } from './session-spans.js';

export interface LiveSpanInput {
	/** The session as the store has it now; `endedMicros` null while it runs. */
	session: ExportSession;
	/** Its events so far, in seq order from 0. */
	events: ReplayEvent[];
	options: SpanOptions;
	/** Nothing new was recorded for a while: what is in the store has its notes. */
	quiet: boolean;
}

export interface LiveSpans {
	/** Request spans that will not change, with their request's seq. */
	requests: { requestSeq: number; span: SpanRecord }[];
	/** The seq of every request span, final or not. */
	requestSeqs: number[];
	/** The session's root span, once it has ended. */
	root: SpanRecord | undefined;
}

export function liveSpans({ session, events, options, quiet }: LiveSpanInput): LiveSpans {
	const ended = session.endedMicros !== null;
	const [root, ...children] = sessionSpans(session, events, options);
	const requests: LiveSpans['requests'] = [];
	const requestSeqs: number[] = [];
	for (const span of children) {
		const requestSeq = span.attributes['mcprec.request.seq'] as number;
		requestSeqs.push(requestSeq);
		const responseSeq = span.attributes['mcprec.response.seq'];
		if (ended || (typeof responseSeq === 'number' && (quiet || followedByOther(events, responseSeq)))) requests.push({ requestSeq, span });
	}
	return { requests, requestSeqs, root: ended ? root : undefined };
}

// Something after the response that is not one of its own notes (a decision or mask event
// with the response's id and method): its notes are all in, since they came first.
function followedByOther(events: ReplayEvent[], responseSeq: number): boolean {
	const response = events[responseSeq];
	if (!response || response.seq !== responseSeq) return false;
	for (let index = responseSeq + 1; index < events.length; index++) {
		const event = events[index]!;
		const ownNote = (event.kind === 'decision' || event.kind === 'mask') && event.id === response.id && event.method === response.method;
		if (!ownNote) return true;
	}
	return false;
}
