// One session: who, where, when, counters and integrity up top; below, the timeline of
// exchanges, a page at a time (the rest arrives as the reader scrolls or asks for more).

import { isoMicros } from '../../event/event-forms.js';
import type { StoredSession, LegalHold } from '../store/collector-store.js';
import { html, type Html } from './html.js';
import type { ExchangePage } from './page-exchanges.js';
import { renderExchanges } from './render-exchanges.js';
import { clientLabel } from './session-list-page.js';
import { INTEGRITY_TEXT, integrityBadge, outcomeBadges, userLabel } from './session-labels.js';
import { claimedUser } from '../session-view.js';
import { AUDITOR_ASSETS } from './auditor-assets.js';
import { policyOfStart } from '../../replay/policy-in-force.js';

/** The legal hold on the session and what the viewer may do about it (auditors place and lift holds). */
export interface LegalHoldControls {
	hold: LegalHold | undefined;
	canChange: boolean;
	formToken: string;
}

export function renderSessionPage(session: StoredSession, firstPage: ExchangePage, legalHold?: LegalHoldControls): Html {
	const metadata = session.metadata;
	const counts = (metadata.counts ?? {}) as Record<string, unknown>;
	const user = (metadata.user ?? {}) as Record<string, unknown>;
	const claimed = claimedUser(session);
	const started = isoMicros(session.startedAt);
	const ended = session.endedAt === null ? null : isoMicros(session.endedAt);
	const seconds = session.endedAt === null ? null : (session.endedAt - session.startedAt) / 1e6;
	const command = Array.isArray(metadata.command) ? (metadata.command as unknown[]).join(' ') : typeof metadata.url === 'string' ? metadata.url : '';
	const field = (label: string, value: Html | string | number | null | undefined) =>
		value === null || value === undefined || value === '' ? '' : html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
	return html`<p class="crumbs"><a href="/">Sessions</a> / <span class="mono">${session.id}</span></p>
<section class="header" data-testid="session-header">
<h1>${session.server} <span class="light">· ${userLabel(session)}</span></h1>
<div class="integrity-box integrity-${session.integrity}" data-testid="integrity">${integrityBadge(session.integrity)}<span>${INTEGRITY_TEXT[session.integrity]}</span></div>
<dl class="facts">
${field('User', `${userLabel(session)}${typeof user.host === 'string' ? ` on ${user.host}` : ''}`)}
${claimed ? field('Claimed by the device', html`<span class="claimed" data-testid="claimed-user">${[claimed.email, claimed.sub].filter(Boolean).join(' · ')} (not the signed-in uploader)</span>`) : ''}
${field('Server', session.server)}
${field('Command', command)}
${field('Client', clientLabel(metadata))}
${field('Protocol', typeof metadata.protocolVersion === 'string' ? metadata.protocolVersion : null)}
${field('Identity', identityFacts(user))}
${field('Policy', policyFacts(firstPage, metadata))}
${field('Started', utc(started))}
${field('Ended', ended ? `${utc(ended)} (${seconds!.toFixed(1)} s${typeof metadata.endReason === 'string' ? `, ${metadata.endReason}` : ''})` : 'still open')}
${field('Exit', metadata.exitCode === null || metadata.exitCode === undefined ? (typeof metadata.exitSignal === 'string' ? metadata.exitSignal : null) : String(metadata.exitCode))}
${field('Counters', `${num(counts.messages)} messages · ${num(counts.requests)} requests · ${num(counts.errors)} errors${typeof counts.toolErrors === 'number' && counts.toolErrors > 0 ? ` (${counts.toolErrors} tool)` : ''} · ${num(counts.blocked)} blocked${typeof counts.denied === 'number' ? ` · ${counts.denied} denied` : ''} · ${num(counts.masked)} masked · ${num(counts.approvals)} approvals`)}
${field('Outcomes', outcomeBadges(session.outcomes, (name) => `?flag=${name}`))}
${field('Stored', html`<span data-testid="stored-events">${session.nextSeq}</span> events, head <span class="mono">${session.headHash?.slice(0, 16) ?? '—'}</span>`)}
${legalHold ? field('Legal hold', legalHoldField(session.id, legalHold)) : ''}
${field('Seal', session.seal ? html`device <span class="mono">${session.seal.deviceId}</span>, ${session.seal.eventCount} events, signature ${session.seal.valid ? 'valid' : 'INVALID'}` : 'none')}
</dl>
<div class="evidence" data-testid="evidence"><a class="button" data-testid="download-evidence" href="/sessions/${session.id}/evidence" download>Download evidence bundle</a>
<span class="hint">A tar of every event (events.ndjson), the session document, the device's signed head and its public key. Check it offline, without this collector: <code>mcprec verify --bundle mcprec-evidence-${session.id}.tar</code></span></div>
</section>
<section class="timeline" data-testid="timeline" data-start="${session.startedAt}">
<h2>Timeline</h2>
${timelineTools()}
<div class="exchange-head"><span>#</span><span>time (UTC)</span><span></span><span>method</span><span>tool / subject</span><span>status</span><span>duration</span><span>markers</span></div>
<div id="exchanges" data-testid="exchanges">${renderExchanges(firstPage.exchanges, session.startedAt)}</div>
${moreButton(session.id, firstPage)}
</section>`;
}

