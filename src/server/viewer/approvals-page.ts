// Held calls waiting for a person: everyone sees their own, approvers see all and get
// Approve / Deny buttons (a form POST tied to their sign-in). The person deciding sees the
// whole call: every argument, pretty-printed, in a block that scrolls rather than cuts.

import { mayApprove } from '../approval-routes.js';
import type { CollectorApproval } from '../store/collector-store.js';
import type { Principal } from '../verify-access-token.js';
import { html, type Html } from './html.js';

interface PageOptions {
	principal: Principal;
	formToken: string;
	now: number;
}

export function renderApprovalsPage(options: PageOptions & { pending: CollectorApproval[]; recent: CollectorApproval[]; notice?: string }): Html {
	const { principal } = options;
	return html`<h1>Approvals</h1>
<p class="scope">${principal.approver ? 'Held calls from every user; you can approve or deny them (calls you made yourself only when their rule allows it).' : 'Your held calls. Only members of the approver group can approve or deny them.'} <a href="/approvals">Refresh</a></p>
${options.notice ? html`<p class="notice" role="status" data-testid="notice">${options.notice}</p>` : ''}
<h2>Pending</h2>
${
	options.pending.length === 0
		? html`<p class="empty" data-testid="no-pending">Nothing is waiting.</p>`
		: html`<table class="approvals" data-testid="pending-approvals">
<thead><tr><th>Id</th><th>User</th><th>Server</th><th>Tool</th><th>Rule</th><th>Arguments</th><th>Expires</th>${principal.approver ? html`<th></th>` : ''}</tr></thead>
<tbody>${options.pending.map((approval) => pendingRow(approval, options))}</tbody>
</table>`
}
<h2>Recently decided</h2>
${
	options.recent.length === 0
		? html`<p class="empty">None.</p>`
		: html`<table class="approvals" data-testid="recent-approvals">
<thead><tr><th>Id</th><th>User</th><th>Server</th><th>Tool</th><th>Status</th><th>By</th><th>When</th></tr></thead>
<tbody>${options.recent.map(
				(approval) => html`<tr data-approval-id="${approval.id}"><td class="mono"><a href="/approvals/${approval.id}">${approval.id}</a></td><td>${approval.ownerEmail ?? approval.ownerSub}</td><td>${approval.server}</td><td>${approval.tool ?? approval.method}</td><td>${statusMarker(approval, options.now)}</td><td>${approval.decidedBy ?? ''}</td><td>${approval.decidedAt === null ? '' : new Date(approval.decidedAt).toISOString().slice(0, 19).replace('T', ' ')}</td></tr>`,
			)}</tbody></table>`
}`;
}

/** One approval on its own page: the link `mcprec run` and `mcprec approve` print. */
export function renderApprovalPage(approval: CollectorApproval, options: PageOptions): Html {
	const pending = statusOf(approval, options.now) === 'pending';
	return html`<p class="crumbs"><a href="/approvals">Approvals</a> › ${approval.id}</p>
<h1>${approval.tool ?? approval.method} on ${approval.server}</h1>
<div data-testid="approval" data-approval-id="${approval.id}">
<table class="facts">
<tr><th>Status</th><td>${statusMarker(approval, options.now)}${approval.decidedBy ? html` by ${approval.decidedBy}` : ''}</td></tr>
<tr><th>Requested by</th><td>${approval.ownerEmail ?? approval.ownerSub}</td></tr>
<tr><th>Rule</th><td>${approval.rule ?? ''}${approval.selfApprove ? ' (the person who made the call may approve it)' : ''}</td></tr>
<tr><th>Session</th><td><a href="/sessions/${approval.sessionId}" class="mono">${approval.sessionId}</a></td></tr>
<tr><th>${pending ? 'Expires' : 'Expired'}</th><td>${pending ? `in ${Math.max(0, Math.round((approval.expiresAt - options.now) / 1000))}s` : new Date(approval.expiresAt).toISOString().slice(0, 19).replace('T', ' ')}</td></tr>
</table>
<h2>Arguments</h2>
${argumentsBlock(approval)}
${pending && options.principal.approver ? decisionForm(approval, options) : ''}
</div>`;
}

function pendingRow(approval: CollectorApproval, options: PageOptions): Html {
	const seconds = Math.max(0, Math.round((approval.expiresAt - options.now) / 1000));
	return html`<tr data-testid="pending-approval" data-approval-id="${approval.id}">
<td class="mono"><a href="/approvals/${approval.id}">${approval.id}</a></td><td>${approval.ownerEmail ?? approval.ownerSub}</td><td>${approval.server}</td><td>${approval.tool ?? approval.method}</td><td>${approval.rule ?? ''}</td>
<td class="arguments">${argumentsBlock(approval)} <a href="/sessions/${approval.sessionId}">session</a></td><td>in ${seconds}s</td>
${options.principal.approver ? html`<td class="actions">${decisionForm(approval, options)}</td>` : ''}
</tr>`;
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

function decisionForm(approval: CollectorApproval, options: PageOptions): Html {
	const own = !mayApprove(options.principal, approval);
	return html`<form method="post" action="/approvals/${approval.id}/decision"><input type="hidden" name="formToken" value="${options.formToken}">${
		own ? html`<span class="hint" data-testid="own-call">You made this call: another approver must approve it.</span> ` : html`<button name="decision" value="approved" class="approve" data-testid="approve">Approve</button> `
	}<button name="decision" value="denied" class="deny" data-testid="deny">Deny</button></form>`;
}

function statusMarker(approval: CollectorApproval, now: number): Html {
	const status = statusOf(approval, now);
	const marker = status === 'approved' ? 'approved' : status === 'denied' ? 'blocked' : 'held';
	return html`<span class="marker marker-${marker}" data-status="${status}">${status}</span>`;
}

function statusOf(approval: CollectorApproval, now: number): string {
	return approval.status === 'pending' && approval.expiresAt <= now ? 'expired' : approval.status;
}
