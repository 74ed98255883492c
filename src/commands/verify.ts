// `mcprec verify [<session>|--all]`: exit 0 when every checked session is intact and the
// store ledger accounts for every session, 1 otherwise (README "The store ledger").

import { stdoutColours } from '../terminal/colours.js';
import { resolveStatePaths } from '../config/paths.js';
import { ExitCode } from '../errors/user-error.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { openStore } from '../store/open-store.js';
import { readLedgerHead } from '../store/ledger-queries.js';
import { processIsAlive } from '../store/process-identity.js';
import { listSessions, resolveSession, type SessionRow } from '../store/session-queries.js';
import { verifySession, type VerifyResult } from '../verify/verify-chain.js';
import { verifyLedger, type LedgerProblem } from '../verify/verify-ledger.js';

// SQLite's words for a file that is no longer a sound database.
function isDamage(error: unknown): boolean {
	const code = (error as { code?: string }).code ?? '';
	return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

export interface VerifyOptions {
	all?: boolean;
	json?: boolean;
}

/** One line of `verify --json` about the store rather than a session: the ledger's findings. */
type StoreFinding = LedgerProblem & { intact: false; ledger: true };

export async function verifyCommand(reference: string | undefined, options: VerifyOptions): Promise<void> {
	const file = resolveStatePaths().database;
	const results: VerifyResult[] = [];
	let findings: StoreFinding[] = [];
	try {
		const database = openStore({ file, readonly: true, signer: existingDeviceSigner });
		try {
			// One read transaction: a session still being recorded is checked as of one moment.
			database.transaction(() => {
				const whole = !reference || options.all;
				const sessions: SessionRow[] = whole ? listSessions(database).reverse() : [resolveSession(database, reference)];
				const ledger = verifyLedger(database, readLedgerHead(file));
				// About the store as a whole; checking one session reports only what concerns it.
				findings = ledger.problems.filter((finding) => whole || finding.sessionId === undefined).map((finding) => ({ ...finding, intact: false, ledger: true }));
				for (const session of sessions) {
					const running = session.ended_at === null && session.pid != null && processIsAlive(session.pid, session.pid_start ?? null);
					results.push(verifySession(database, session, { ledger: ledger.sessionLedger(session.id), running }));
				}
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
		process.stdout.write(`${JSON.stringify([...results, ...findings], null, 2)}\n`);
	} else {
		for (const result of results) {
			process.stdout.write(
				result.intact
					? `${stdoutColours.green('✓')} ${result.sessionId} intact (${result.events} events${describeSignatures(result)})\n`
					: `${stdoutColours.red('✗')} ${result.sessionId} tampered at seq ${result.firstBadSeq}: ${result.problem}\n`,
			);
		}
		for (const finding of findings) process.stdout.write(`${stdoutColours.red('✗')} ${finding.problem}\n`);
		if (results.length === 0 && findings.length === 0) process.stderr.write('No sessions to verify.\n');
		else if (results.length > 1) {
			process.stdout.write(`${results.length - tampered.length} of ${results.length} sessions intact${findings.length > 0 ? `; ${findings.length} problem(s) with the store ledger` : ''}\n`);
		}
	}
	if (tampered.length > 0 || findings.length > 0) process.exitCode = ExitCode.checkFailed;
}

function describeSignatures(result: VerifyResult & { intact: true }): string {
	const parts: string[] = [];
	if (result.checkpoint === 'signed') parts.push('signed by this device');
	else if (result.checkpoint === 'unsigned') parts.push('not signed: recorded before signed checkpoints or without a device key');
	else parts.push('still recording, nothing committed yet');
	if (result.signature) parts.push('seal ok');
	return `, ${parts.join(', ')}`;
}
