// What one timeline row says about an exchange: its arrow, name, subject, status colour and
// the markers later stages (guardrails, approvals, masking) leave on its events.

import type { Exchange, ExchangeStatus } from './build-exchanges.js';
import type { ReplayEvent } from '../event/event-forms.js';
import { sanitizeText } from './format-timeline.js';
import { decisionKind, type DecisionKind } from '../event/decision-kind.js';
import { describePolicy, policyOfStart } from './policy-in-force.js';

/** A policy rule refused (blocked); held for a person, who approved or denied it; values masked. */
export type Marker = DecisionKind | 'masked';

/** Colours by status: ok green, errors of both kinds red, refused (and blocked) yellow, pending grey. */
export const STATUS_COLORS: Record<ExchangeStatus, string> = {
	ok: 'green',
	error: 'red',
	'tool-error': 'red',
	refused: 'yellow',
	pending: 'gray',
	info: 'gray',
};

export const MARKER_COLORS: Record<Marker, string> = {
	blocked: 'yellow',
	held: 'magenta',
	approved: 'cyan',
	denied: 'red',
	masked: 'blue',
};

/**
 * The status column. A call mcprec answered itself reads as its decision — `blocked` by a
 * policy rule, or `denied` when a held call was not approved — the same word as its marker.
 */
export function statusText(exchange: Pick<Exchange, 'status' | 'notes'>): string {
	const { status } = exchange;
	if (status === 'tool-error') return 'tool error';
	if (status === 'refused') return exchange.notes.some((note) => note.kind === 'decision' && decisionKind(note.details) === 'denied') ? 'denied' : 'blocked';
	return status === 'info' ? '' : status;
}

/** → client to server, ← server to client, ↩ answered by mcprec itself, ≡ stderr, • lifecycle. */
export function directionArrow(exchange: Exchange): string {
	const { origin, target } = exchange.event;
	if (exchange.kind === 'stderr') return '≡';
	if (exchange.kind === 'lifecycle' || (exchange.kind === 'other' && exchange.event.kind !== 'message')) return '•';
	if (origin === 'proxy') return target === 'server' ? '↪' : '↩';
	return origin === 'server' ? '←' : '→';
}

/** The name column: the JSON-RPC method, or what kind of event this is. */
export function exchangeName(exchange: Exchange): string {
	switch (exchange.kind) {
		case 'stderr':
			return 'stderr';
		case 'lifecycle':
			return 'lifecycle';
		case 'invalid':
			return 'invalid message';
		case 'other':
			if (exchange.event.kind !== 'message') return exchange.event.kind;
			if (Array.isArray(exchange.event.message)) return 'batch';
			return exchange.method ?? (hasError(exchange.event) ? 'error response' : 'response');
		default:
			return exchange.method ?? '?';
	}
}

/** The subject column: the tool for tool calls, else the most telling short text. */
export function exchangeSubject(exchange: Exchange): string {
	if (exchange.tool) return exchange.tool;
	const event = exchange.event;
	switch (exchange.kind) {
		case 'stderr':
		case 'invalid':
			return sanitizeText((event.text ?? '').split('\n', 1)[0]);
		case 'lifecycle':
			return describeDetails(event.details);
		case 'other': {
			if (event.kind !== 'message') return describeDetails(event.details);
			const message = event.message as { error?: { message?: unknown } } | undefined;
			if (message?.error && typeof message.error.message === 'string') return sanitizeText(message.error.message);
			return '';
		}
		default:
			return resourceOrPrompt(exchange.request?.message ?? event.message);
	}
}

/** Markers from the exchange's decision and mask events (and any decision/masked fields on its messages). */
export function exchangeMarkers(exchange: Exchange): Marker[] {
	const markers = new Set<Marker>();
	for (const event of [exchange.event, exchange.request, exchange.response, ...(exchange.notes ?? [])]) {
		if (!event) continue;
		for (const marker of decisionMarkers(event.decision)) markers.add(marker);
		if (isMasked(event.masked)) markers.add('masked');
	}
	return [...markers];
}

// Decisions are named by decisionKind (src/event/decision-kind.ts), as everywhere else;
// a decision in another shape (an older recording) names nothing.
function decisionMarkers(decision: unknown): Marker[] {
	const kind = decisionKind(decision);
	return kind === undefined ? [] : [kind];
}

function isMasked(masked: unknown): boolean {
	if (masked === null || masked === undefined || masked === false || masked === 0) return false;
	if (Array.isArray(masked)) return masked.length > 0;
	if (typeof masked === 'object') {
		const count = (masked as { count?: unknown }).count;
		return typeof count === 'number' ? count > 0 : Object.keys(masked).length > 0;
	}
	return true;
}

function hasError(event: ReplayEvent): boolean {
	const message = event.message as { error?: unknown } | undefined;
	return Boolean(message && typeof message === 'object' && message.error !== undefined);
}

function resourceOrPrompt(message: unknown): string {
	const params = (message as { params?: Record<string, unknown> } | undefined)?.params;
	if (!params || typeof params !== 'object') return '';
	for (const key of ['uri', 'name', 'ref']) {
		const value = params[key];
		if (typeof value === 'string') return sanitizeText(value);
	}
	return '';
}

// `{"event":"end","reason":"client-closed","status":0}` → `end reason=client-closed status=0`.
function describeDetails(details: unknown): string {
	if (!details || typeof details !== 'object' || Array.isArray(details)) return details === undefined ? '' : sanitizeText(String(JSON.stringify(details)));
	const record = details as Record<string, unknown>;
	const parts: string[] = [];
	if (typeof record.event === 'string') parts.push(record.event);
	for (const [key, value] of Object.entries(record)) {
		if (key === 'event' || value === null || typeof value === 'object') continue;
		parts.push(`${key}=${String(value)}`);
	}
	const policy = policyOfStart(details);
	if (policy) parts.push(`policy=${describePolicy(policy)}`);
	return sanitizeText(parts.join(' '));
}
