// The signed head of a closed session (README "Signed heads"): made once, after the local
// chain verifies — a device never vouches for a record that does not add up — and kept
// in the local store so `mcprec verify` checks it too.

import { genesisHash } from '../event/hash-chain.js';
import { signSealedHead } from '../event/device-signature.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { SessionRow } from '../store/session-queries.js';
import { verifySession } from '../verify/verify-chain.js';
import type { DeviceKey } from '../identity/device-key.js';
import { saveSeal, sealOf, type LocalSeal } from '../store/sync-queries.js';

export class UnsealableSessionError extends Error {
	override name = 'UnsealableSessionError';
}

export function sealSession(options: { database: StoreDatabase; row: SessionRow; device: DeviceKey }): LocalSeal {
	const { database, row, device } = options;
	const existing = sealOf(row);
	if (existing) return existing;
	const check = database.transaction(() => verifySession(database, row, { skipSeal: true }))();
	if (!check.intact) {
		throw new UnsealableSessionError(`session ${row.id} does not verify locally (seq ${check.firstBadSeq}: ${check.problem}); it is not signed or uploaded — see \`mcprec verify ${row.id}\``);
	}
	const head = { sessionId: row.id, eventCount: check.events, headHash: row.head_hash ?? genesisHash(row.id) };
	if (check.events === 0) head.headHash = genesisHash(row.id);
	const seal: LocalSeal = { deviceId: device.id, eventCount: head.eventCount, headHash: head.headHash, signature: signSealedHead(device.privateKey, head) };
	saveSeal(database, row.id, seal);
	return seal;
}
