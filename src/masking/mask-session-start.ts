// The facts a session starts with come from the command line and the environment, and a
// server's command line often carries a token (`--api-key ghp_…`): they are masked by the
// session's masker before the row is written, synced or shown. The identity is not: it is
// who signed in, which the record exists to show.

import type { Masker } from './create-masker.js';

/** The fields of a session's start (store/session-row.ts SessionStart) that come from the command line and the environment. */
export interface SessionOrigins {
	command: string[] | null;
	url: string | null;
	server: string;
	cwd: string;
	host: string;
	osUser: string;
}

/** Masks, in place, the command line (each argument), url, server label, cwd, host and OS user. */
export function maskSessionStart(session: SessionOrigins, masker: Pick<Masker, 'maskText'>): void {
	const mask = (text: string) => masker.maskText(text).text;
	if (session.command) session.command = session.command.map(mask);
	if (session.url) session.url = mask(session.url);
	session.server = mask(session.server);
	session.cwd = mask(session.cwd);
	session.host = mask(session.host);
	session.osUser = mask(session.osUser);
}
