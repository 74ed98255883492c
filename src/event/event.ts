/** Who produced an event. */
export type EventOrigin = 'client' | 'server' | 'proxy';
/** Where a message went; null when it was not forwarded. */
export type EventTarget = 'client' | 'server' | null;
export type EventKind = 'message' | 'stderr' | 'lifecycle' | 'decision' | 'mask';

// The codes binary forms keep these fields as (the recorder's arena, the journal): a value's
// code is its index here. Append only: journals on disk hold these codes.
export const EVENT_ORIGINS: readonly EventOrigin[] = ['client', 'server', 'proxy'];
export const EVENT_TARGETS: readonly EventTarget[] = [null, 'client', 'server'];
export const EVENT_KINDS: readonly EventKind[] = ['message', 'stderr', 'lifecycle', 'decision', 'mask'];
export const ORIGIN_CODES: Readonly<Record<EventOrigin, number>> = { client: 0, server: 1, proxy: 2 };
/** No target (null) is code 0. */
export const TARGET_CODES: Readonly<Record<NonNullable<EventTarget>, number>> = { client: 1, server: 2 };
export const KIND_CODES: Readonly<Record<EventKind, number>> = { message: 0, stderr: 1, lifecycle: 2, decision: 3, mask: 4 };

/**
 * One thing that happened in a session, as recorded (DESIGN §5): the one event type. Its
 * other forms (the store row, the wire line, the replay view, the journal entry) are
 * converted in event-forms.ts; the hash chain covers every field (hash-chain.ts).
 */
export interface RecordedEvent {
	/** Its place in the session, from 0. */
	seq: number;
	/** µs since the epoch. */
	ts: number;
	origin: EventOrigin;
	target: EventTarget;
	kind: EventKind;
	method: string | null;
	/** The JSON-RPC id in its stable text form (`1`, `"abc"`; see idKey). */
	rpcId: string | null;
	tool: string | null;
	/** The payload's length in bytes. */
	size: number;
	latencyUs: number | null;
	/** The exact bytes forwarded (without the newline), or the event's own JSON/text. */
	payload: Buffer;
}

/** Where an event stands in its session's hash chain (hash-chain.ts). */
export interface ChainLink {
	prevHash: string;
	hash: string;
}

/** A recorded event with its chain link: what the store keeps, sync uploads and verify checks. */
export interface ChainEvent extends RecordedEvent, ChainLink {}

/**
 * An event as handed to the recorder, which assigns its seq and size and stamps `ts` when
 * absent; the columns it does not know are left out.
 */
export interface SessionEvent extends Pick<RecordedEvent, 'origin' | 'target' | 'kind' | 'payload'>, Partial<Pick<RecordedEvent, 'ts' | 'method' | 'rpcId' | 'tool' | 'latencyUs'>> {
	/** What the event adds to the session's counters (messages and bytes count themselves). */
	counts?: EventCounts;
}

/** A counter that one event adds one to, or several counters with amounts. */
export type EventCounts = CounterName | Partial<Record<CounterName, number>>;

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

/** Adds one event to a session's counters: a message counts itself and its bytes, any event its `counts`. */
export function countEvent(counters: SessionCounters, event: Pick<SessionEvent, 'kind' | 'payload' | 'counts'>): void {
	if (event.kind === 'message') {
		counters.messages++;
		counters.bytes += event.payload.length;
	}
	const counts = event.counts;
	if (counts === undefined) return;
	if (typeof counts === 'string') counters[counts]++;
	else for (const name in counts) counters[name as CounterName] += counts[name as CounterName]!;
}
