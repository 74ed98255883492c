// Ed25519 device signatures over a closed session's head (issue 5): the device signs
// "mcprec-seal-v1\n<session id>\n<event count>\n<head hash>"; the collector checks it
// against the public key the device registered (`PUT /api/v1/devices/:id`). An empty
// session's head hash is its genesis hash.

import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { badRequest } from './api-error.js';

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

/** A device's public key as sent on registration: an Ed25519 JWK `{kty:"OKP",crv:"Ed25519",x}`. */
export function parseDevicePublicKey(value: unknown): DevicePublicKey {
	const jwk = value as Partial<DevicePublicKey> | undefined;
	if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
		throw badRequest('invalid_public_key', `'publicKey' must be an Ed25519 public JWK {"kty":"OKP","crv":"Ed25519","x":"…"}, got ${JSON.stringify(value) ?? 'nothing'}`);
	}
	if ('d' in jwk) throw badRequest('invalid_public_key', "'publicKey' contains a private key ('d'); send only the public half");
	try {
		createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
	} catch (error) {
		throw badRequest('invalid_public_key', `'publicKey' is not a usable Ed25519 key (${(error as Error).message})`);
	}
	return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}
