// Held calls waiting for a person: everyone sees their own, approvers see all and get
// Approve / Deny buttons with a reason (a form POST tied to their sign-in). The person
// deciding sees the whole call and its context: who asked (and their groups), under which
// rule, when, how long it has waited, when it expires, and the session that led to it.
// The pages keep themselves current (viewer.js polls the `live` fragments): a new held call
// appears, a decided one leaves, and the waiting and expiry clocks tick.

import { mayApprove, MAX_REASON_CHARS } from '../approval-routes.js';
import type { CollectorApproval } from '../store/collector-store.js';
import type { Principal } from '../verify-access-token.js';
import { html, type Html } from './html.js';

interface PageOptions {
	principal: Principal;
	formToken: string;
	now: number;
}

/** How often the pages ask for news, in ms (viewer.js reads it from the page). */
export const APPROVALS_REFRESH_MS = 2000;

export function renderApprovalsPage(options: PageOptions & { pending: CollectorApproval[]; recent: CollectorApproval[]; notice?: string }): Html {
	const { principal } = options;
	return html`<h1>Approvals</h1>
<p class="scope">${principal.approver ? 'Held calls from every user; you can approve or deny them (calls you made yourself only when their rule allows it).' : 'Your held calls. Only members of the approver group can approve or deny them.'} <span class="hint" data-testid="live-note">This page updates by itself.</span></p>
${options.notice ? html`<p class="notice" role="status" data-testid="notice">${options.notice}</p>` : ''}
<div data-live="/approvals/live" data-refresh-ms="${APPROVALS_REFRESH_MS}" aria-live="polite">${renderApprovalLists(options)}</div>`;
}

/** The part of the list page that viewer.js refreshes: rows are matched by approval id, so a reason being typed survives. */
export function renderApprovalLists(options: PageOptions & { pending: CollectorApproval[]; recent: CollectorApproval[] }): Html {
	const { principal } = options;
	return html`<h2>Pending <span class="light" data-testid="pending-count">(${options.pending.length})</span></h2>
<p class="empty" data-testid="no-pending"${options.pending.length === 0 ? '' : html` hidden`}>Nothing is waiting.</p>
<table class="approvals" data-testid="pending-approvals"${options.pending.length === 0 ? html` hidden` : ''}>
<thead><tr><th>Call</th><th>Requested by</th><th>Rule</th><th>Requested</th><th>Expires</th><th>Arguments</th>${principal.approver ? html`<th>Decision</th>` : ''}</tr></thead>
<tbody data-live-rows>${options.pending.map((approval) => pendingRow(approval, options))}</tbody>
</table>
<h2>Recently decided</h2>
<div data-live-replace="recent">${
		options.recent.length === 0
			? html`<p class="empty">None.</p>`
			: html`<table class="approvals" data-testid="recent-approvals">
<thead><tr><th>Call</th><th>Requested by</th><th>Status</th><th>By</th><th>When</th><th>Waited</th><th>Reason</th></tr></thead>
<tbody>${options.recent.map(
					(approval) => html`<tr data-approval-id="${approval.id}"><td><a href="/approvals/${approval.id}">${approval.tool ?? approval.method}</a> on ${approval.server}</td><td>${requester(approval)}</td><td>${statusMarker(approval, options.now)}</td><td>${approval.decidedBy ?? ''}</td><td>${approval.decidedAt === null ? '' : formatTime(approval.decidedAt)}</td><td>${approval.decidedAt === null ? '' : durationInWords(approval.decidedAt - approval.requestedAt)}</td><td data-testid="decision-reason">${approval.reason ?? ''}</td></tr>`,
				)}</tbody></table>`
	}</div>`;
}

/** One approval on its own page: the link `mcprec run` and `mcprec approve` print. */
export function renderApprovalPage(approval: CollectorApproval, options: PageOptions): Html {
	return html`<p class="crumbs"><a href="/approvals">Approvals</a> › ${approval.id}</p>
<h1>${approval.tool ?? approval.method} on ${approval.server}</h1>
<div data-live="/approvals/${approval.id}/live" data-refresh-ms="${APPROVALS_REFRESH_MS}" data-live-status="${statusOf(approval, options.now)}" aria-live="polite">${renderApprovalDetail(approval, options)}</div>`;
}

