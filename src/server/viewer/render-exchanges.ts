// Timeline rows of the session page: one expandable row per exchange with its method, tool,
// status, duration and markers (the labels the terminal timeline uses), and the pretty
// JSON of every event in it when opened.

import type { Exchange } from '../../replay/build-exchanges.js';
import type { ReplayEvent } from '../../event/replay-event.js';
import { directionArrow, exchangeMarkers, exchangeName, exchangeSubject, statusText } from '../../replay/exchange-labels.js';
import { html, type Html } from './html.js';

/** Longest JSON shown per event; the rest is cut (the API has every byte). */
const MAX_SHOWN_CHARS = 100_000;

export function renderExchanges(exchanges: Exchange[], sessionStartMicros: number): Html {
	return html`${exchanges.map((exchange) => renderExchange(exchange, sessionStartMicros))}`;
}

function renderExchange(exchange: Exchange, startMicros: number): Html {
	const markers = exchangeMarkers(exchange);
	const status = statusText(exchange.status);
	const parts = [
		exchange.request ? { label: 'request', event: exchange.request } : { label: exchange.kind === 'request' ? 'request' : exchange.event.kind, event: exchange.event },
		...(exchange.response ? [{ label: 'response', event: exchange.response }] : []),
		...exchange.notes.map((note) => ({ label: note.kind, event: note })),
	];
	const offset = (exchange.startedMicros - startMicros) / 1e6;
	// Wall-clock time (UTC) reads well even when a laptop's clock and the session start disagree.
	return html`<details class="exchange kind-${exchange.kind} status-${exchange.status}" id="seq-${exchange.key}" data-seq="${exchange.key}" data-testid="exchange">
<summary><span class="seq">#${exchange.key}</span><span class="at" title="${offset >= 0 ? `+${offset.toFixed(3)} s after the session started` : ''}">${exchange.event.ts.slice(11, 23)}</span><span class="dir">${directionArrow(exchange)}</span><span class="method">${exchangeName(exchange)}</span><span class="subject">${exchangeSubject(exchange).slice(0, 200)}</span><span class="status">${status}</span><span class="duration">${exchange.durationMs === null ? '' : formatDuration(exchange.durationMs)}</span><span class="markers">${markers.map((marker) => html`<span class="marker marker-${marker}" data-marker="${marker}">${marker}</span>`)}${noteReason(exchange.notes)}</span></summary>
<div class="parts">${parts.map((part) => renderPart(part.label, part.event))}</div>
</details>
`;
}

function renderPart(label: string, event: ReplayEvent): Html {
	const value = event.message ?? event.details ?? event.text ?? '';
	const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
	const cut = text.length > MAX_SHOWN_CHARS;
	return html`<section class="part"><h4>${label} <span class="meta">seq ${event.seq} · ${event.ts} · ${event.target ? `${event.origin}→${event.target}` : event.origin} · ${event.size} bytes</span></h4><pre class="json">${cut ? text.slice(0, MAX_SHOWN_CHARS) : text}</pre>${cut ? html`<p class="cut">… ${text.length - MAX_SHOWN_CHARS} more characters (GET /api/v1/sessions/…/events has all of it)</p>` : ''}</section>`;
}

// The rule that blocked or held a call, next to its marker.
function noteReason(notes: ReplayEvent[]): Html | string {
	for (const note of notes) {
		const details = note.details as { rule?: unknown } | undefined;
		if (note.kind === 'decision' && details && typeof details.rule === 'string') return html`<span class="rule">rule ${details.rule}</span>`;
	}
	return '';
}

function formatDuration(ms: number): string {
	if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
	if (ms < 1000) return `${ms.toFixed(1)} ms`;
	return `${(ms / 1000).toFixed(2)} s`;
}
