// Timeline rows of the session page. Each exchange is one expandable row: closed, it reads
// as what happened (method, tool, status, duration, markers, and on a second line the
// arguments and the first line of the result, or the decision); opened, it shows the
// arguments, the result (text, image thumbnails, links, structured content), the approval
// story and what masking hid, a link to the row — and the raw JSON-RPC one click further.
// The closed row (a <summary>, itself a control) holds no links: controls must not nest. Runs of protocol
// housekeeping (initialize, notifications, pings, list calls) are folded into one row.

import type { Exchange } from '../../replay/build-exchanges.js';
import type { ReplayEvent } from '../../event/event-forms.js';
import { isoMicros } from '../../event/event-forms.js';
import { directionArrow, exchangeMarkers, exchangeName, exchangeSubject, statusText } from '../../replay/exchange-labels.js';
import { approvalLine } from '../../replay/approval-facts.js';
import { exchangeGist, firstResultLine, isProtocolChatter, type ApprovalStory, type ExchangeGist, type MaskStory, type ResultPart } from '../../replay/exchange-gist.js';
import { html, type Html } from './html.js';

/** Longest JSON shown per event; the rest is cut (the API has every byte). */
const MAX_SHOWN_CHARS = 100_000;
/** Images shown inline: raster types only, as data: URLs (the page's CSP allows no other source). */
const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** What masking leaves in place of a value (src/masking/replacement.ts). */
const PLACEHOLDER = /\[(?:REDACTED|HASH):[^\]\s]{1,80}\]/g;

export function renderExchanges(exchanges: Exchange[], sessionStartMicros: number): Html {
	const out: Html[] = [];
	let run: Exchange[] = [];
	const flush = () => {
		if (run.length === 1) out.push(renderExchange(run[0]!, sessionStartMicros));
		else if (run.length > 1) out.push(renderChatterRun(run, sessionStartMicros));
		run = [];
	};
	for (const exchange of exchanges) {
		if (isProtocolChatter(exchange)) {
			run.push(exchange);
			continue;
		}
		flush();
		out.push(renderExchange(exchange, sessionStartMicros));
	}
	flush();
	return html`${out}`;
}

// Several housekeeping exchanges in a row: one folded line naming them, the rows inside.
function renderChatterRun(run: Exchange[], startMicros: number): Html {
	const names = [...new Set(run.map((exchange) => exchangeName(exchange)))];
	const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? ` +${names.length - 4}` : '');
	return html`<details class="chatter-run" data-testid="chatter" data-seqs="${run.map((exchange) => exchange.key).join(',')}">
<summary><span class="fold">${run.length} protocol messages</span> <span class="light">${shown}</span></summary>
${run.map((exchange) => renderExchange(exchange, startMicros))}
</details>
`;
}

function renderExchange(exchange: Exchange, startMicros: number): Html {
	const markers = exchangeMarkers(exchange);
	const gist = exchange.kind === 'request' ? exchangeGist(exchange) : null;
	const parts = [
		exchange.request ? { label: 'request', event: exchange.request } : { label: exchange.kind === 'request' ? 'request' : exchange.event.kind, event: exchange.event },
		...(exchange.response ? [{ label: 'response', event: exchange.response }] : []),
		...exchange.notes.map((note) => ({ label: note.kind, event: note })),
	].sort((a, b) => a.event.seq - b.event.seq);
	const offset = (exchange.startedMicros - startMicros) / 1e6;
	const chatter = isProtocolChatter(exchange);
	// What the timeline's jumps look for (outcome names, as the badges that link to them).
	const flags = [...markers, ...(exchange.status === 'error' || exchange.status === 'tool-error' ? ['errors'] : []), ...(exchange.status === 'tool-error' ? ['tool-errors'] : [])];
	return html`<details class="exchange kind-${exchange.kind} status-${exchange.status}${chatter ? ' chatter' : ''}" id="seq-${exchange.key}" data-seq="${exchange.key}" data-ts="${exchange.startedMicros}" data-flags="${flags.join(' ')}" data-testid="exchange">
<summary><span class="seq">#${exchange.key}</span><span class="at" title="${exchange.event.ts}${offset >= 0 ? ` · +${offset.toFixed(3)} s after the session started` : ''}">${exchange.event.ts.slice(11, 23)}</span><span class="dir">${directionArrow(exchange)}</span><span class="method">${exchangeName(exchange)}</span><span class="subject">${exchangeSubject(exchange).slice(0, 200)}</span><span class="status">${statusText(exchange)}</span><span class="duration">${exchange.durationMs === null ? '' : formatDuration(exchange.durationMs)}</span><span class="markers">${markers.map((marker) => html`<span class="marker marker-${marker}" data-marker="${marker}">${marker}</span>`)}${noteReason(exchange.notes)}</span>${gist && !chatter ? gistLine(gist) : ''}</summary>
<div class="parts"><p class="row-link"><a class="permalink" href="#seq-${exchange.key}" title="the address of this row, to share">Link to row #${exchange.key}</a></p>${gist && !chatter ? readable(gist) : ''}<details class="raw" data-testid="raw"${gist && !chatter ? '' : ' open'}><summary>Raw JSON-RPC and records · ${parts.length} event${parts.length === 1 ? '' : 's'}</summary>${parts.map((part) => renderPart(part.label, part.event))}</details></div>
</details>
`;
}

