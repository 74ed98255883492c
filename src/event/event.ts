/** Who produced an event. */
export type EventOrigin = 'client' | 'server' | 'proxy';
/** Where a message went; null when it was not forwarded. */
export type EventTarget = 'client' | 'server' | null;
export type EventKind = 'message' | 'stderr' | 'lifecycle' | 'decision' | 'mask';

/** One thing that happened in a session, as handed to the recorder. */
export interface SessionEvent {
	origin: EventOrigin;
	target: EventTarget;
	kind: EventKind;
	method?: string | null;
	/** The JSON-RPC id in its stable text form (see idKey). */
	rpcId?: string | null;
	tool?: string | null;
	/** The exact bytes forwarded (without the newline), or the event's own JSON/text. */
	payload: Buffer;
	latencyUs?: number | null;
	/** µs since the epoch; the recorder stamps it when absent. */
	ts?: number;
	/** What the event adds to the session's counters (messages and bytes count themselves). */
	counts?: CounterName | Partial<Record<CounterName, number>>;
}

/** Counters that follow from what an event is: a forwarded request, an error answer, a blocked call… */
export type CounterName = 'requests' | 'errors' | 'toolErrors' | 'blocked' | 'denied' | 'masked' | 'approvals';

/** Per-session counters stored on the session row. */
export interface SessionCounters {
	messages: number;
	requests: number;
	/** Error answers: JSON-RPC errors and tool errors (response-outcome.ts). */
	errors: number;
	/** The part of `errors` that are tools/call results with `isError: true` from the server. */
	toolErrors: number;
	/** Calls a policy rule refused (decision-kind.ts `blocked`). */
	blocked: number;
	/** Held calls that were not approved: an approver said no, or nobody answered in time. */
	denied: number;
	masked: number;
	/** Calls held for a person. */
	approvals: number;
	bytes: number;
}

export function emptyCounters(): SessionCounters {
	return { messages: 0, requests: 0, errors: 0, toolErrors: 0, blocked: 0, denied: 0, masked: 0, approvals: 0, bytes: 0 };
}
