// The session list as one SQL statement for either backend. `outcome=` walks the partial
// indexes of session_summaries, otherwise sessions by started_at (or the index of the column
// sorted by); user, server and tool are case-insensitive prefixes or globs checked on the way
// (tool through session_tools by session); each search word is one lookup in the full-text
// index — so no filter ever reads events. The count takes the same filters.

import type { SessionQuery, SessionSortKey } from './collector-store.js';
import { OUTCOME_COLUMNS, type OutcomeName } from '../event-outcomes.js';

export interface SqlDialect {
	/** The text of the n-th (1-based) bound parameter. */
	placeholder(index: number): string;
	/** The display name the device recorded (metadata `user.name`) of the session row `s`. */
	userName(metadata: string): string;
	/** `s.id IN (…)`: sessions whose indexed words include one starting with the bound `word` (letters and digits only). */
	hasWordPrefix(sessionId: string, word: string): string;
}

export const SESSION_COLUMNS = `s.id, s.owner_sub, s.owner_email, s.server, s.started_at, s.ended_at, s.metadata,
  s.next_seq, s.head_hash, s.seal_head_hash, s.seal_event_count, s.seal_device_id, s.seal_signature, s.seal_valid,
  s.integrity, s.received_at, s.updated_at, m.blocked, m.denied, m.held, m.masked, m.approved, m.errors, m.tool_errors, m.calls, m.tools`;

/** What each sort key orders by (written as the expression indexes of migration 6). */
const SORT_EXPRESSIONS: Record<Exclude<SessionSortKey, 'start'>, string> = {
	duration: 'coalesce(s.ended_at - s.started_at, -1)',
	user: 'lower(coalesce(s.owner_email, s.owner_sub))',
	server: 'lower(s.server)',
	calls: 'm.calls',
	errors: 'm.errors',
};

interface Filter {
	/** The sessions `s` (and for outcomes their summaries `d`); the list joins the summary `m` for its columns. */
	from: string;
	start: string;
	id: string;
	where: string[];
	bind(value: unknown): string;
	params: unknown[];
}

function buildFilter(query: SessionQuery, dialect: SqlDialect): Filter {
	const params: unknown[] = [];
	const bind = (value: unknown) => {
		params.push(value);
		return dialect.placeholder(params.length);
	};
	let from: string;
	let start: string;
	let id: string;
	const where: string[] = [];
	// user, server and tool: case-insensitive, a prefix unless the value has * or ? (then a whole-value glob).
	const matches = (column: string, value: string) => `lower(${column}) LIKE ${bind(likePattern(value))} ESCAPE '\\'`;
	if (query.outcomes !== undefined) {
		from = `session_summaries d JOIN sessions s ON s.id = d.session_id`;
		[start, id] = ['d.started_at', 'd.session_id'];
		// Written as the partial indexes' predicates so the planner can use them.
		where.push(anyOutcome('d', query.outcomes));
	} else {
		from = `sessions s`;
		[start, id] = ['s.started_at', 's.id'];
	}
	if (query.tool !== undefined) where.push(`EXISTS (SELECT 1 FROM session_tools t WHERE t.session_id = s.id AND ${matches('t.tool', query.tool)})`);
	if (query.ownerSub !== undefined) where.push(`s.owner_sub = ${bind(query.ownerSub)}`);
	if (query.user !== undefined) where.push(`(${matches('s.owner_sub', query.user)} OR ${matches('s.owner_email', query.user)} OR ${matches(dialect.userName('s.metadata'), query.user)})`);
	if (query.server !== undefined) where.push(matches('s.server', query.server));
	if (query.since !== undefined) where.push(`${start} >= ${bind(query.since)}`);
	if (query.until !== undefined) where.push(`${start} < ${bind(query.until)}`);
	for (const word of query.search ?? []) where.push(dialect.hasWordPrefix('s.id', bind(word)));
	return { from, start, id, where, bind, params };
}

export function buildSessionListSql(query: SessionQuery, dialect: SqlDialect): { sql: string; params: unknown[] } {
	const filter = buildFilter(query, dialect);
	const { where, bind } = filter;
	const sort = query.sort ?? { key: 'start', direction: 'desc' };
	const value = sort.key === 'start' ? filter.start : SORT_EXPRESSIONS[sort.key];
	// The tie-breaker of the index that serves the order: (calls, session_id) and (errors, session_id) are on the summary.
	const id = sort.key === 'start' ? filter.id : sort.key === 'calls' || sort.key === 'errors' ? 'm.session_id' : 's.id';
	const direction = sort.direction === 'asc' ? 'ASC' : 'DESC';
	if (query.after !== undefined) {
		const position = sort.key === 'start' ? query.after.startedAt : query.after.value;
		const beyond = sort.direction === 'asc' ? '>' : '<';
		where.push(`(${value} ${beyond} ${bind(position)} OR (${value} = ${bind(position)} AND ${id} ${beyond} ${bind(query.after.id)}))`);
	}
	const sql = `SELECT ${SESSION_COLUMNS}, ${value} AS sort_value FROM ${filter.from} JOIN session_summaries m ON m.session_id = s.id
  ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
  ORDER BY ${value} ${direction}, ${id} ${direction} LIMIT ${bind(query.limit + 1)}`;
	return { sql, params: filter.params };
}

/** Counts stop here: "more than 10,000 match" is as useful as the exact number, and bounded. */
export const MAX_COUNT = 10_000;

/** How many sessions match, up to MAX_COUNT + 1 (more than MAX_COUNT). */
export function buildSessionCountSql(query: SessionQuery, dialect: SqlDialect): { sql: string; params: unknown[] } {
	const filter = buildFilter({ ...query, after: undefined }, dialect);
	// The rows' summaries (`m`) are not needed to count them.
	const sql = `SELECT count(*) AS count FROM (SELECT 1 FROM ${filter.from} ${filter.where.length > 0 ? `WHERE ${filter.where.join(' AND ')}` : ''} LIMIT ${filter.bind(MAX_COUNT + 1)}) counted`;
	return { sql, params: filter.params };
}

// Sessions with any of the outcomes: `(d.errors > 0 OR d.denied > 0)`. Column names come from
// a fixed table, never from the query string.
function anyOutcome(alias: string, outcomes: OutcomeName[]): string {
	const terms = outcomes.map((outcome) => `${alias}.${OUTCOME_COLUMNS[outcome]} > 0`);
	return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
}

/** A filter value as a lower-case LIKE pattern: `Alice` → `alice%`, `db-*-prod` → `db-%-prod`. */
export function likePattern(value: string): string {
	const folded = value.toLowerCase();
	return globToLike(/[*?]/.test(folded) ? folded : `${folded}*`);
}

/** `*`/`?` glob → SQL LIKE pattern with `\` escapes. */
export function globToLike(glob: string): string {
	return glob.replace(/[\\%_]/g, (character) => `\\${character}`).replace(/\*/g, '%').replace(/\?/g, '_');
}
