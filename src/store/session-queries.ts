// Reading sessions back out of the store, for `sessions`, `replay` and `verify`.

import type { StoreDatabase } from './open-store.js';
import { UserError } from '../errors/user-error.js';

/** A session row as stored (DESIGN §5). */
export interface SessionRow {
	id: string;
	server: string;
	command: string | null;
	url: string | null;
	cwd: string | null;
	host: string | null;
	os_user: string | null;
	identity_issuer: string | null;
	identity_sub: string | null;
	identity_email: string | null;
	identity_name: string | null;
	identity_groups: string | null;
	client_name: string | null;
	client_version: string | null;
	protocol_version: string | null;
	started_at: number;
	ended_at: number | null;
	end_reason: string | null;
	exit_code: number | null;
	exit_signal: string | null;
	messages: number;
	requests: number;
	/** Error answers, tool errors included (migration 6). */
	errors: number;
	/** tools/call results with `isError: true` (part of `errors`; migration 6). */
	tool_errors: number;
	blocked: number;
	/** Null only in rows read before store migration 9. */
	denied: number | null;
	masked: number;
	approvals: number;
	bytes: number;
	event_count: number;
	policy_digest: string | null;
	head_hash: string | null;
	synced_seq: number;
	sync_state: string;
	/** The signed head, once `mcprec sync` sealed the closed session (migration 3). */
	seal_device_id?: string | null;
	seal_event_count?: number | null;
	seal_head_hash?: string | null;
	seal_signature?: string | null;
	seal_sent?: number;
	/** The process recording it (migration 4): a session whose process is gone is not running. */
	pid?: number | null;
	pid_start?: string | null;
	/** The device's signature over the head at the last commit (migration 6). */
	checkpoint_device_id?: string | null;
	checkpoint_event_count?: number | null;
	checkpoint_head_hash?: string | null;
	checkpoint_signature?: string | null;
}

export interface SessionFilter {
	server?: string;
	user?: string;
	sinceMicros?: number;
	limit?: number;
}

export function listSessions(database: StoreDatabase, filter: SessionFilter = {}): SessionRow[] {
	const clauses: string[] = [];
	const parameters: Record<string, unknown> = {};
	if (filter.server) {
		clauses.push('server GLOB @server');
		parameters.server = filter.server;
	}
	if (filter.user) {
		clauses.push('(identity_email = @user OR identity_sub = @user OR identity_name = @user OR os_user = @user)');
		parameters.user = filter.user;
	}
	if (filter.sinceMicros !== undefined) {
		clauses.push('started_at >= @since');
		parameters.since = filter.sinceMicros;
	}
	const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
	const limit = filter.limit && filter.limit > 0 ? `LIMIT ${Math.floor(filter.limit)}` : '';
	return database.prepare(`SELECT * FROM sessions ${where} ORDER BY started_at DESC, id DESC ${limit}`).all(parameters) as SessionRow[];
}

/** Finds a session by full id, unique prefix, or `last`; a clear error otherwise. */
export function resolveSession(database: StoreDatabase, reference: string): SessionRow {
	if (reference === 'last') {
		const row = database.prepare('SELECT * FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1').get() as SessionRow | undefined;
		if (!row) throw new UserError('no sessions recorded yet (record one with `mcprec run -- <command>`)');
		return row;
	}
	if (!/^[0-9a-f-]+$/i.test(reference)) {
		throw new UserError(`'${reference}' is not a session id (expected an id, a prefix of one, or "last"; see \`mcprec sessions\`)`);
	}
	const rows = database
		.prepare("SELECT * FROM sessions WHERE id >= @prefix AND id < @prefix || 'g' ORDER BY started_at DESC LIMIT 6")
		.all({ prefix: reference.toLowerCase() }) as SessionRow[];
	if (rows.length === 0) throw new UserError(`no session matches '${reference}' (see \`mcprec sessions\`)`);
	if (rows.length > 1 && rows[0].id !== reference.toLowerCase()) {
		const ids = rows.slice(0, 5).map((row) => row.id).join(', ');
		throw new UserError(`'${reference}' matches several sessions (${ids}${rows.length > 5 ? ', …' : ''}); give more characters`);
	}
	return rows[0];
}

export function allSessionIds(database: StoreDatabase): string[] {
	return database.prepare('SELECT id FROM sessions ORDER BY started_at, id').pluck().all() as string[];
}
