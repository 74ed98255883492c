// Held calls waiting for a person: everyone sees their own, approvers see all and get
// Approve / Deny buttons (a form POST tied to their sign-in).

import type { CollectorApproval } from '../store/collector-store.js';
import type { Principal } from '../verify-access-token.js';
import { html, type Html } from './html.js';

export function renderApprovalsPage(options: { pending: CollectorApproval[]; recent: CollectorApproval[]; principal: Principal; formToken: string; now: number; notice?: string }): Html {
	const { principal } = options;
	return html`<h1>Approvals</h1>
<p class="scope">${principal.approver ? 'Held calls from every user; you can approve or deny them.' : 'Your held calls. Only members of the approver group can approve or deny them.'} <a href="/approvals">Refresh</a></p>
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
				(approval) => html`<tr data-approval-id="${approval.id}"><td class="mono">${approval.id}</td><td>${approval.ownerEmail ?? approval.ownerSub}</td><td>${approval.server}</td><td>${approval.tool ?? approval.method}</td><td><span class="marker marker-${approval.status === 'approved' ? 'approved' : approval.status === 'denied' ? 'blocked' : 'held'}" data-status="${statusOf(approval, options.now)}">${statusOf(approval, options.now)}</span></td><td>${approval.decidedBy ?? ''}</td><td>${approval.decidedAt === null ? '' : new Date(approval.decidedAt).toISOString().slice(0, 19).replace('T', ' ')}</td></tr>`,
			)}</tbody></table>`
}`;
}

function pendingRow(approval: CollectorApproval, options: { principal: Principal; formToken: string; now: number }): Html {
	const seconds = Math.max(0, Math.round((approval.expiresAt - options.now) / 1000));
	return html`<tr data-testid="pending-approval" data-approval-id="${approval.id}">
<td class="mono">${approval.id}</td><td>${approval.ownerEmail ?? approval.ownerSub}</td><td>${approval.server}</td><td>${approval.tool ?? approval.method}</td><td>${approval.rule ?? ''}</td>
<td><code class="summary">${approval.summary}</code> <a href="/sessions/${approval.sessionId}">session</a></td><td>in ${seconds}s</td>
${
	options.principal.approver
		? html`<td class="actions"><form method="post" action="/approvals/${approval.id}/decision"><input type="hidden" name="formToken" value="${options.formToken}"><button name="decision" value="approved" class="approve" data-testid="approve">Approve</button> <button name="decision" value="denied" class="deny" data-testid="deny">Deny</button></form></td>`
		: ''
}
</tr>`;
}

function statusOf(approval: CollectorApproval, now: number): string {
	return approval.status === 'pending' && approval.expiresAt <= now ? 'expired' : approval.status;
}
