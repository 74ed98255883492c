// `mcprec verify [<session>|--all]`: exit 0 when every checked chain is intact, 1 otherwise.

import { stdoutColours } from '../terminal/colours.js';
import { resolveStatePaths } from '../config/paths.js';
import { ExitCode } from '../errors/user-error.js';
import { openStore } from '../store/open-store.js';
import { listSessions, resolveSession, type SessionRow } from '../store/session-queries.js';
import { verifySession, type VerifyResult } from '../verify/verify-chain.js';

// SQLite's words for a file that is no longer a sound database.
function isDamage(error: unknown): boolean {
	const code = (error as { code?: string }).code ?? '';
	return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

export interface VerifyOptions {
	all?: boolean;
	json?: boolean;
}

export async function verifyCommand(reference: string | undefined, options: VerifyOptions): Promise<void> {
	const file = resolveStatePaths().database;
	const results: VerifyResult[] = [];
	try {
		const database = openStore({ file, readonly: true });
		try {
			// One read transaction: a session still being recorded is checked as of one moment.
			database.transaction(() => {
				const sessions: SessionRow[] = reference && !options.all ? [resolveSession(database, reference)] : listSessions(database).reverse();
				for (const session of sessions) results.push(verifySession(database, session));
			})();
		} finally {
			database.close();
		}
	} catch (error) {
		if (!isDamage(error)) throw error;
		// A store SQLite cannot read any more is a failed check, not a usage problem: say what is wrong.
		const problem = `the store ${file} is damaged (${(error as Error).message}): its pages were altered, truncated or replaced outside SQLite`;
		if (options.json) process.stdout.write(`${JSON.stringify({ damaged: true, problem, checked: results }, null, 2)}\n`);
		else process.stdout.write(`${stdoutColours.red('✗')} ${problem}; ${results.length} session(s) were checked before it failed. Sessions synced to a collector can be read there.\n`);
		process.exitCode = ExitCode.checkFailed;
		return;
	}
	const tampered = results.filter((result) => !result.intact);
	if (options.json) {
		process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
	} else {
		for (const result of results) {
			process.stdout.write(
				result.intact
					? `${stdoutColours.green('✓')} ${result.sessionId} intact (${result.events} events${result.signature ? ', signature ok' : ''})\n`
					: `${stdoutColours.red('✗')} ${result.sessionId} tampered at seq ${result.firstBadSeq}: ${result.problem}\n`,
			);
		}
		if (results.length === 0) process.stderr.write('No sessions to verify.\n');
		else if (results.length > 1) {
			process.stdout.write(`${results.length - tampered.length} of ${results.length} sessions intact\n`);
		}
	}
	if (tampered.length > 0) process.exitCode = ExitCode.checkFailed;
}
