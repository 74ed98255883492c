// Groups a session's events into exchanges — a request and its response, or a single
// notification / stderr line / lifecycle event — the unit the timeline shows.

import type { ReplayEvent } from '../event/event-forms.js';

/** `error`: a JSON-RPC error; `tool-error`: a tool's result with `isError: true` (response-outcome.ts). */
export type ExchangeStatus = 'ok' | 'error' | 'tool-error' | 'pending' | 'refused' | 'info';

export interface Exchange {
	/** seq of the first event, unique within the session. */
	key: number;
	kind: 'request' | 'notification' | 'stderr' | 'lifecycle' | 'invalid' | 'other';
	/** client→server, server→client, or who spoke for single events. */
	direction: string;
	method: string | null;
	tool: string | null;
	id: string | number | null;
	request?: ReplayEvent;
	response?: ReplayEvent;
	event: ReplayEvent;
	/** Decision and mask events about this exchange (blocked, held, approved, masked). */
	notes: ReplayEvent[];
	status: ExchangeStatus;
	durationMs: number | null;
	startedMicros: number;
}

export function buildExchanges(events: ReplayEvent[]): Exchange[] {
	const exchanges: Exchange[] = [];
	const open = new Map<string, Exchange>();
	// Notes name their request by id; a held call's notes come before the call itself.
	const latestById = new Map<string, Exchange>();
	const earlyNotes = new Map<string, ReplayEvent[]>();
	for (const event of events) {
		if ((event.kind === 'decision' || event.kind === 'mask') && event.id !== null) {
			const key = JSON.stringify(event.id);
			const exchange = latestById.get(key);
			if (exchange && exchange.kind === 'request') exchange.notes.push(event);
			else earlyNotes.set(key, [...(earlyNotes.get(key) ?? []), event]);
			continue;
		}
		if (event.kind !== 'message') {
			exchanges.push(single(event, event.kind === 'stderr' ? 'stderr' : event.kind === 'lifecycle' ? 'lifecycle' : 'other'));
			continue;
		}
		const message = event.message as Record<string, unknown> | undefined;
		if (!message || Array.isArray(message)) {
			exchanges.push(single(event, message ? 'other' : 'invalid'));
			continue;
		}
		const isRequest = typeof message.method === 'string' && 'id' in message;
		const isResponse = !('method' in message) && ('result' in message || 'error' in message);
		if (isRequest) {
			// A request with no target was refused by mcprec; its answer comes from the proxy.
			const exchange: Exchange = {
				...single(event, 'request'),
				request: event,
				status: event.target === null ? 'refused' : 'pending',
			};
			open.set(pairKey(event.origin, event.id), exchange);
			const key = JSON.stringify(event.id);
			latestById.set(key, exchange);
			exchange.notes.push(...(earlyNotes.get(key) ?? []));
			earlyNotes.delete(key);
			exchanges.push(exchange);
			continue;
		}
		if (isResponse) {
			const requester = event.origin === 'client' ? 'server' : 'client';
			const exchange = open.get(pairKey(requester, event.id));
			if (exchange) {
				open.delete(pairKey(requester, event.id));
				exchange.response = event;
				if (exchange.status !== 'refused') exchange.status = event.outcome === 'blocked' ? 'refused' : (event.outcome ?? 'ok');
				exchange.durationMs = event.latencyMs ?? (event.tsMicros - exchange.startedMicros) / 1000;
				continue;
			}
		}
		exchanges.push(single(event, typeof message.method === 'string' ? 'notification' : 'other'));
	}
	for (const notes of earlyNotes.values()) {
		// A call still held when the record ends (a session uploaded while its call waits for
		// an approver, or one that stopped then): its notes stand for the call, which waits.
		if (notes.some(isHeldNote)) exchanges.push({ ...single(notes[0]!, 'request'), notes, status: 'pending' });
		else for (const note of notes) exchanges.push(single(note, 'other'));
	}
	return exchanges.sort((a, b) => a.key - b.key);
}

function single(event: ReplayEvent, kind: Exchange['kind']): Exchange {
	const message = event.message as { error?: unknown } | undefined;
	return {
		key: event.seq,
		kind,
		direction: event.target ? `${event.origin}→${event.target}` : event.origin,
		method: event.method,
		tool: event.tool,
		id: event.id,
		event,
		notes: [],
		status: kind === 'invalid' || (message && message.error !== undefined) ? 'error' : 'info',
		durationMs: null,
		startedMicros: event.tsMicros,
	};
}

function isHeldNote(event: ReplayEvent): boolean {
	const details = event.details as Record<string, unknown> | undefined;
	return event.kind === 'decision' && details?.action === 'approve' && details.status === 'held';
}

function pairKey(origin: string, id: string | number | null): string {
	return `${origin}:${JSON.stringify(id)}`;
}
