// The session list: filters (a full-text search, user, server, tool, outcome, a time range)
// as a plain GET form, so every view is a URL; sortable columns; how many sessions match;
// one page at a time with a cursor link, from the indexed list query.

import { defaultDirection } from '../session-routes.js';
import { SESSION_SORT_KEYS, type SessionSortKey, type StoredSession } from '../store/collector-store.js';
import { OUTCOME_NAMES } from '../event-outcomes.js';
import { isoMicros } from '../../event/event-forms.js';
import { html, type Html } from './html.js';
import { MAX_COUNT } from '../store/session-list-sql.js';
import { AUDITOR_ASSETS } from './auditor-assets.js';
import { integrityBadge, OUTCOME_LABELS, outcomeBadges, userLabel } from './session-labels.js';

export const FILTERS = ['q', 'user', 'server', 'tool', 'outcome', 'since', 'from', 'to', 'sort', 'dir'] as const;

/** Parameters that choose the order, not which sessions: not counted as filters. */
const ORDER_PARAMETERS = new Set(['sort', 'dir']);

export interface SessionListOptions {
	sessions: StoredSession[];
	filters: Record<string, string>;
	nextCursor: string | null;
	/** How many sessions match the filters; `later` when the page fetches it (/session-count); null when the query was refused. */
	total: number | 'later' | null;
	auditor: boolean;
	error?: string;
	collectorUrl?: string;
}

export function renderSessionList(options: SessionListOptions): Html {
	const { filters } = options;
	const chosen = new Set((filters.outcome ?? '').split(','));
	const next = options.nextCursor ? `/?${new URLSearchParams({ ...filters, cursor: options.nextCursor })}` : null;
	const filtered = isFiltered(filters);
	const countQuery = new URLSearchParams(Object.entries(filters).filter(([name]) => !ORDER_PARAMETERS.has(name))).toString();
	return html`${AUDITOR_ASSETS}<h1>Sessions</h1>
<p class="scope">${options.auditor ? 'All sessions (auditor).' : 'Your sessions.'} Times are UTC.</p>
<form class="filters" method="get" action="/" data-testid="filters" role="search">
  <label class="search">Search arguments and results <input type="search" name="q" value="${filters.q ?? ''}" placeholder="words, e.g. passwd delete" data-testid="search" title="sessions whose (masked) tool arguments, results or errors hold every word (as a word start), in any case"></label>
  <label>User <input name="user" value="${filters.user ?? ''}" placeholder="sub, email or name" title="case-insensitive; a prefix, or a * ? glob"></label>
  <label>Server <input name="server" value="${filters.server ?? ''}" placeholder="label" title="case-insensitive; a prefix, or a * ? glob"></label>
  <label>Tool <input name="tool" value="${filters.tool ?? ''}" placeholder="tool name" title="case-insensitive; a prefix, or a * ? glob"></label>
  <label>From (UTC) <input type="datetime-local" step="1" name="from" value="${localValue(filters.from)}" data-testid="from"></label>
  <label>To (UTC) <input type="datetime-local" step="1" name="to" value="${localValue(filters.to)}" data-testid="to"></label>
  <label>Since <input name="since" value="${filters.since ?? ''}" placeholder="2h, 7d or ISO time"></label>
  <fieldset class="outcomes" data-testid="outcome-filter"><legend>Outcome (any of)</legend>${OUTCOME_NAMES.map((name) => html`<label title="${OUTCOME_LABELS[name].title}"><input type="checkbox" name="outcome" value="${name}"${chosen.has(name) ? html` checked` : ''}> ${OUTCOME_LABELS[name].label}</label> `)}</fieldset>
  ${filters.sort ? html`<input type="hidden" name="sort" value="${filters.sort}">` : ''}${filters.dir ? html`<input type="hidden" name="dir" value="${filters.dir}">` : ''}
  <button type="submit">Filter</button> <a href="/">Clear</a>
</form>
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
${options.total === null ? '' : options.total === 'later' ? html`<p class="count" data-testid="match-count" role="status" data-count="/session-count?${countQuery}">Counting the sessions that match…</p>` : html`<p class="count" data-testid="match-count" role="status">${matchText(options.total, filtered)}</p>`}
<table class="sessions" data-testid="sessions">
<thead><tr>${sortHeader('start', 'Started (UTC)', filters)}${sortHeader('duration', 'Duration', filters)}${sortHeader('user', 'User', filters)}<th scope="col">Groups</th>${sortHeader('server', 'Server', filters)}<th scope="col">Client</th><th scope="col">Tools</th>${sortHeader('calls', 'Calls', filters)}${sortHeader('errors', 'Errors', filters)}<th scope="col">Outcomes</th><th scope="col">End</th><th scope="col">Integrity</th></tr></thead>
<tbody>
${options.sessions.map((session) => sessionRow(session, filters.q))}
</tbody>
</table>
${options.sessions.length === 0 ? emptyText({ ...options, filtered }) : ''}
${next ? html`<p class="pager"><a href="${next}" data-testid="older">Next page →</a></p>` : ''}`;
}

