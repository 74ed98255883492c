import type { Writable } from 'node:stream';
import type { ReplayEvent } from '../event/event-forms.js';
import { decisionKind } from '../event/decision-kind.js';
import { approvalFacts } from './approval-facts.js';
import { approvalStory } from './exchange-gist.js';

/** `replay --json`: one JSON object per event (NDJSON), without the internal µs field. */
export function formatJsonLine(event: ReplayEvent, extra?: Record<string, unknown>): string {
	const { tsMicros: _tsMicros, ...rest } = event;
	return `${JSON.stringify(extra ? { ...rest, ...extra } : rest)}\n`;
}

// The decision that settles a held call also carries the call's story (`approval`: asked
// when, waited how long, decided by whom, on which channel, why), so a reader of one line
// need not pair it with the `held` line by hand.
export function* withApprovalFacts(events: Iterable<ReplayEvent>): Generator<[ReplayEvent, Record<string, unknown> | undefined]> {
	const held = new Map<string, ReplayEvent>();
	for (const event of events) {
		let extra: Record<string, unknown> | undefined;
		if (event.kind === 'decision' && event.id !== null) {
			const key = JSON.stringify(event.id);
			const details = (event.details ?? {}) as Record<string, unknown>;
			const kind = decisionKind(details);
			if (kind === 'held') held.set(key, event);
			else if (details.action === 'approve' && (kind === 'approved' || kind === 'denied' || details.status === 'cancelled')) {
				const story = approvalStory([...(held.has(key) ? [held.get(key)!] : []), event]);
				held.delete(key);
				if (story) extra = { approval: approvalFacts(story) };
			}
		}
		yield [event, extra];
	}
}

export async function printJson(events: Iterable<ReplayEvent>, output: Writable): Promise<void> {
	for (const [event, extra] of withApprovalFacts(events)) {
		if (!output.write(formatJsonLine(event, extra))) await new Promise((resolve) => output.once('drain', resolve));
	}
}