// The second line of a closed row: arguments → first line of the result (or what stopped it).
function gistLine(gist: ExchangeGist): Html {
	const pieces: Html[] = [];
	if (gist.argumentsLine !== null) pieces.push(html`<span class="args" data-testid="gist-args">${highlight(gist.argumentsLine)}</span>`);
	let outcome: Html | string = '';
	if (gist.blocked) outcome = html`<span class="refusal">blocked by policy${gist.blocked.rule ? ` rule '${gist.blocked.rule}'` : ''}${gist.blocked.message ? `: ${gist.blocked.message}` : ''}</span>`;
	else if (gist.error !== null) outcome = html`<span class="error-text">${gist.error}</span>`;
	else if (gist.result.length > 0) outcome = html`<span class="result" data-testid="gist-result">${highlight(firstResultLine(gist.result))}</span>${thumbnails(gist.result)}`;
	if (outcome) pieces.push(html`<span class="to">→</span> ${outcome}`);
	if (gist.approval) pieces.push(html`<span class="approval-line" data-testid="gist-approval">${approvalLine(gist.approval)}</span>`);
	return pieces.length === 0 ? html`` : html`<span class="gist" data-testid="gist">${pieces.map((piece) => html`${piece} `)}</span>`;
}

function thumbnails(parts: ResultPart[]): Html {
	return html`${parts.map((part) => {
		if (part.type === 'image') return inlineImage(part, 'thumb');
		// Not a link inside the row's summary (a control itself, and controls must not nest); the opened row has the link.
		if (part.type === 'link') return html` <span class="resource-link light">${part.name}</span>`;
		return '';
	})}`;
}

function readable(gist: ExchangeGist): Html {
	const sections: Html[] = [];
	if (gist.arguments !== undefined) sections.push(section('Arguments', html`<pre class="json" data-testid="arguments">${highlight(JSON.stringify(gist.arguments, null, 2) ?? '')}</pre>`));
	if (gist.blocked) sections.push(section('Blocked by policy', html`<p>Rule <b>${gist.blocked.rule ?? '?'}</b> blocked the call${gist.blocked.message ? html`: ${gist.blocked.message}` : ''}. The server never saw it; the client was answered by mcprec.</p>`));
	if (gist.approval) sections.push(section('Approval', approvalFacts(gist.approval)));
	if (gist.error !== null) sections.push(section('Error', html`<p class="error-text">${gist.error}</p>`));
	if (gist.result.length > 0) sections.push(section('Result', html`${gist.result.map(resultPart)}`));
	if (gist.masks.length > 0) sections.push(section('Masking', html`${gist.masks.map(maskLine)}`));
	return html`<div class="readable" data-testid="readable">${sections}</div>`;
}

function section(title: string, body: Html): Html {
	return html`<section class="part readable-part"><h4>${title}</h4>${body}</section>`;
}

function resultPart(part: ResultPart): Html {
	switch (part.type) {
		case 'text':
			return html`<pre class="text" data-testid="result-text">${highlight(cut(part.text))}</pre>`;
		case 'image':
			return html`<p class="image-part">${inlineImage(part, 'image')} <span class="light">${part.mimeType}, ${part.bytes.toLocaleString('en')} bytes</span></p>`;
		case 'audio':
			return html`<p class="light">audio ${part.mimeType}, ${part.bytes.toLocaleString('en')} bytes (in the raw message)</p>`;
		case 'link':
			return html`<p class="link-part">${resourceLink(part.uri, part.name)}${part.description ? html` <span class="light">${part.description}</span>` : ''}</p>`;
		case 'resource':
			return html`<p class="mono">${part.uri}</p>${part.text !== undefined ? html`<pre class="text">${highlight(cut(part.text))}</pre>` : ''}`;
		case 'structured':
			return html`<table class="structured" data-testid="structured"><caption>structured content</caption>${part.entries.map(([key, value]) => html`<tr><th scope="row">${key}</th><td>${highlight(value)}</td></tr>`)}${part.more > 0 ? html`<tr><td colspan="2" class="light">+${part.more} more (raw JSON below)</td></tr>` : ''}</table>`;
		default:
			return html`<pre class="json">${part.text}</pre>`;
	}
}

