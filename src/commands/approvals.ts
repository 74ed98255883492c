// `mcprec approvals`, `approve <id>`, `deny <id>`, `grant`: settle held tool calls from
// another terminal, or pre-approve a tool for a while (DESIGN §3). A held call is shown
// whole, every argument pretty-printed and long values folded, never cut (issue 12); a
// call the collector holds is only shown here, with the address where it is decided.

import { compactArguments, prettyArguments } from '../approvals/format-arguments.js';
import { stdoutColours } from '../terminal/colours.js';
import { wrapLines } from '../terminal/wrap-lines.js';
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
import { isoMicros } from '../event/event-forms.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { openStore, type StoreDatabase } from '../store/open-store.js';
import { LONGEST_GRANT } from './approvals-options.js';

export interface ApprovalsOptions {
	json?: boolean;
	/** Settled and expired approvals too. */
	all?: boolean;
}

export interface DecisionOptions {
	json?: boolean;
	reason?: string;
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
	const database = openStore({ file: resolveStatePaths().database, signer: existingDeviceSigner });
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
	const width = Math.max(40, process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100);
	process.stdout.write(rows.map((row) => describeApproval(row, now, width)).join('\n'));
	if (!options.all && rows.some((row) => row.authority === 'local')) process.stderr.write('Settle one with `mcprec approve <id>` or `mcprec deny <id>`.\n');
}

const LABEL = 11;

// One block per approval: what was called, who decides it and how, then every argument.
function describeApproval(row: ApprovalRow, now: number, width: number): string {
	const field = (label: string, value: string) => `  ${label.padEnd(LABEL)}${value}\n`;
	const pending = row.status === 'pending';
	const timing = pending
		? `waiting ${Math.round((now - row.requested_at) / 1_000_000)}s, expires in ${Math.max(0, Math.round((row.expires_at - now) / 1_000_000))}s`
		: `requested ${isoMicros(row.requested_at)}`;
	let text = `${row.id}  ${pending ? stdoutColours.yellow(row.status) : row.status}  ${timing}\n`;
	text += field('server', row.server);
	text += field('tool', row.tool ?? row.method);
	if (row.rule) text += field('rule', row.rule);
	text += field('session', row.session_id);
	if (pending) {
		text +=
			row.authority === 'collector'
				? field('decide', `by the collector's approver group${row.decide_url ? `: ${row.decide_url}` : ''} (not here)`)
				: field('decide', `mcprec approve ${row.id}  or  mcprec deny ${row.id}  [--reason "…"]`);
	} else if (row.decided_at !== null) {
		text += field('decided', `${row.status}${row.decided_by ? ` by ${row.decided_by}` : ''}${row.channel ? ` (${row.channel})` : ''} at ${isoMicros(row.decided_at)}`);
		if (row.reason) text += field('reason', row.reason);
	}
	const indent = ' '.repeat(2 + LABEL);
	const body = wrapLines(row.arguments === null ? row.summary : prettyArguments(JSON.parse(row.arguments)), width - indent.length)
		.split('\n')
		.map((line, index) => (index === 0 ? line : indent + line))
		.join('\n');
	text += `  ${'arguments'.padEnd(LABEL)}${body}\n`;
	return text;
}

export async function decideCommand(reference: string, decision: 'approved' | 'denied', options: DecisionOptions): Promise<void> {
	const reason = options.reason?.trim() || null;
	const row = withStore((database) => decideApproval(database, reference, decision, currentUser(), nowMicros(), reason));
	if (options.json) {
		process.stdout.write(`${JSON.stringify(approvalJson(row))}\n`);
		return;
	}
	const verb = decision === 'approved' ? stdoutColours.green('approved') : stdoutColours.red('denied');
	const args = row.arguments === null ? row.summary : compactArguments(JSON.parse(row.arguments));
	process.stdout.write(`${verb} ${row.id}: ${row.server} ${row.tool ?? row.method} ${args}${reason ? ` (reason: ${reason})` : ''}\n`);
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
		// Complete; null for approvals recorded before mcprec kept them whole (`summary` is all there is then).
		arguments: row.arguments === null ? null : (JSON.parse(row.arguments) as unknown),
		summary: row.summary,
		// `local`: settled with `mcprec approve|deny`; `collector`: by its approver group, at decideUrl.
		authority: row.authority,
		decideUrl: row.decide_url,
		digest: row.digest,
		requestedAt: isoMicros(row.requested_at),
		expiresAt: isoMicros(row.expires_at),
		decidedAt: row.decided_at === null ? null : isoMicros(row.decided_at),
		decidedBy: row.decided_by,
		channel: row.channel,
		reason: row.reason,
	};
}