function sessionRow(session: StoredSession, search: string | undefined): Html {
	const user = (session.metadata.user ?? {}) as Record<string, unknown>;
	const groups = Array.isArray(user.groups) ? (user.groups as unknown[]).filter((group): group is string => typeof group === 'string') : [];
	const endReason = typeof session.metadata.endReason === 'string' ? session.metadata.endReason : null;
	const href = (extra: Record<string, string>) => {
		const query = new URLSearchParams({ ...(search ? { q: search } : {}), ...extra }).toString();
		return `/sessions/${session.id}${query ? `?${query}` : ''}`;
	};
	return html`<tr data-testid="session-row" data-session-id="${session.id}">
<td><a href="${href({})}">${isoMicros(session.startedAt).slice(0, 19).replace('T', ' ')}</a>${session.endedAt === null ? html` <span class="badge open">open</span>` : ''}</td>
<td class="number" data-testid="duration">${session.endedAt === null ? '—' : formatSeconds((session.endedAt - session.startedAt) / 1e6)}</td>
<td>${userLabel(session)}${typeof user.name === 'string' && user.name !== '' ? html`<br><span class="light">${user.name}</span>` : ''}</td>
<td class="groups" data-testid="groups">${groups.join(', ')}</td>
<td>${session.server}</td>
<td>${clientLabel(session.metadata)}</td>
<td class="tools">${session.tools.slice(0, 4).join(', ')}${session.tools.length > 4 ? ` +${session.tools.length - 4}` : ''}</td>
<td class="number" data-testid="calls">${session.calls}</td>
<td class="number" data-testid="errors">${session.outcomes.errors}</td>
<td>${outcomeBadges(session.outcomes, (name) => href({ flag: name }))}</td>
<td data-testid="end-reason">${endReason ?? (session.endedAt === null ? '' : '—')}</td>
<td>${integrityBadge(session.integrity)}</td>
</tr>`;
}

// A column header that sorts the list by it: first click in its natural direction, the next reverses.
function sortHeader(key: SessionSortKey, label: string, filters: Record<string, string>): Html {
	const currentKey = (SESSION_SORT_KEYS as readonly string[]).includes(filters.sort ?? '') ? (filters.sort as SessionSortKey) : 'start';
	const currentDirection = filters.dir === 'asc' || filters.dir === 'desc' ? filters.dir : defaultDirection(currentKey);
	const current = currentKey === key;
	const direction = current ? (currentDirection === 'asc' ? 'desc' : 'asc') : defaultDirection(key);
	const query = new URLSearchParams(Object.entries(filters).filter(([name]) => !ORDER_PARAMETERS.has(name)));
	query.set('sort', key);
	query.set('dir', direction);
	const ariaSort = current ? (currentDirection === 'asc' ? 'ascending' : 'descending') : 'none';
	const arrow = current ? (currentDirection === 'asc' ? ' ▲' : ' ▼') : '';
	return html`<th scope="col" aria-sort="${ariaSort}" data-sort="${key}"><a href="/?${query.toString()}" data-testid="sort-${key}" title="sort by ${label.toLowerCase()}, ${direction === 'asc' ? 'ascending' : 'descending'}">${label}${arrow}</a></th>`;
}

/** Whether any parameter narrows the list (sorting does not). */
export function isFiltered(filters: Record<string, string>): boolean {
	return Object.keys(filters).some((name) => !ORDER_PARAMETERS.has(name));
}

/** `3 sessions match`, `1 session matches`, `120 sessions in all`, `More than 10,000 sessions match`. */
export function matchText(total: number, filtered: boolean): string {
	if (total > MAX_COUNT) return `More than ${MAX_COUNT.toLocaleString('en')} sessions ${filtered ? 'match' : 'in all'}`;
	const count = `${total.toLocaleString('en')} session${total === 1 ? '' : 's'}`;
	return filtered ? `${count} ${total === 1 ? 'matches' : 'match'}` : `${count} in all`;
}

/** A `from`/`to` value as a datetime-local input shows it (UTC, no zone); other forms (2h, a zone) are left for the server to read. */
function localValue(value: string | undefined): string {
	if (value === undefined) return '';
	if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return value;
	const parsed = Date.parse(value);
	return Number.isNaN(parsed) || !/^\d{4}-/.test(value) ? '' : new Date(parsed).toISOString().slice(0, 19);
}

function formatSeconds(seconds: number): string {
	if (seconds < 60) return `${seconds.toFixed(1)} s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
	return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

// An empty list says why: nothing matches the filters, or nothing has been synced here yet (and how to).
function emptyText(options: { filtered: boolean; auditor: boolean; collectorUrl?: string; error?: string }): Html | string {
	if (options.error) return '';
	if (options.filtered) return html`<p class="empty" data-testid="empty">No sessions match these filters. <a href="/">Clear them</a> to see every session${options.auditor ? '' : ' of yours'}.</p>`;
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