function inlineImage(part: Extract<ResultPart, { type: 'image' }>, className: string): Html | string {
	if (!INLINE_IMAGE_TYPES.has(part.mimeType) || !BASE64.test(part.data)) return html`<span class="light">[${part.mimeType} image, ${part.bytes.toLocaleString('en')} bytes]</span>`;
	return html`<img class="${className}" data-testid="image-${className}" alt="${part.mimeType} image from the tool, ${part.bytes} bytes" src="data:${part.mimeType};base64,${part.data}">`;
}

// Only web addresses become links; other schemes (file:, demo:, javascript:…) stay text.
function resourceLink(uri: string, name: string): Html {
	const web = /^https?:\/\//i.test(uri);
	return web
		? html`<a class="resource-link" data-testid="resource-link" href="${uri}" rel="noopener noreferrer nofollow" target="_blank">${name}</a>`
		: html`<span class="resource-link" data-testid="resource-link" title="${uri}">${name} <code>${uri}</code></span>`;
}

function approvalFacts(story: ApprovalStory): Html {
	const row = (label: string, value: string | null) => (value ? html`<div><dt>${label}</dt><dd>${value}</dd></div>` : '');
	const waited = story.decidedMicros === null ? null : formatDuration((story.decidedMicros - story.heldMicros) / 1000);
	return html`<dl class="facts approval-facts" data-testid="approval">
${row('Rule', story.rule)}
${row('Requested', formatWhen(story.heldMicros))}
${row('Waited', waited ?? 'no decision in the record')}
${row('Decision', story.outcome === 'denied' ? 'denied — not approved, the call was not forwarded' : story.outcome)}
${row('Decided by', story.decidedBy ?? (story.outcome === 'waiting' ? null : story.channel === 'timeout' ? 'nobody (timed out)' : 'not recorded'))}
${row('Channel', story.channel)}
${row('Decided', story.decidedMicros === null ? null : formatWhen(story.decidedMicros))}
${row('Reason', story.approverReason ?? story.reason)}
</dl>`;
}

function maskLine(story: MaskStory): Html {
	const count = story.detectors.reduce((sum, finding) => sum + finding.count, 0);
	const names = story.detectors.map((finding) => `${finding.detector}${finding.path ? ` at ${finding.path}` : ''}`).join(', ');
	const where = story.recordOnly
		? html`in the request, <b>in the record only</b>: the server received the real value; this record keeps the placeholder.`
		: html`in the ${story.where}: the client and this record got the placeholder; the original value is not stored anywhere.`;
	return html`<p class="mask-line" data-testid="mask-line"><mark class="redacted">${count} value${count === 1 ? '' : 's'} masked</mark> (${names}) ${where}</p>`;
}

// Placeholders left by masking, highlighted where they stand in the text.
function highlight(text: string): Html {
	const pieces: (string | Html)[] = [];
	let last = 0;
	for (const match of text.matchAll(PLACEHOLDER)) {
		pieces.push(text.slice(last, match.index));
		const detector = match[0].slice(1, -1).split(':')[1] ?? '?';
		pieces.push(html`<mark class="redacted" data-testid="redacted" title="masked by mcprec (${detector}); the original value is not stored">${match[0]}</mark>`);
		last = match.index + match[0].length;
	}
	pieces.push(text.slice(last));
	return html`${pieces}`;
}

function cut(text: string): string {
	return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}… (${text.length - MAX_SHOWN_CHARS} more characters in the raw message)` : text;
}

function renderPart(label: string, event: ReplayEvent): Html {
	const value = event.message ?? event.details ?? event.text ?? '';
	const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
	const cutText = text.length > MAX_SHOWN_CHARS;
	return html`<section class="part"><h4>${label} <span class="meta">seq ${event.seq} · ${event.ts} · ${event.target ? `${event.origin}→${event.target}` : event.origin} · ${event.size} bytes</span></h4><pre class="json">${cutText ? text.slice(0, MAX_SHOWN_CHARS) : text}</pre>${cutText ? html`<p class="cut">… ${text.length - MAX_SHOWN_CHARS} more characters (GET /api/v1/sessions/…/events has all of it)</p>` : ''}</section>`;
}

// The rule that blocked or held a call, next to its marker.
function noteReason(notes: ReplayEvent[]): Html | string {
	for (const note of notes) {
		const details = note.details as { rule?: unknown } | undefined;
		if (note.kind === 'decision' && details && typeof details.rule === 'string') return html`<span class="rule">rule ${details.rule}</span>`;
	}
	return '';
}

/** `2026-11-22 10:00:01.234 UTC` */
export function formatWhen(micros: number): string {
	return `${isoMicros(micros).slice(0, 23).replace('T', ' ')} UTC`;
}

function formatDuration(ms: number): string {
	if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
	if (ms < 1000) return `${ms.toFixed(1)} ms`;
	return `${(ms / 1000).toFixed(2)} s`;
}
