// `mcprec approvals`, `approve <id>`, `deny <id>`, `grant`: settle held tool calls from
// another terminal, or pre-approve a tool for a while (DESIGN §3).

import { stdoutColours } from '../terminal/colours.js';
import {
	decideApproval,
	insertGrant,
	listApprovals,
	listGrants,
	type ApprovalRow,
} from '../approvals/approval-store.js';
import { currentUser } from '../identity/current-user.js';
import { formatTable } from '../terminal/format-table.js';
import { parseDuration } from '../time/parse-duration.js';
import { UserError } from '../errors/user-error.js';
import { resolveStatePaths } from '../config/paths.js';
import { isoMicros } from '../event/replay-event.js';
import { openStore, type StoreDatabase } from '../store/open-store.js';
import { LONGEST_GRANT } from './approvals-options.js';

export interface ApprovalsOptions {
	json?: boolean;
	/** Settled and expired approvals too. */
	all?: boolean;
}

export interface DecisionOptions {
	json?: boolean;
}

export interface GrantOptions {
	server: string;
	tool: string;
	/** A duration: 15m, 2h, 1d. */
	for: string;
	reason?: string;
	json?: boolean;
	/** List the grants in force instead of adding one. */
	list?: boolean;
}

function withStore<T>(action: (database: StoreDatabase) => T): T {
	const database = openStore({ file: resolveStatePaths().database });
	try {
		return action(database);
	} finally {
		database.close();
	}
}

const nowMicros = () => Date.now() * 1000;

export async function approvalsCommand(options: ApprovalsOptions): Promise<void> {
	const rows = withStore((database) => listApprovals(database, { all: options.all, now: nowMicros() }));
	if (options.json) {
		process.stdout.write(`${JSON.stringify(rows.map(approvalJson), null, 2)}\n`);
		return;
	}
	if (rows.length === 0) {
		process.stderr.write(options.all ? 'No approvals recorded.\n' : 'No calls are waiting for approval.\n');
		return;
	}
	const now = nowMicros();
	process.stdout.write(
		formatTable(
			['ID', 'STATUS', 'WAITING', 'EXPIRES', 'SERVER', 'TOOL', 'RULE', 'ARGUMENTS'],
			rows.map((row) => [
				row.id,
				row.status === 'pending' ? stdoutColours.yellow(row.status) : row.status,
				`${Math.round((now - row.requested_at) / 1_000_000)}s`,
				row.status === 'pending' ? `in ${Math.max(0, Math.round((row.expires_at - now) / 1_000_000))}s` : '',
				row.server,
				row.tool ?? row.method,
				row.rule ?? '',
				row.summary.length > 60 ? `${row.summary.slice(0, 59)}…` : row.summary,
			]),
		),
	);
	if (!options.all) process.stderr.write('Settle one with `mcprec approve <id>` or `mcprec deny <id>`.\n');
}

export async function decideCommand(reference: string, decision: 'approved' | 'denied', options: DecisionOptions): Promise<void> {
	const row = withStore((database) => decideApproval(database, reference, decision, currentUser(), nowMicros()));
	if (options.json) {
		process.stdout.write(`${JSON.stringify(approvalJson(row))}\n`);
		return;
	}
	const verb = decision === 'approved' ? stdoutColours.green('approved') : stdoutColours.red('denied');
	process.stdout.write(`${verb} ${row.id}: ${row.server} ${row.tool ?? row.method} ${row.summary}\n`);
}

export async function grantCommand(options: GrantOptions): Promise<void> {
	if (options.list) {
		const grants = withStore((database) => listGrants(database, nowMicros()));
		if (options.json) process.stdout.write(`${JSON.stringify(grants, null, 2)}\n`);
		else if (grants.length === 0) process.stderr.write('No active grants.\n');
		else
			process.stdout.write(
				formatTable(
					['ID', 'SERVER', 'TOOL', 'UNTIL', 'BY', 'REASON'],
					grants.map((grant) => [grant.id, grant.server, grant.tool, isoMicros(grant.expires_at), grant.created_by ?? '', grant.reason ?? '']),
				),
			);
		return;
	}
	if (!options.server || !options.tool || !options.for) {
		throw new UserError('grant needs --server, --tool and --for, e.g. mcprec grant --server db-prod --tool "delete_*" --for 15m');
	}
	const duration = parseDuration(options.for);
	if (!duration || duration <= 0) throw new UserError(`--for expects a duration like 15m, 2h or 1d; got '${options.for}'`);
	if (duration > parseDuration(LONGEST_GRANT)!) throw new UserError(`--for is limited to ${LONGEST_GRANT} (got '${options.for}'); grants are meant to be short`);
	const now = nowMicros();
	const grant = withStore((database) =>
		insertGrant(database, {
			server: options.server,
			tool: options.tool,
			created_at: now,
			expires_at: now + duration * 1000,
			created_by: currentUser(),
			reason: options.reason ?? null,
		}),
	);
	if (options.json) process.stdout.write(`${JSON.stringify(grant)}\n`);
	else process.stdout.write(`granted ${grant.id}: calls to '${grant.tool}' on '${grant.server}' are pre-approved until ${isoMicros(grant.expires_at)}\n`);
}

function approvalJson(row: ApprovalRow) {
	return {
		id: row.id,
		status: row.status,
		sessionId: row.session_id,
		server: row.server,
		method: row.method,
		tool: row.tool,
		rule: row.rule,
		arguments: row.summary,
		digest: row.digest,
		requestedAt: isoMicros(row.requested_at),
		expiresAt: isoMicros(row.expires_at),
		decidedAt: row.decided_at === null ? null : isoMicros(row.decided_at),
		decidedBy: row.decided_by,
		channel: row.channel,
	};
}
