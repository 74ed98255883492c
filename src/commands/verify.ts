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
import { verifyLedger, type LedgerProblem, type PrunedSession } from '../verify/verify-ledger.js';
import { readSyncConfig } from '../config/sync-config.js';
import { deviceKeyOf } from '../store/sync-queries.js';
import type { DeviceSigner } from '../event/device-signature.js';

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

/** One line of `verify --json` about the device key: the store's copy, and the collector's. */
interface DeviceFinding {
	device: string;
	intact: boolean;
	/** true: the collector holds this key; false: it holds another; null: not checked. */
	registered: boolean | null;
	problem?: string;
}

export async function verifyCommand(reference: string | undefined, options: VerifyOptions): Promise<void> {
	const file = resolveStatePaths().database;
	const results: VerifyResult[] = [];
	let findings: StoreFinding[] = [];
	let pruned: PrunedSession[] = [];
	const whole = !reference || options.all === true;
	// This device's key as the credential store has it, compared with the store's copy below.
	const device = whole ? existingDeviceSigner() : undefined;
	const deviceFindings: DeviceFinding[] = [];
	try {
		const database = openStore({ file, readonly: true, signer: existingDeviceSigner });
		try {
			// One read transaction: a session still being recorded is checked as of one moment.
			database.transaction(() => {
				const sessions: SessionRow[] = whole ? listSessions(database).reverse() : [resolveSession(database, reference)];
				const ledger = verifyLedger(database, readLedgerHead(file));
				// About the store as a whole; checking one session reports only what concerns it.
				findings = ledger.problems.filter((finding) => whole || finding.sessionId === undefined).map((finding) => ({ ...finding, intact: false, ledger: true }));
				if (whole) pruned = ledger.pruned;
				for (const session of sessions) {
					const running = session.ended_at === null && session.pid != null && processIsAlive(session.pid, session.pid_start ?? null);
					results.push(verifySession(database, session, { ledger: ledger.sessionLedger(session.id), running }));
				}
				const stored = device && deviceKeyOf(database, device.deviceId);
				if (device && stored && stored.x !== device.publicKey.x) {
					deviceFindings.push({ device: device.deviceId, intact: false, registered: null, problem: `the store's copy of device '${device.deviceId}''s public key is not this device's key: the key in the store was replaced` });
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
	const atCollector = device && deviceFindings.length === 0 ? await checkWithCollector(device) : undefined;
	if (atCollector) deviceFindings.push(atCollector);
	const tampered = results.filter((result) => !result.intact);
	const deviceProblems = deviceFindings.filter((finding) => !finding.intact);
	if (options.json) {
		const prunedRows = pruned.map((session) => ({ sessionId: session.sessionId, intact: true, pruned: true, prunedAt: new Date(session.prunedAt / 1000).toISOString(), events: session.events }));
		process.stdout.write(`${JSON.stringify([...results, ...prunedRows, ...findings, ...deviceFindings], null, 2)}\n`);
	} else {
		for (const result of results) {
			process.stdout.write(
				result.intact
					? `${stdoutColours.green('✓')} ${result.sessionId} intact (${result.events} events${describeSignatures(result)})\n`
					: `${stdoutColours.red('✗')} ${result.sessionId} tampered at seq ${result.firstBadSeq}: ${result.problem}\n`,
			);
		}
		for (const session of pruned) {
			process.stdout.write(`- ${session.sessionId} pruned by policy on ${new Date(session.prunedAt / 1000).toISOString()} (${session.events} events; signed tombstone in the store ledger)\n`);
		}
		for (const finding of findings) process.stdout.write(`${stdoutColours.red('✗')} ${finding.problem}\n`);
		for (const finding of deviceFindings) {
			if (!finding.intact) process.stdout.write(`${stdoutColours.red('✗')} ${finding.problem}\n`);
			else if (finding.registered) process.stdout.write(`${stdoutColours.green('✓')} device '${finding.device}' is the key registered at the collector\n`);
			else if (finding.problem) process.stderr.write(`mcprec: ${finding.problem}\n`);
		}
		if (results.length === 0 && findings.length === 0 && pruned.length === 0) process.stderr.write('No sessions to verify.\n');
		else if (results.length > 1) {
			process.stdout.write(`${results.length - tampered.length} of ${results.length} sessions intact${findings.length > 0 ? `; ${findings.length} problem(s) with the store ledger` : ''}\n`);
		}
	}
	if (tampered.length > 0 || findings.length > 0 || deviceProblems.length > 0) process.exitCode = ExitCode.checkFailed;
}

// Only when a collector is configured: it holds the key this device registered first.
async function checkWithCollector(device: DeviceSigner): Promise<DeviceFinding | undefined> {
	const endpoint = readSyncConfig(resolveStatePaths().config).endpoint;
	if (!endpoint) return undefined;
	const { checkDeviceAtCollector } = await import('../sync/check-device.js');
	const check = await checkDeviceAtCollector({ endpoint, deviceId: device.deviceId, publicKey: device.publicKey });
	if (check.status === 'registered') return { device: device.deviceId, intact: true, registered: true };
	if (check.status === 'different-key') return { device: device.deviceId, intact: false, registered: false, problem: check.problem };
	return { device: device.deviceId, intact: true, registered: null, problem: check.problem };
}

function describeSignatures(result: VerifyResult & { intact: true }): string {
	const parts: string[] = [];
	if (result.checkpoint === 'signed') parts.push('signed by this device');
	else if (result.checkpoint === 'unsigned') parts.push('not signed: recorded before signed checkpoints or without a device key');
	else parts.push('still recording, nothing committed yet');
	if (result.signature) parts.push('seal signature ok');
	return `, ${parts.join(', ')}`;
}
