// `mcprec export --format jsonl`: one JSON object per event, self-contained for log
// shippers and `jq`. Each line is the event as `replay --json` prints it (DESIGN §5) with
// the session it belongs to under `session`, so a line read alone still says which
// session, server and user it is about. Without --payloads the message bodies and stderr
// text are left out (`message`, `text`); decision, mask and lifecycle details stay, they
// are mcprec's own notes.

import type { ReplayEvent } from '../event/event-forms.js';
import type { SessionSummary } from '../sessions/session-summary.js';

/** The session's facts on every line: what does not change once it has ended. */
export type JsonlSession = Omit<SessionSummary, 'counts' | 'headHash' | 'synced'>;

export function jsonlSession(summary: SessionSummary): JsonlSession {
	const { counts: _counts, headHash: _headHash, synced: _synced, ...session } = summary;
	return session;
}

/** `extra`: what `replay --json` adds to the line (replay/print-json.ts withApprovalFacts). */
export function formatJsonlLine(session: JsonlSession, event: ReplayEvent, options: { payloads: boolean }, extra?: Record<string, unknown>): string {
	const { tsMicros: _tsMicros, message, text, ...rest } = event;
	const line: Record<string, unknown> = { session, ...rest, ...extra };
	if (options.payloads) {
		if (message !== undefined) line.message = message;
		if (text !== undefined) line.text = text;
	}
	return `${JSON.stringify(line)}\n`;
}