/** The part of an approval's page that viewer.js swaps in when its status changes. */
export function renderApprovalDetail(approval: CollectorApproval, options: PageOptions): Html {
	const status = statusOf(approval, options.now);
	const pending = status === 'pending';
	const decided = approval.decidedAt !== null;
	return html`<div data-testid="approval" data-approval-id="${approval.id}" data-status="${status}">
<table class="facts">
<tr><th>Status</th><td>${statusMarker(approval, options.now)}${approval.decidedBy ? html` by <span data-testid="decided-by">${approval.decidedBy}</span>` : ''}</td></tr>
${approval.reason ? html`<tr><th>Reason</th><td data-testid="decision-reason">${approval.reason}</td></tr>` : ''}
<tr><th>Requested by</th><td data-testid="requester">${requester(approval)}</td></tr>
<tr><th>Rule</th><td data-testid="rule">${approval.rule ?? 'not named'}${approval.selfApprove ? ' (the person who made the call may approve it)' : ''}</td></tr>
<tr><th>Session</th><td><a href="/sessions/${approval.sessionId}" class="mono" data-testid="session-link">${approval.sessionId}</a> <span class="hint">what the agent did before this call</span></td></tr>
<tr><th>Requested</th><td data-testid="requested-at">${formatTime(approval.requestedAt)}</td></tr>
<tr><th>${decided ? 'Waited' : 'Waiting'}</th><td data-testid="waiting">${
		decided ? durationInWords(approval.decidedAt! - approval.requestedAt) : pending ? clock({ since: approval.requestedAt, now: options.now }) : durationInWords(approval.expiresAt - approval.requestedAt)
	}</td></tr>
<tr><th>${pending ? 'Expires' : status === 'expired' ? 'Expired' : 'Would have expired'}</th><td data-testid="expires">${formatTime(approval.expiresAt)}${pending ? html` (${clock({ until: approval.expiresAt, now: options.now })})` : ''}</td></tr>
</table>
<h2>Arguments</h2>
${argumentsBlock(approval)}
${pending && options.principal.approver ? decisionForm(approval, options, 'page') : ''}
</div>`;
}

function pendingRow(approval: CollectorApproval, options: PageOptions): Html {
	return html`<tr data-testid="pending-approval" data-approval-id="${approval.id}">
<td><a href="/approvals/${approval.id}">${approval.tool ?? approval.method}</a> on ${approval.server}<br><a class="hint" href="/sessions/${approval.sessionId}">session so far</a></td>
<td>${requester(approval)}</td><td>${approval.rule ?? ''}</td>
<td>${formatTime(approval.requestedAt)}<br><span class="hint">waiting ${clock({ since: approval.requestedAt, now: options.now })}</span></td>
<td>${formatTime(approval.expiresAt)}<br><span class="hint">${clock({ until: approval.expiresAt, now: options.now })}</span></td>
<td class="arguments">${argumentsBlock(approval)}</td>
${options.principal.approver ? html`<td class="actions">${decisionForm(approval, options, 'row')}</td>` : ''}
</tr>`;
}

function requester(approval: CollectorApproval): Html {
	const groups = approval.ownerGroups.length > 0 ? html`<br><span class="hint" data-testid="requester-groups">groups: ${approval.ownerGroups.join(', ')}</span>` : '';
	const sub = approval.ownerEmail ? html` <span class="hint">(${approval.ownerSub})</span>` : '';
	return html`${approval.ownerEmail ?? approval.ownerSub}${sub}${groups}`;
}

// A duration that viewer.js keeps current: "3 minutes 12 seconds" (waiting) or "in 9 minutes" (expiry).
function clock(options: { since?: number; until?: number; now: number }): Html {
	if (options.since !== undefined) return html`<span data-since="${options.since}" data-testid="waited-clock">${durationInWords(options.now - options.since)}</span>`;
	const left = options.until! - options.now;
	return html`<span data-until="${options.until!}" data-testid="expiry-clock">${left <= 0 ? 'expired' : `in ${durationInWords(left)}`}</span>`;
}

