// The session list: filters (user, server, tool, outcome, since) as a plain GET form,
// newest first, one page at a time with a cursor link, from the indexed list query.

import type { StoredSession } from '../store/collector-store.js';
import { OUTCOME_NAMES } from '../event-outcomes.js';
import { isoMicros } from '../../event/replay-event.js';
import { html, type Html } from './html.js';
import { integrityBadge, OUTCOME_LABELS, outcomeBadges, userLabel } from './session-labels.js';

export const FILTERS = ['user', 'server', 'tool', 'outcome', 'since'] as const;

export function renderSessionList(options: { sessions: StoredSession[]; filters: Record<string, string>; nextCursor: string | null; auditor: boolean; error?: string; collectorUrl?: string }): Html {
	const { filters } = options;
	const chosen = new Set((filters.outcome ?? '').split(','));
	const next = options.nextCursor ? `/?${new URLSearchParams({ ...filters, cursor: options.nextCursor })}` : null;
	return html`<h1>Sessions</h1>
<p class="scope">${options.auditor ? 'All sessions (auditor).' : 'Your sessions.'}</p>
<form class="filters" method="get" action="/" data-testid="filters">
  <label>User <input name="user" value="${filters.user ?? ''}" placeholder="sub, email or name" title="case-insensitive; a prefix, or a * ? glob"></label>
  <label>Server <input name="server" value="${filters.server ?? ''}" placeholder="label" title="case-insensitive; a prefix, or a * ? glob"></label>
  <label>Tool <input name="tool" value="${filters.tool ?? ''}" placeholder="tool name" title="case-insensitive; a prefix, or a * ? glob"></label>
  <fieldset class="outcomes" data-testid="outcome-filter"><legend>Outcome (any of)</legend>${OUTCOME_NAMES.map((name) => html`<label title="${OUTCOME_LABELS[name].title}"><input type="checkbox" name="outcome" value="${name}"${chosen.has(name) ? html` checked` : ''}> ${OUTCOME_LABELS[name].label}</label> `)}</fieldset>
  <label>Since <input name="since" value="${filters.since ?? ''}" placeholder="2h, 7d or ISO time"></label>
  <button type="submit">Filter</button> <a href="/">Clear</a>
</form>
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
<table class="sessions" data-testid="sessions">
<thead><tr><th>Started (UTC)</th><th>User</th><th>Server</th><th>Client</th><th>Tools</th><th>Events</th><th>Outcomes</th><th>Integrity</th></tr></thead>
<tbody>
${options.sessions.map(
	(session) => html`<tr data-testid="session-row" data-session-id="${session.id}">
<td><a href="/sessions/${session.id}">${isoMicros(session.startedAt).slice(0, 19).replace('T', ' ')}</a>${session.endedAt === null ? html` <span class="badge open">open</span>` : ''}</td>
<td>${userLabel(session)}</td>
<td>${session.server}</td>
<td>${clientLabel(session.metadata)}</td>
<td class="tools">${session.tools.slice(0, 4).join(', ')}${session.tools.length > 4 ? ` +${session.tools.length - 4}` : ''}</td>
<td class="number">${session.nextSeq}</td>
<td>${outcomeBadges(session.outcomes)}</td>
<td>${integrityBadge(session.integrity)}</td>
</tr>`,
)}
</tbody>
</table>
${options.sessions.length === 0 ? emptyText(options) : ''}
${next ? html`<p class="pager"><a href="${next}" data-testid="older">Older sessions →</a></p>` : ''}`;
}

// An empty list says why: nothing matches the filters, or nothing has been synced here yet (and how to).
function emptyText(options: { filters: Record<string, string>; auditor: boolean; collectorUrl?: string; error?: string }): Html | string {
	if (options.error) return '';
	if (Object.keys(options.filters).length > 0) return html`<p class="empty" data-testid="empty">No sessions match these filters. <a href="/">Clear them</a> to see every session${options.auditor ? '' : ' of yours'}.</p>`;
	const endpoint = options.collectorUrl ?? 'https://this-collector';
	return html`<div class="empty notice-box" data-testid="empty"><p><b>No sessions ${options.auditor ? 'on this collector' : 'of yours'} yet.</b> Sessions are recorded on each laptop by <code>mcprec run</code> and arrive here when they are synced:</p>
<pre class="json">mcprec login
mcprec sync --endpoint ${endpoint}</pre>
<p>The endpoint is remembered in <code>config.yaml</code>, so later runs of <code>mcprec sync</code> need no option. <code>mcprec sync --dry-run</code> lists what would be sent.</p></div>`;
}

export function clientLabel(metadata: Record<string, unknown>): string {
	const client = metadata.client as { name?: unknown; version?: unknown } | null | undefined;
	if (!client || typeof client.name !== 'string') return '';
	return typeof client.version === 'string' ? `${client.name} ${client.version}` : client.name;
}
