// Recomputes a session's hash chain from the stored bytes (DESIGN §5, README "Verifying
// a recording") and names the first seq where the record stops adding up. Then the
// signatures: the device's checkpoint over the head at its last commit (a tail cut off or
// events rewritten after the fact no longer match it), the store ledger's closing entry
// (verify-ledger.ts), and the seal `mcprec sync` made, each checked with the device's
// public key as kept in the store.

import { genesisHash, hashMatches } from '../event/hash-chain.js';
import { checkpointMessage, verifyDeviceSignature, verifySealedHead } from '../event/device-signature.js';
import { deviceKeyOf, sealOf } from '../store/sync-queries.js';
import { iterateEvents } from '../store/event-queries.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { SessionRow } from '../store/session-queries.js';
import type { LedgerRow } from '../store/ledger-queries.js';

/** `ok` when the session carries a seal whose signature verified; absent when it has none. */
export type SignatureStatus = 'ok';

/**
 * `signed`: the device's checkpoint covers every stored event. `unsigned`: recorded before
 * mcprec signed checkpoints, or while the device key could not be read. `pending`: still
 * being recorded and not committed yet.
 */
export type CheckpointStatus = 'signed' | 'unsigned' | 'pending';

export type VerifyResult =
	| { sessionId: string; intact: true; events: number; checkpoint: CheckpointStatus; signature?: SignatureStatus }
	| { sessionId: string; intact: false; events: number; firstBadSeq: number; problem: string };

/** What the store ledger says about one session (verify-ledger.ts). */
export interface SessionLedger {
	open?: LedgerRow;
	close?: LedgerRow;
	/** When the ledger began: a session that started later must be in it. */
	startedAt?: number;
}

export interface VerifySessionOptions {
	/** For `mcprec sync`, which seals only what verifies: the seal is not checked. */
	skipSeal?: boolean;
	ledger?: SessionLedger;
	/** The process recording the session is alive (its first commit may be still to come). */
	running?: boolean;
}

