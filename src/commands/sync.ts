// `mcprec sync [--endpoint URL] [--dry-run] [--json] [--batch N]`: upload to the collector
// whatever it does not hold yet (DESIGN §7). Resumable and idempotent: interrupt it anywhere
// and run it again. Progress on stderr; the summary on stdout (JSON with --json).

import fs from 'node:fs';
import os from 'node:os';
import { UserError } from '../errors/user-error.js';
import { resolveStatePaths } from '../config/paths.js';
import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import type { LoginProblem } from '../identity/refresh-login.js';
import { isLoopback } from '../identity/identity-settings.js';
import { openStore, type StoreDatabase } from '../store/open-store.js';
import { CollectorClient, CollectorError, CollectorUnreachableError } from '../sync/collector-client.js';
import { existingDeviceSigner, loadOrCreateDeviceKey, type DeviceKey } from '../identity/device-key.js';
import { readSyncConfig, rememberSyncEndpoint } from '../config/sync-config.js';
import { createSyncProgress } from '../sync/sync-progress.js';
import { listPendingSessions, rememberDeviceKey, type PendingSession } from '../store/sync-queries.js';
import { syncSession, type SessionSyncResult } from '../sync/sync-session.js';
import { SYNC_DEFAULTS } from './sync-options.js';
import { createBearerTokenSource } from '../sync/bearer-token.js';

export interface SyncOptions {
	endpoint?: string;
	dryRun?: boolean;
	json?: boolean;
	/** Events per request (default: SYNC_DEFAULTS). */
	batch?: number;
	/** Attempts per request on network errors and 5xx (default: SYNC_DEFAULTS). */
	retries?: number;
}

/** Exit codes of `sync` beyond 0 and 2: some sessions refused (1), collector unreachable (4). */
export const SyncExit = { refused: 1, unreachable: 4 } as const;

const BATCH_BYTES = 8 * 1024 * 1024;

export async function syncCommand(options: SyncOptions): Promise<void> {
	const paths = resolveStatePaths();
	const config = readSyncConfig(paths.config);
	const endpoint = checkEndpoint(options.endpoint ?? config.endpoint, paths.config, options.dryRun === true);
	if (options.endpoint && !options.dryRun) rememberSyncEndpoint(paths.config, endpoint!);
	if (!fs.existsSync(paths.database)) {
		report({ endpoint, dryRun: options.dryRun === true, results: [], pending: [] }, options);
		return;
	}
	const database = openStore({ file: paths.database, signer: existingDeviceSigner });
	try {
		const pending = listPendingSessions(database);
		if (options.dryRun || pending.length === 0) {
			report({ endpoint, dryRun: options.dryRun === true, results: [], pending }, options);
			return;
		}
		await upload({ database, endpoint: endpoint!, pending, options });
	} finally {
		database.close();
	}
}

async function upload(input: { database: StoreDatabase; endpoint: string; pending: PendingSession[]; options: SyncOptions }): Promise<void> {
	const { database, endpoint, pending, options } = input;
	const { store } = openCredentialStore();
	const lockFile = resolveCredentialPaths().lock;
	const accessToken = createBearerTokenSource({ store, lockFile, describeProblem: loginError });
	await accessToken();
	const totalEvents = pending.reduce((sum, item) => sum + Math.max(0, item.lastSeq - item.row.synced_seq), 0);
	const progress = createSyncProgress({ stream: process.stderr, totalEvents, totalSessions: pending.length, quiet: options.json });
	const client = new CollectorClient({ endpoint, accessToken, attempts: options.retries ?? SYNC_DEFAULTS.retries, onRetry: (problem, delayMs) => progress.retrying(problem, delayMs) });
	let device: Promise<DeviceKey> | undefined;
	// Created and registered once per run, and only when a closed session needs a seal.
	const registeredDevice = () =>
		(device ??= (async () => {
			const key = await loadOrCreateDeviceKey({ store, lockFile });
			rememberDeviceKey(database, key.id, key.publicKey);
			await client.putDevice(key.id, key.publicKey, os.hostname());
			return key;
		})());
	const results: SessionSyncResult[] = [];
	let stopped: Error | undefined;
	for (const item of pending) {
		progress.sessionStarted(item.row.id, item.row.server);
		try {
			const result = await syncSession({
				database,
				client,
				pending: item,
				batchSize: options.batch ?? SYNC_DEFAULTS.batch,
				batchBytes: BATCH_BYTES,
				device: registeredDevice,
				onEvents: (count) => progress.eventsUploaded(count),
			});
			results.push(result);
			progress.sessionFinished(describeResult(result));
		} catch (error) {
			if (!(error instanceof CollectorUnreachableError || error instanceof CollectorError)) throw error;
			stopped = error;
			break;
		}
	}
	progress.done();
	report({ endpoint, dryRun: false, results, pending, stopped: stopped?.message }, options);
	if (stopped instanceof CollectorError) {
		throw new UserError(`the collector refused the access token (${stopped.message}); run \`mcprec login\` (with --resource <collector audience> if it needs one)`);
	}
	if (stopped) throw new UserError(`${stopped.message}; nothing was lost: run \`mcprec sync\` again to continue`, SyncExit.unreachable);
	const failed = results.filter((result) => result.status === 'failed');
	if (failed.length > 0) process.exitCode = SyncExit.refused;
}

