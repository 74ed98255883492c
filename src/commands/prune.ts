// `mcprec prune --older-than D`: retention for the local store (issue 18). Closed sessions
// that ended before the cutoff are deleted, by default only those the collector holds
// (synced and sealed); each one leaves a `prune` entry in the store ledger with its event
// count and head hash, signed with the device key, so `verify --all` can tell a session
// removed by policy from one deleted behind mcprec's back. No VACUUM: SQLite reuses the
// freed pages, and shrinking the file under a running recorder would read as tampering.

import { stdoutColours } from '../terminal/colours.js';
import { resolveStatePaths } from '../config/paths.js';
import { UserError } from '../errors/user-error.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { openStore } from '../store/open-store.js';
import { appendLedgerEntry, writeLedgerHead } from '../store/ledger-queries.js';
import type { LedgerHead } from '../event/ledger.js';
import { genesisHash } from '../event/hash-chain.js';

export interface PruneOptions {
	olderThan: number;
	onlySynced?: boolean;
	includeUnsynced?: boolean;
	dryRun?: boolean;
	json?: boolean;
}

interface Candidate {
	id: string;
	server: string;
	endedAt: number;
	eventCount: number;
	headHash: string | null;
	syncState: string;
	sealed: number;
}

export async function pruneCommand(options: PruneOptions): Promise<void> {
	if (options.onlySynced && options.includeUnsynced) throw new UserError('--only-synced and --include-unsynced contradict each other; give one');
	const file = resolveStatePaths().database;
	const cutoffMicros = (Date.now() - options.olderThan) * 1000;
	const database = openStore({ file, signer: existingDeviceSigner });
	let pruned: Candidate[] = [];
	let head: LedgerHead | undefined;
	try {
		const candidates = database
			.prepare(
				`SELECT id, server, ended_at AS endedAt, event_count AS eventCount, head_hash AS headHash, sync_state AS syncState, seal_sent AS sealed
  FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ? ${options.includeUnsynced ? '' : "AND sync_state = 'synced' AND seal_sent = 1"}
  ORDER BY started_at, id`,
			)
			.all(cutoffMicros) as Candidate[];
		if (options.dryRun || candidates.length === 0) {
			report(candidates, options, true);
			return;
		}
		const signer = existingDeviceSigner();
		if (!signer) {
			throw new UserError('no device key to sign the tombstones with (it is created by the first `mcprec run`); without one, pruned sessions would read as deleted');
		}
		const removeEvents = database.prepare('DELETE FROM events WHERE session_id = ?');
		const removeSession = database.prepare('DELETE FROM sessions WHERE id = ?');
		database
			.transaction(() => {
				for (const session of candidates) {
					removeEvents.run(session.id);
					removeSession.run(session.id);
					const headHash = session.headHash ?? genesisHash(session.id);
					head = appendLedgerEntry(database, { ts: Date.now() * 1000, kind: 'prune', sessionId: session.id, eventCount: session.eventCount, headHash, endReason: 'pruned' }, signer) ?? head;
				}
			})
			.immediate();
		pruned = candidates;
	} finally {
		database.close();
	}
	if (head) writeLedgerHead(file, head);
	report(pruned, options, false);
}

function report(sessions: Candidate[], options: PruneOptions, dryRun: boolean): void {
	const events = sessions.reduce((sum, session) => sum + session.eventCount, 0);
	if (options.json) {
		const rows = sessions.map((session) => ({ id: session.id, server: session.server, endedAt: new Date(session.endedAt / 1000).toISOString(), events: session.eventCount, synced: session.syncState === 'synced' }));
		process.stdout.write(`${JSON.stringify({ dryRun, sessions: rows, totals: { sessions: sessions.length, events } }, null, 2)}\n`);
		return;
	}
	if (sessions.length === 0) {
		process.stdout.write(`Nothing to prune${options.includeUnsynced ? '' : ' (only sessions the collector holds are pruned; --include-unsynced for the others)'}.\n`);
		return;
	}
	for (const session of sessions) {
		const unsynced = session.syncState === 'synced' ? '' : ` ${stdoutColours.yellow('(never synced: its only copy)')}`;
		process.stdout.write(`${dryRun ? 'would prune' : 'pruned'} ${session.id} ${session.server}, ended ${new Date(session.endedAt / 1000).toISOString()}, ${session.eventCount} events${unsynced}\n`);
	}
	process.stdout.write(`${dryRun ? 'Would prune' : 'Pruned'} ${sessions.length} session(s), ${events} events${dryRun ? '; run again without --dry-run to delete them' : '; `mcprec verify --all` lists them as pruned'}.\n`);
}
