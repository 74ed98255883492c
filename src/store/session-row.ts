/** The facts about a session known when it starts. */
export interface SessionStart {
	id: string;
	server: string;
	command: string[] | null;
	url: string | null;
	cwd: string;
	host: string;
	osUser: string;
	startedAt: number;
	policyDigest?: string | null;
	/** The recording process and its start time (process-identity.ts). */
	pid?: number | null;
	pidStart?: string | null;
	identity?: {
		issuer: string;
		sub: string;
		email?: string | null;
		name?: string | null;
		groups?: string[];
	} | null;
}

/** Facts learned during the session (first exchange, the end). */
export interface SessionUpdate {
	clientName?: string;
	clientVersion?: string;
	protocolVersion?: string;
	endedAt?: number;
	endReason?: string;
	exitCode?: number | null;
	exitSignal?: string | null;
}

/** The named parameters of INSERT_SESSION. */
export function sessionRow(session: SessionStart): Record<string, unknown> {
	return {
		id: session.id,
		server: session.server,
		command: session.command ? JSON.stringify(session.command) : null,
		url: session.url,
		cwd: session.cwd,
		host: session.host,
		osUser: session.osUser,
		startedAt: session.startedAt,
		policyDigest: session.policyDigest ?? null,
		pid: session.pid ?? null,
		pidStart: session.pidStart ?? null,
		identityIssuer: session.identity?.issuer ?? null,
		identitySub: session.identity?.sub ?? null,
		identityEmail: session.identity?.email ?? null,
		identityName: session.identity?.name ?? null,
		identityGroups: session.identity?.groups ? JSON.stringify(session.identity.groups) : null,
	};
}

/** Ignored when the row exists: the main thread writes it first, the writer again with its first batch. */
export const INSERT_SESSION = `INSERT OR IGNORE INTO sessions
  (id, server, command, url, cwd, host, os_user, started_at, policy_digest,
   identity_issuer, identity_sub, identity_email, identity_name, identity_groups, pid, pid_start)
  VALUES (@id, @server, @command, @url, @cwd, @host, @osUser, @startedAt, @policyDigest,
   @identityIssuer, @identitySub, @identityEmail, @identityName, @identityGroups, @pid, @pidStart)`;
