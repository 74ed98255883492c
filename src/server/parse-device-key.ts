// A device's public key as sent to PUT /api/v1/devices/:id, checked before it is stored.

import { createPublicKey } from 'node:crypto';
import type { DevicePublicKey } from '../event/device-signature.js';
import { badRequest } from './api-error.js';

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
