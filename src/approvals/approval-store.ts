// Pending approvals and time-boxed grants in the shared SQLite store, so another
// terminal (`mcprec approve <id>`) or the collector can settle a call held by `run`. Each
// approval has one authority, fixed when the call is held: `local` (settled here, by
// `mcprec approve|deny`) or `collector` (settled by the collector's approver group; the
// row here only mirrors it, and `mcprec approve|deny` refuses it).

import { randomBytes } from 'node:crypto';
import type { StoreDatabase } from '../store/open-store.js';
import { UserError } from '../errors/user-error.js';
import { matchesGlob } from '../policy/match-glob.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
/** Who settles an approval: this machine, or the collector's approver group. */
export type ApprovalAuthority = 'local' | 'collector';

export interface ApprovalRow {
	id: string;
	session_id: string;
	server: string;
	method: string;
	tool: string | null;
	rule: string | null;
	digest: string;
	/** One line, possibly shortened: for lists only. */
	summary: string;
	/** The complete masked arguments as JSON text (null in rows from before issue 12). */
	arguments: string | null;
	authority: ApprovalAuthority;
	/** For the collector's approvals: its viewer page, where the decision is made. */
	decide_url: string | null;
	status: ApprovalStatus;
	requested_at: number;
	expires_at: number;
	decided_at: number | null;
	decided_by: string | null;
	channel: string | null;
	/** Why the approver decided so, in their words (null when they gave none). */
	reason: string | null;
}

export interface GrantRow {
	id: string;
	server: string;
	tool: string;
	created_at: number;
	expires_at: number;
	created_by: string | null;
	reason: string | null;
}

export function newApprovalId(): string {
	return randomBytes(4).toString('hex');
}

export function insertApproval(database: StoreDatabase, row: Omit<ApprovalRow, 'status' | 'decided_at' | 'decided_by' | 'channel' | 'reason'>): void {
	database
		.prepare(
			`INSERT INTO approvals (id, session_id, server, method, tool, rule, digest, summary, arguments, authority, decide_url, requested_at, expires_at)
			 VALUES (@id, @session_id, @server, @method, @tool, @rule, @digest, @summary, @arguments, @authority, @decide_url, @requested_at, @expires_at)`,
		)
		.run(row);
}

/** Where the collector says its approver group decides this approval. */
export function setDecideUrl(database: StoreDatabase, id: string, url: string): void {
	database.prepare('UPDATE approvals SET decide_url = ? WHERE id = ?').run(url, id);
}

/** Current status of the given approvals (those no longer found are left out). */
export function readApprovals(database: StoreDatabase, ids: string[]): ApprovalRow[] {
	if (ids.length === 0) return [];
	const placeholders = ids.map(() => '?').join(', ');
	return database.prepare(`SELECT * FROM approvals WHERE id IN (${placeholders})`).all(...ids) as ApprovalRow[];
}

/** Closes an approval the proxy itself settled (timeout, client cancel, answered in the client). */
export function closeApproval(database: StoreDatabase, id: string, status: ApprovalStatus, channel: string, now: number, decidedBy?: string, reason?: string): void {
	database
		.prepare(
			"UPDATE approvals SET status = ?, channel = ?, decided_at = ?, decided_by = coalesce(?, decided_by), reason = coalesce(?, reason) WHERE id = ? AND status = 'pending'",
		)
		.run(status, channel, now, decidedBy ?? null, reason ?? null, id);
}

export function listApprovals(database: StoreDatabase, options: { all?: boolean; now: number }): ApprovalRow[] {
	if (options.all) return database.prepare('SELECT * FROM approvals ORDER BY requested_at DESC LIMIT 200').all() as ApprovalRow[];
	return database
		.prepare("SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY requested_at")
		.all(options.now) as ApprovalRow[];
}

/** `mcprec approve|deny <id>`: settles a pending approval found by id or unique prefix. */
export function decideApproval(
	database: StoreDatabase,
	reference: string,
	decision: 'approved' | 'denied',
	decidedBy: string,
	now: number,
	reason: string | null = null,
	channel = 'cli',
): ApprovalRow {
	return database
		.transaction(() => {
			const matches = database
				.prepare("SELECT * FROM approvals WHERE id >= @prefix AND id < @prefix || 'g' ORDER BY requested_at DESC LIMIT 5")
				.all({ prefix: reference.toLowerCase() }) as ApprovalRow[];
			if (matches.length === 0) throw new UserError(`no approval matches '${reference}' (see \`mcprec approvals\`)`);
			if (matches.length > 1 && matches[0].id !== reference) {
				throw new UserError(`'${reference}' matches several approvals (${matches.map((row) => row.id).join(', ')}); give more characters`);
			}
			const approval = matches[0];
			if (approval.status !== 'pending') {
				throw new UserError(`approval ${approval.id} is already ${approval.status}${approval.decided_by ? ` (by ${approval.decided_by})` : ''}`);
			}
			if (approval.authority === 'collector') {
				const where = approval.decide_url ? `: ${approval.decide_url}` : " (its viewer's Approvals page)";
				throw new UserError(
					`approval ${approval.id} is decided by the collector's approver group, not here; ask them to decide it${where}. Calls held while a collector is configured (sync.endpoint and a login) are settled there only.`,
				);
			}
			if (approval.expires_at <= now) {
				throw new UserError(`approval ${approval.id} expired at ${new Date(approval.expires_at / 1000).toISOString()}; the call was denied`);
			}
			database
				.prepare('UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, channel = ?, reason = ? WHERE id = ?')
				.run(decision, now, decidedBy, channel, reason, approval.id);
			return { ...approval, status: decision, decided_at: now, decided_by: decidedBy, channel, reason };
		})
		.immediate();
}

export function insertGrant(database: StoreDatabase, grant: Omit<GrantRow, 'id'>): GrantRow {
	const row = { id: newApprovalId(), ...grant };
	database
		.prepare('INSERT INTO grants (id, server, tool, created_at, expires_at, created_by, reason) VALUES (@id, @server, @tool, @created_at, @expires_at, @created_by, @reason)')
		.run(row);
	return row;
}

/** The grant that pre-approves this call right now, if any. */
export function findGrant(database: StoreDatabase, server: string, tool: string, now: number): GrantRow | undefined {
	const grants = database.prepare('SELECT * FROM grants WHERE expires_at > ? ORDER BY expires_at DESC').all(now) as GrantRow[];
	return grants.find((grant) => matchesGlob(grant.server, server) && matchesGlob(grant.tool, tool));
}

export function listGrants(database: StoreDatabase, now: number): GrantRow[] {
	return database.prepare('SELECT * FROM grants WHERE expires_at > ? ORDER BY expires_at').all(now) as GrantRow[];
}
