// The public JSON shape of a session (`mcprec sessions --json`, DESIGN §5).

import { isoMicros } from '../event/event-forms.js';
import type { SessionRow } from '../store/session-queries.js';

export interface SessionSummary {
	id: string;
	server: string;
	command: string[] | null;
	url: string | null;
	startedAt: string;
	endedAt: string | null;
	endReason: string | null;
	exitCode: number | null;
	exitSignal: string | null;
	user: {
		osUser: string | null;
		host: string | null;
		issuer: string | null;
		sub: string | null;
		email: string | null;
		name: string | null;
		groups: string[];
	};
	client: { name: string | null; version: string | null };
	protocolVersion: string | null;
	counts: {
		messages: number;
		requests: number;
		/** JSON-RPC errors and tool errors. */
		errors: number;
		/** The part of `errors` that are tool errors (results with `isError: true`). */
		toolErrors: number;
		/** Calls a policy rule refused. */
		blocked: number;
		/** Held calls that were not approved (an approver said no, or nobody answered in time). */
		denied: number;
		masked: number;
		/** Calls held for a person. */
		approvals: number;
		bytes: number;
		events: number;
	};
	policyDigest: string | null;
	headHash: string | null;
	synced: boolean;
}

export function summarizeSession(row: SessionRow): SessionSummary {
	return {
		id: row.id,
		server: row.server,
		command: row.command ? (JSON.parse(row.command) as string[]) : null,
		url: row.url,
		startedAt: isoMicros(row.started_at),
		endedAt: row.ended_at === null ? null : isoMicros(row.ended_at),
		endReason: row.end_reason,
		exitCode: row.exit_code,
		exitSignal: row.exit_signal,
		user: {
			osUser: row.os_user,
			host: row.host,
			issuer: row.identity_issuer,
			sub: row.identity_sub,
			email: row.identity_email,
			name: row.identity_name,
			groups: row.identity_groups ? (JSON.parse(row.identity_groups) as string[]) : [],
		},
		client: { name: row.client_name, version: row.client_version },
		protocolVersion: row.protocol_version,
		counts: {
			messages: row.messages,
			requests: row.requests,
			errors: row.errors,
			toolErrors: row.tool_errors ?? 0,
			blocked: row.blocked,
			denied: row.denied ?? 0,
			masked: row.masked,
			approvals: row.approvals,
			bytes: row.bytes,
			events: row.event_count,
		},
		policyDigest: row.policy_digest,
		headHash: row.head_hash,
		synced: row.sync_state === 'synced',
	};
}

/** `3`, or `3 (2 tool)` when some of the errors are tool errors. */
export function errorsText(counts: { errors: number; toolErrors: number }): string {
	return counts.toolErrors > 0 ? `${counts.errors} (${counts.toolErrors} tool)` : String(counts.errors);
}

/** Who ran the session, for display: the signed-in identity, else the OS user. */
export function displayUser(row: SessionRow): string {
	return row.identity_email ?? row.identity_name ?? row.identity_sub ?? row.os_user ?? '?';
}
