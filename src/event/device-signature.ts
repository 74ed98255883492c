// Ed25519 device signatures (README "Signed heads" and "The store ledger"). One key per
// device and user signs three kinds of statement, each with its own first line so a
// signature over one can never be taken for another:
// - a seal, made by `mcprec sync` once a closed session verifies:
//   "mcprec-seal-v1\n<session id>\n<event count>\n<head hash>" — the collector checks it
//   against the public key the device registered (`PUT /api/v1/devices/:id`);
// - a checkpoint, made by the recorder at every commit and at close (issue 13):
//   "mcprec-checkpoint-v1\n<session id>\n<event count>\n<head hash>";
// - a ledger entry, made when a session opens or closes (ledger.ts):
//   "mcprec-ledger-v1\n<entry seq>\n<entry hash>".
// An empty session's head hash is its genesis hash.

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** A device's public key as registered: an Ed25519 JWK. */
export interface DevicePublicKey {
	kty: 'OKP';
	crv: 'Ed25519';
	x: string;
}

/** What a device signs. */
export interface SealedHead {
	sessionId: string;
	eventCount: number;
	headHash: string;
}

/** The private half as kept in the credential store and handed to the recording thread. */
export interface DevicePrivateJwk {
	kty: 'OKP';
	crv: 'Ed25519';
	x: string;
	d: string;
}

/** Signs statements as one device; `sign` returns base64. */
export interface DeviceSigner {
	deviceId: string;
	publicKey: DevicePublicKey;
	sign(message: Buffer): string;
}

export function deviceSigner(deviceId: string, jwk: DevicePrivateJwk): DeviceSigner {
	const privateKey = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
	return { deviceId, publicKey: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, sign: (message) => sign(null, message, privateKey).toString('base64') };
}

export function sealMessage(head: SealedHead): Buffer {
	return Buffer.from(`mcprec-seal-v1\n${head.sessionId}\n${head.eventCount}\n${head.headHash}`, 'utf8');
}

export function checkpointMessage(head: SealedHead): Buffer {
	return Buffer.from(`mcprec-checkpoint-v1\n${head.sessionId}\n${head.eventCount}\n${head.headHash}`, 'utf8');
}

export function ledgerMessage(entry: { seq: number; hash: string }): Buffer {
	return Buffer.from(`mcprec-ledger-v1\n${entry.seq}\n${entry.hash}`, 'utf8');
}

/** The base64 signature of a head, for `mcprec sync` (and tests). */
export function signSealedHead(privateKey: KeyObject, head: SealedHead): string {
	return sign(null, sealMessage(head), privateKey).toString('base64');
}

export function verifySealedHead(publicKey: DevicePublicKey, head: SealedHead, signature: string): boolean {
	return verifyDeviceSignature(publicKey, sealMessage(head), signature);
}

export function verifyDeviceSignature(publicKey: DevicePublicKey, message: Buffer, signature: string): boolean {
	const bytes = Buffer.from(signature, 'base64');
	if (bytes.length !== 64) return false;
	try {
		return verify(null, message, createPublicKey({ key: { ...publicKey }, format: 'jwk' }), bytes);
	} catch {
		return false;
	}
}