export function verifySession(database: StoreDatabase, session: SessionRow, options: VerifySessionOptions = {}): VerifyResult {
	let expectedSeq = 0;
	let previousHash = genesisHash(session.id);
	let firstTs: number | undefined;
	const checkpointCount = session.checkpoint_event_count ?? -1;
	let hashAtCheckpoint = checkpointCount === 0 ? previousHash : undefined;
	const fail = (problem: string, seq: number): VerifyResult => ({
		sessionId: session.id,
		intact: false,
		events: expectedSeq,
		firstBadSeq: seq,
		problem,
	});
	for (const event of iterateEvents(database, session.id)) {
		if (event.seq !== expectedSeq) {
			return fail(`event ${expectedSeq} is missing (the next stored event is ${event.seq})`, expectedSeq);
		}
		if (event.prevHash !== previousHash) return fail('prev_hash does not link to the previous event (removed or reordered)', event.seq);
		if (event.payload.length !== event.size) return fail(`payload is ${event.payload.length} bytes but ${event.size} were recorded`, event.seq);
		if (!hashMatches(session.id, event)) return fail('hash does not match the stored event (it was altered)', event.seq);
		previousHash = event.hash;
		firstTs ??= event.ts;
		if (event.seq === checkpointCount - 1) hashAtCheckpoint = event.hash;
		expectedSeq++;
	}
	if (expectedSeq < session.event_count) {
		return fail(`the session recorded ${session.event_count} events but only ${expectedSeq} are stored`, expectedSeq);
	}
	if (expectedSeq > 0 && session.head_hash !== previousHash) {
		return fail("the session's head hash does not match its last event", expectedSeq - 1);
	}
	const head = previousHash;
	const lastSeq = Math.max(0, expectedSeq - 1);

	// The checkpoint: signed at every commit, so it covers every stored event.
	let checkpoint: CheckpointStatus = 'signed';
	const ledger = options.ledger ?? {};
	if (session.checkpoint_signature && session.checkpoint_device_id && session.checkpoint_head_hash && checkpointCount >= 0) {
		const publicKey = deviceKeyOf(database, session.checkpoint_device_id);
		if (!publicKey) return fail(`the session is signed by device '${session.checkpoint_device_id}', whose public key is not in the store`, lastSeq);
		const signedHead = { sessionId: session.id, eventCount: checkpointCount, headHash: session.checkpoint_head_hash };
		if (!verifyDeviceSignature(publicKey, checkpointMessage(signedHead), session.checkpoint_signature)) {
			return fail(`the checkpoint's signature does not verify with device '${session.checkpoint_device_id}''s key (the signed head or count was altered)`, lastSeq);
		}
		if (expectedSeq < checkpointCount) {
			return fail(`truncated: the device signed ${checkpointCount} events, the store holds ${expectedSeq}`, expectedSeq);
		}
		if (hashAtCheckpoint !== session.checkpoint_head_hash) {
			return fail(`the events were rewritten after the device signed them: event ${checkpointCount - 1} no longer ends the signed chain`, Math.max(0, checkpointCount - 1));
		}
		if (expectedSeq > checkpointCount) {
			return fail(`${expectedSeq - checkpointCount} events were added after the device's last signed checkpoint (${checkpointCount} events)`, checkpointCount);
		}
	} else if (ledger.open?.deviceId) {
		return fail(`the session's checkpoint signature was removed (the ledger shows device '${ledger.open.deviceId}' signed it)`, lastSeq);
	} else if (!ledger.open && ledger.startedAt !== undefined && (firstTs ?? session.started_at) >= ledger.startedAt && !(options.running && expectedSeq === 0)) {
		return fail('the session is not in the store ledger: it was not recorded by this store (copied in or re-created)', 0);
	} else checkpoint = options.running && expectedSeq === 0 ? 'pending' : 'unsigned';

	// The ledger's closing entry: how long the session was when it closed.
	const close = ledger.close;
	if (close) {
		if (session.ended_at === null) return fail('the ledger records the session closed, but the store shows it still running', lastSeq);
		if (close.eventCount !== expectedSeq || close.headHash !== head) {
			return fail(
				`the ledger closed the session with ${close.eventCount} events ending in ${String(close.headHash).slice(0, 12)}…, the store holds ${expectedSeq} ending in ${head.slice(0, 12)}…`,
				Math.min(close.eventCount ?? 0, expectedSeq),
			);
		}
	} else if (ledger.open && session.ended_at !== null && !options.running) {
		return fail('the session is closed, but the store ledger has no closing entry for it (it was removed)', lastSeq);
	}

	const seal = options.skipSeal ? undefined : sealOf(session);
	if (!seal) {
		if (!options.skipSeal && (session.seal_sent === 1 || session.sync_state === 'synced')) {
			return fail("the session's seal was removed (it was synced, and sealed before that)", lastSeq);
		}
		return { sessionId: session.id, intact: true, events: expectedSeq, checkpoint };
	}
	const publicKey = deviceKeyOf(database, seal.deviceId);
	if (!publicKey) return fail(`the session is sealed by device '${seal.deviceId}', whose public key is not in the store`, lastSeq);
	if (!verifySealedHead(publicKey, { sessionId: session.id, eventCount: seal.eventCount, headHash: seal.headHash }, seal.signature)) {
		return fail(`the seal's signature does not verify with device '${seal.deviceId}''s key (the signed head or count was altered)`, lastSeq);
	}
	const sealedHead = expectedSeq === 0 ? genesisHash(session.id) : head;
	if (seal.eventCount !== expectedSeq || seal.headHash !== sealedHead) {
		return fail(`the store holds ${expectedSeq} events ending in ${sealedHead.slice(0, 12)}…, but ${seal.eventCount} ending in ${seal.headHash.slice(0, 12)}… were signed`, Math.min(seal.eventCount, expectedSeq));
	}
	return { sessionId: session.id, intact: true, events: expectedSeq, checkpoint, signature: 'ok' };
}