function loginError(problem: LoginProblem): UserError {
	if (problem.kind === 'signed-out') return new UserError('not signed in: run `mcprec login` first (sync uploads as the signed-in user)');
	if (problem.kind === 'expired') return new UserError(`your login has expired and could not be renewed (${problem.message}): run \`mcprec login\``);
	return new UserError(`cannot renew your login, the identity provider is unreachable (${problem.message}); try again later`, SyncExit.unreachable);
}

function checkEndpoint(value: string | undefined, configFile: string, dryRun: boolean): string | undefined {
	if (value === undefined) {
		if (dryRun) return undefined;
		throw new UserError(`no collector to sync to: pass --endpoint URL (it is then remembered as sync.endpoint in ${configFile})`);
	}
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new UserError(`endpoint '${value}' is not a URL (expected something like https://mcprec.example.com)`);
	}
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
		throw new UserError(`endpoint '${value}' must use https (plain http only for 127.0.0.1, ::1 and localhost): sync sends your access token`);
	}
	return url.href.replace(/\/+$/, '');
}

function describeResult(result: SessionSyncResult): string {
	const what = `${result.id} (${result.server})`;
	if (result.status === 'failed') return `✗ ${what}: ${result.error}`;
	const events = `${result.sent} events sent${result.duplicates > 0 ? `, ${result.duplicates} already there` : ''}, up to seq ${result.ackSeq}`;
	if (result.status === 'synced') return `✓ ${what}: ${events}; sealed, integrity ${result.integrity ?? '?'}`;
	return `… ${what}: ${events}; ${result.open ? 'still open, the rest goes next time' : 'not finished'}`;
}

interface SyncReport {
	endpoint: string | undefined;
	dryRun: boolean;
	results: SessionSyncResult[];
	pending: PendingSession[];
	stopped?: string;
}

function report(input: SyncReport, options: SyncOptions): void {
	if (input.dryRun) {
		const sessions = input.pending.map(({ row, lastSeq }) => ({
			id: row.id,
			server: row.server,
			fromSeq: row.synced_seq + 1,
			toSeq: lastSeq,
			events: Math.max(0, lastSeq - row.synced_seq),
			open: row.ended_at === null,
			seal: row.ended_at !== null,
		}));
		if (options.json) {
			process.stdout.write(`${JSON.stringify({ endpoint: input.endpoint ?? null, dryRun: true, sessions }, null, 2)}\n`);
			return;
		}
		if (sessions.length === 0) process.stdout.write('Nothing to sync: every session is on the collector.\n');
		for (const session of sessions) {
			const range = session.events > 0 ? `events ${session.fromSeq}–${session.toSeq} (${session.events})` : 'no new events';
			process.stdout.write(`would upload ${session.id} (${session.server}): ${range}${session.open ? ', still open' : ', then seal it'}\n`);
		}
		if (sessions.length > 0) process.stdout.write(`${sessions.length} sessions, ${sessions.reduce((sum, item) => sum + item.events, 0)} events would go to ${input.endpoint ?? '(no endpoint configured)'}; nothing was sent\n`);
		return;
	}
	const totals = {
		sessions: input.results.length,
		synced: input.results.filter((result) => result.status === 'synced').length,
		partial: input.results.filter((result) => result.status === 'partial').length,
		failed: input.results.filter((result) => result.status === 'failed').length,
		notReached: input.pending.length - input.results.length,
		eventsSent: input.results.reduce((sum, result) => sum + result.sent, 0),
		eventsStored: input.results.reduce((sum, result) => sum + result.stored, 0),
		duplicates: input.results.reduce((sum, result) => sum + result.duplicates, 0),
	};
	if (options.json) {
		process.stdout.write(`${JSON.stringify({ endpoint: input.endpoint, dryRun: false, totals, sessions: input.results, ...(input.stopped ? { stopped: input.stopped } : {}) }, null, 2)}\n`);
		return;
	}
	if (input.pending.length === 0) {
		process.stdout.write('Nothing to sync: every session is on the collector.\n');
		return;
	}
	const parts = [`${totals.eventsStored} events stored`, `${totals.synced} sessions complete and sealed`];
	if (totals.partial > 0) parts.push(`${totals.partial} still open (partly uploaded)`);
	if (totals.failed > 0) parts.push(`${totals.failed} refused (see above)`);
	if (totals.notReached > 0) parts.push(`${totals.notReached} not reached`);
	process.stdout.write(`Synced to ${input.endpoint}: ${parts.join(', ')}.\n`);
}
