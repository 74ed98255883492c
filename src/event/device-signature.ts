// Ed25519 device signatures over a closed session's head (issue 5): the device signs
// "mcprec-seal-v1\n<session id>\n<event count>\n<head hash>"; the collector checks it
// against the public key the device registered (`PUT /api/v1/devices/:id`). An empty
// session's head hash is its genesis hash.

import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

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

export function sealMessage(head: SealedHead): Buffer {
	return Buffer.from(`mcprec-seal-v1\n${head.sessionId}\n${head.eventCount}\n${head.headHash}`, 'utf8');
}

/** The base64 signature of a head, for `mcprec sync` (and tests). */
export function signSealedHead(privateKey: KeyObject, head: SealedHead): string {
	return sign(null, sealMessage(head), privateKey).toString('base64');
}

export function verifySealedHead(publicKey: DevicePublicKey, head: SealedHead, signature: string): boolean {
	const bytes = Buffer.from(signature, 'base64');
	if (bytes.length !== 64) return false;
	try {
		return verify(null, sealMessage(head), createPublicKey({ key: { ...publicKey }, format: 'jwk' }), bytes);
	} catch {
		return false;
	}
}
