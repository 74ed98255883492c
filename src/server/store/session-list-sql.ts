// The newest-first session list as one SQL statement for either backend. The most
// selective filter drives the scan: `tool=` walks session_tools by (tool, started_at),
// `outcome=` walks a partial index of session_summaries, otherwise sessions by
// started_at (or by owner / server) — so no filter ever reads events.

import type { SessionQuery } from './collector-store.js';
import { OUTCOME_COLUMNS, type OutcomeName } from '../event-outcomes.js';

export interface SqlDialect {
	/** The text of the n-th (1-based) bound parameter. */
	placeholder(index: number): string;
	/** A case-sensitive match of `column` against a `*`/`?` glob bound as `parameter`. */
	glob(column: string, parameter: string): string;
	/** The glob pattern to bind for `glob()`. */
	globPattern(glob: string): string;
}

export const SESSION_COLUMNS = `s.id, s.owner_sub, s.owner_email, s.server, s.started_at, s.ended_at, s.metadata,
  s.next_seq, s.head_hash, s.seal_head_hash, s.seal_event_count, s.seal_device_id, s.seal_signature, s.seal_valid,
  s.integrity, s.received_at, s.updated_at, m.blocked, m.denied, m.held, m.masked, m.approved, m.errors, m.tool_errors, m.tools`;

export function buildSessionListSql(query: SessionQuery, dialect: SqlDialect): { sql: string; params: unknown[] } {
	const params: unknown[] = [];
	const bind = (value: unknown) => {
		params.push(value);
		return dialect.placeholder(params.length);
	};
	let from: string;
	let start: string;
	let id: string;
	const where: string[] = [];
	if (query.tool !== undefined) {
		from = `session_tools d JOIN sessions s ON s.id = d.session_id JOIN session_summaries m ON m.session_id = s.id`;
		[start, id] = ['d.started_at', 'd.session_id'];
		where.push(`d.tool = ${bind(query.tool)}`);
		if (query.outcomes) where.push(anyOutcome('m', query.outcomes));
	} else if (query.outcomes !== undefined) {
		from = `session_summaries d JOIN sessions s ON s.id = d.session_id JOIN session_summaries m ON m.session_id = s.id`;
		[start, id] = ['d.started_at', 'd.session_id'];
		// Written as the partial indexes' predicates so the planner can use them.
		where.push(anyOutcome('d', query.outcomes));
	} else {
		from = `sessions s JOIN session_summaries m ON m.session_id = s.id`;
		[start, id] = ['s.started_at', 's.id'];
	}
	if (query.ownerSub !== undefined) where.push(`s.owner_sub = ${bind(query.ownerSub)}`);
	if (query.user !== undefined) where.push(`(s.owner_sub = ${bind(query.user)} OR s.owner_email = ${bind(query.user.toLowerCase())})`);
	if (query.server !== undefined) {
		where.push(/[*?]/.test(query.server) ? dialect.glob('s.server', bind(dialect.globPattern(query.server))) : `s.server = ${bind(query.server)}`);
	}
	if (query.since !== undefined) where.push(`${start} >= ${bind(query.since)}`);
	if (query.after !== undefined) {
		const startedAt = bind(query.after.startedAt);
		where.push(`(${start} < ${startedAt} OR (${start} = ${bind(query.after.startedAt)} AND ${id} < ${bind(query.after.id)}))`);
	}
	const sql = `SELECT ${SESSION_COLUMNS} FROM ${from}
  ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
  ORDER BY ${start} DESC, ${id} DESC LIMIT ${bind(query.limit + 1)}`;
	return { sql, params };
}

// Sessions with any of the outcomes: `(d.errors > 0 OR d.denied > 0)`. Column names come from
// a fixed table, never from the query string.
function anyOutcome(alias: string, outcomes: OutcomeName[]): string {
	const terms = outcomes.map((outcome) => `${alias}.${OUTCOME_COLUMNS[outcome]} > 0`);
	return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
}

/** `*`/`?` glob → SQL LIKE pattern with `\` escapes. */
export function globToLike(glob: string): string {
	return glob.replace(/[\\%_]/g, (character) => `\\${character}`).replace(/\*/g, '%').replace(/\?/g, '_');
}
