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