// Pretty JSON, whole; the block scrolls (both ways) instead of cutting a long value. Above
// it, every top-level argument by name, so one after a long value is seen without scrolling.
function argumentsBlock(approval: CollectorApproval): Html {
	if (approval.arguments === null) {
		return html`<pre class="json arguments" data-testid="arguments">${approval.summary}</pre><p class="hint">Only a summary: the mcprec that holds this call did not send the complete arguments.</p>`;
	}
	const args = JSON.parse(approval.arguments) as unknown;
	return html`${argumentNames(args)}<pre class="json arguments" data-testid="arguments" tabindex="0">${JSON.stringify(args, null, 2)}</pre>`;
}

function argumentNames(args: unknown): Html | '' {
	if (typeof args !== 'object' || args === null || Array.isArray(args)) return '';
	const entries = Object.entries(args as Record<string, unknown>);
	if (entries.length === 0) return html`<p class="hint" data-testid="argument-names">No arguments.</p>`;
	const described = entries.map(([name, value]) => {
		const size = JSON.stringify(value).length;
		return html`<span class="argument-name">${name}</span>${size > 80 ? html` <span class="hint">(${size.toLocaleString('en')} characters)</span>` : ''}`;
	});
	return html`<p class="argument-names" data-testid="argument-names">${entries.length} ${entries.length === 1 ? 'argument' : 'arguments'}: ${described.map((item, index) => (index === 0 ? item : html`, ${item}`))}</p>`;
}

function decisionForm(approval: CollectorApproval, options: PageOptions, place: 'page' | 'row'): Html {
	const own = !mayApprove(options.principal, approval);
	const field = `reason-${approval.id}-${place}`;
	return html`<form method="post" action="/approvals/${approval.id}/decision" class="decision"><input type="hidden" name="formToken" value="${options.formToken}">
<label for="${field}">Reason <span class="hint">(optional; kept with the decision, the requester's record and the collector)</span></label>
<textarea id="${field}" name="reason" rows="${place === 'page' ? 3 : 2}" maxlength="${MAX_REASON_CHARS}" data-testid="reason"></textarea>
<div>${
		own ? html`<span class="hint" data-testid="own-call">You made this call: another approver must approve it.</span> ` : html`<button name="decision" value="approved" class="approve" data-testid="approve">Approve</button> `
	}<button name="decision" value="denied" class="deny" data-testid="deny">Deny</button></div></form>`;
}

function statusMarker(approval: CollectorApproval, now: number): Html {
	const status = statusOf(approval, now);
	const marker = status === 'approved' ? 'approved' : status === 'denied' ? 'blocked' : 'held';
	return html`<span class="marker marker-${marker}" data-status="${status}">${status}</span>`;
}

function statusOf(approval: CollectorApproval, now: number): string {
	return approval.status === 'pending' && approval.expiresAt <= now ? 'expired' : approval.status;
}

/** `2026-12-05 14:50:12 UTC`: a time with its zone. */
export function formatTime(ms: number): string {
	return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `45 seconds`, `9 minutes 39 seconds`, `2 hours 5 minutes`: the two largest units, whole (viewer.js has the same words). */
export function durationInWords(ms: number): string {
	const seconds = Math.max(0, Math.floor(ms / 1000));
	const units: [number, string][] = [
		[Math.floor(seconds / 86400), 'day'],
		[Math.floor((seconds % 86400) / 3600), 'hour'],
		[Math.floor((seconds % 3600) / 60), 'minute'],
		[seconds % 60, 'second'],
	];
	const first = units.findIndex(([count]) => count > 0);
	if (first === -1) return '0 seconds';
	return units
		.slice(first, first + 2)
		.filter(([count]) => count > 0)
		.map(([count, unit]) => `${count} ${unit}${count === 1 ? '' : 's'}`)
		.join(' ');
}
