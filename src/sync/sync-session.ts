// Uploads one session (DESIGN §7): PUT its metadata (with the seal once it is closed),
// then POST its events in batches from where the collector says it is — the collector's
// ackSeq, not the local cursor, decides where to resume; a 409 names the seq it expects.
// Re-sent events are ignored by the collector, so an interrupted run repeats safely.

import { summarizeSession } from '../sessions/session-summary.js';
import { encodeEventLines } from '../event/event-forms.js';
import type { StoreDatabase } from '../store/open-store.js';
import { CollectorError, type CollectorClient } from './collector-client.js';
import type { DeviceKey } from '../identity/device-key.js';
import { sealSession, UnsealableSessionError } from './seal-session.js';
import { markSynced, readEventBatch, recordAck, type LocalSeal, type PendingSession } from '../store/sync-queries.js';

/** What happened to one session, for the summary. */
export interface SessionSyncResult {
	id: string;
	server: string;
	status: 'synced' | 'partial' | 'failed';
	/** Events sent in this run (the collector may have held some already). */
	sent: number;
	stored: number;
	duplicates: number;
	/** The collector's last acknowledged seq after this run. */
	ackSeq: number;
	open: boolean;
	sealed: boolean;
	integrity?: string;
	error?: string;
}

export interface SyncSessionOptions {
	database: StoreDatabase;
	client: CollectorClient;
	pending: PendingSession;
	/** Events per POST. */
	batchSize: number;
	/** Payload bytes per POST, before base64 (the collector refuses bodies over 32 MiB). */
	batchBytes: number;
	/** The device key, registered with the collector, for closed sessions. */
	device: () => Promise<DeviceKey>;
	onEvents: (count: number) => void;
}

const MAX_GAP_ANSWERS = 5;

export async function syncSession(options: SyncSessionOptions): Promise<SessionSyncResult> {
	const { database, client, pending } = options;
	const { row } = pending;
	const result: SessionSyncResult = { id: row.id, server: row.server, status: 'partial', sent: 0, stored: 0, duplicates: 0, ackSeq: row.synced_seq, open: row.ended_at === null, sealed: false };
	try {
		const seal = row.ended_at === null ? undefined : sealSession({ database, row, device: await options.device() });
		const document = { ...summarizeSession(row), ...(seal ? { seal: sealDocument(seal) } : {}) };
		const put = await client.putSession(row.id, document);
		if (put.sealProblem) throw new SealRefusedError(`the collector did not accept the seal: ${put.sealProblem}`);
		result.integrity = put.integrity;
		let ackSeq = put.stored.ackSeq;
		let gapAnswers = 0;
		for (;;) {
			const batch = readEventBatch(database, { sessionId: row.id, afterSeq: ackSeq, limit: options.batchSize, maxBytes: options.batchBytes });
			if (batch.length === 0) break;
			try {
				const answer = await client.postEvents(row.id, encodeEventLines(batch));
				result.sent += batch.length;
				result.stored += answer.stored;
				result.duplicates += answer.duplicates;
				result.integrity = answer.integrity;
				options.onEvents(Math.max(0, answer.ackSeq - ackSeq));
				ackSeq = answer.ackSeq;
			} catch (error) {
				// The collector holds fewer (restored from a backup) or more (another sync) events than assumed.
				const expectedSeq = error instanceof CollectorError && error.status === 409 ? error.body.expectedSeq : undefined;
				if (typeof expectedSeq !== 'number' || ++gapAnswers > MAX_GAP_ANSWERS) throw error;
				ackSeq = expectedSeq - 1;
			}
			recordAck(database, row.id, ackSeq);
		}
		recordAck(database, row.id, ackSeq);
		result.ackSeq = ackSeq;
		if (seal && ackSeq === seal.eventCount - 1) {
			markSynced(database, row.id, ackSeq);
			result.status = 'synced';
			result.sealed = true;
		}
	} catch (error) {
		// Only this session is refused; a bad token or an unreachable collector stops the run.
		const refused = (error instanceof CollectorError && error.status !== 401) || error instanceof UnsealableSessionError || error instanceof SealRefusedError;
		if (!refused) throw error;
		result.status = 'failed';
		result.error = (error as Error).message;
	}
	return result;
}

class SealRefusedError extends Error {
	override name = 'SealRefusedError';
}

function sealDocument(seal: LocalSeal) {
	return { headHash: seal.headHash, eventCount: seal.eventCount, deviceId: seal.deviceId, signature: seal.signature };
}