// Above the timeline: a filter over its rows, jumps between flagged rows, and playback.
function timelineTools(): Html {
	return html`${AUDITOR_ASSETS}<div class="timeline-tools" data-testid="timeline-tools">
<label class="row-filter">Filter rows <input type="search" id="row-filter" data-testid="row-filter" placeholder="words in method, tool, arguments, results" aria-describedby="row-filter-status" title="shows the rows holding every word; press / to jump here"></label>
<span id="row-filter-status" class="tool-status" role="status" data-testid="row-filter-status"></span>
<span class="flag-jumps"><button type="button" id="previous-flag" data-testid="previous-flag" title="previous flagged row (key p)">◀ Previous flagged</button> <button type="button" id="next-flag" data-testid="next-flag" title="next flagged row: error, blocked, denied, held, approved or masked (key n)">Next flagged ▶</button></span>
<span id="flag-status" class="tool-status" role="status" data-testid="flag-status"></span>
<span class="playback"><button type="button" id="play" data-testid="play" aria-pressed="false">▶ Play</button> <label>Speed <select id="speed" data-testid="speed">${PLAYBACK_SPEEDS.map((speed) => html`<option value="${speed}"${speed === 10 ? html` selected` : ''}>${speed}×</option>`)}</select></label></span>
<span id="playback-status" class="tool-status" role="status" data-testid="playback-status"></span>
</div>
<p class="hint keys">Keys: <kbd>n</kbd>/<kbd>p</kbd> next/previous flagged row, <kbd>j</kbd>/<kbd>k</kbd> next/previous row, <kbd>/</kbd> filter rows, <kbd>Enter</kbd> opens a row.</p>`;
}

/** The speeds playback offers, like `mcprec replay --speed N`. */
const PLAYBACK_SPEEDS = [1, 2, 5, 10, 20, 50];

/** The "more" control; the viewer script replaces it with the next page's. */
export function moreButton(sessionId: string, page: ExchangePage): Html {
	if (page.nextAfterSeq === null) return html`<p class="end" id="more" data-testid="timeline-end">End of session.</p>`;
	const query = new URLSearchParams({ afterSeq: String(page.nextAfterSeq) });
	if (page.nextSkip.length > 0) query.set('skip', page.nextSkip.join(','));
	return html`<p id="more"><a class="button" data-testid="load-more" data-more="/sessions/${sessionId}/exchanges?${query.toString()}" href="/sessions/${sessionId}/exchanges?${query.toString()}">Load more</a></p>`;
}

/** `2026-11-22 10:00:00.123456 UTC`: every time on the page says its zone. */
function utc(iso: string): string {
	return `${iso.replace('T', ' ').replace(/Z$/, '')} UTC`;
}

// The policy in force, as the session's start event records it (in the chain, so covered
// by the integrity check above); older recordings have only the digest the device uploaded.
function policyFacts(firstPage: ExchangePage, metadata: Record<string, unknown>): Html | null {
	const start = firstPage.exchanges.find((exchange) => exchange.kind === 'lifecycle' && exchange.event.seq === 0);
	const policy = start ? policyOfStart(start.event.details) : undefined;
	if (!policy) {
		return typeof metadata.policyDigest === 'string'
			? html`<span data-testid="policy">sha256 <span class="mono">${metadata.policyDigest}</span> <span class="light">(as uploaded by the device; this recording predates the policy in its start event)</span></span>`
			: null;
	}
	const rules = policy.text
		? html`<details class="policy-text"><summary>Show the policy file</summary><pre class="mono" data-testid="policy-text">${policy.text}</pre></details>`
		: policy.textOmitted
			? html` <span class="light">(text not recorded: ${policy.textOmitted})</span>`
			: html` <span class="light">(record everything, mask secrets, allow every call)</span>`;
	return html`<span data-testid="policy"><span class="mono" data-testid="policy-source">${policy.source}</span> <span class="light">sha256</span> <span class="mono" title="SHA-256 of the policy file's bytes">${policy.digest.slice(0, 16)}</span> <span class="light">(recorded at the start of the session)</span>${rules}</span>`;
}

// What the device recorded about who ran the session: name, groups and the issuer that vouched for them.
function identityFacts(user: Record<string, unknown>): Html | null {
	const text = (key: string) => (typeof user[key] === 'string' ? (user[key] as string) : null);
	const groups = Array.isArray(user.groups) ? (user.groups as unknown[]).filter((group): group is string => typeof group === 'string') : [];
	const parts = [
		text('name') ? html`<span>${text('name')}</span>` : '',
		text('sub') ? html` <span class="light">sub</span> <span class="mono">${text('sub')}</span>` : '',
		html` <span class="light">groups</span> <span data-testid="identity-groups">${groups.length > 0 ? groups.join(', ') : 'none'}</span>`,
		text('issuer') ? html` <span class="light">issuer</span> <span class="mono" data-testid="identity-issuer">${text('issuer')}</span>` : html` <span class="light">(not signed in: no issuer)</span>`,
	];
	return html`<span data-testid="identity">${parts}</span>`;
}

function num(value: unknown): string {
	return typeof value === 'number' ? String(value) : '0';
}

// Retention (`mcprec server --retention`) never prunes a session under a hold.
function legalHoldField(sessionId: string, controls: LegalHoldControls): Html {
	const { hold, canChange, formToken } = controls;
	const state = hold
		? html`<span data-testid="legal-hold">held by ${hold.placedBy} since ${new Date(hold.placedAt).toISOString().slice(0, 10)}${hold.reason ? ` (${hold.reason})` : ''}: retention keeps it</span>`
		: html`<span data-testid="legal-hold">none</span>`;
	if (!canChange) return state;
	const form = hold
		? html`<button name="action" value="lift" data-testid="lift-hold">Lift hold</button>`
		: html`<input name="reason" maxlength="500" placeholder="reason" data-testid="hold-reason"> <button name="action" value="place" data-testid="place-hold">Place legal hold</button>`;
	return html`${state} <form method="post" action="/sessions/${sessionId}/legal-hold" class="inline"><input type="hidden" name="formToken" value="${formToken}">${form}</form>`;
}
