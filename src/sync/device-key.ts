// This device's Ed25519 key (issue 5): created on first use, the private half kept in the
// credential store (a JWK, small enough for any keychain), the public half registered
// with the collector and kept in the local store for `mcprec verify`.

import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import os from 'node:os';
import { withCredentialLock } from '../identity/credential-lock.js';
import { CredentialStoreError, type CredentialStore } from '../identity/credential-store.js';
import type { DevicePublicKey } from '../event/device-signature.js';

export const DEVICE_KEY = 'device';

/** The device key as used for signing. */
export interface DeviceKey {
	/** Stable for this machine and user: the host name plus a random suffix chosen once. */
	id: string;
	privateKey: KeyObject;
	publicKey: DevicePublicKey;
}

interface StoredDeviceKey {
	version: 1;
	id: string;
	/** The Ed25519 private JWK ({kty, crv, x, d}). */
	jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };
	createdAt: number;
}

export async function loadOrCreateDeviceKey(options: { store: CredentialStore; lockFile: string }): Promise<DeviceKey> {
	const existing = readDeviceKey(options.store);
	if (existing) return existing;
	// Under the lock, re-read first: two syncs starting together must not make two keys.
	return withCredentialLock({ file: options.lockFile }, () => {
		const current = readDeviceKey(options.store);
		if (current) return current;
		const { privateKey } = generateKeyPairSync('ed25519');
		const jwk = privateKey.export({ format: 'jwk' }) as StoredDeviceKey['jwk'];
		const stored: StoredDeviceKey = { version: 1, id: newDeviceId(), jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, createdAt: Date.now() };
		options.store.set(DEVICE_KEY, JSON.stringify(stored));
		return toDeviceKey(stored);
	});
}

export function readDeviceKey(store: CredentialStore): DeviceKey | undefined {
	const text = store.get(DEVICE_KEY);
	if (text === undefined) return undefined;
	try {
		const stored = JSON.parse(text) as StoredDeviceKey;
		if (stored.version === 1 && typeof stored.id === 'string' && stored.jwk?.crv === 'Ed25519') return toDeviceKey(stored);
	} catch {
		// Reported below.
	}
	throw new CredentialStoreError(`the device key in ${store.location} is damaged; sessions already sealed keep their seals, but new ones cannot be signed until it is removed (key '${DEVICE_KEY}')`);
}

function toDeviceKey(stored: StoredDeviceKey): DeviceKey {
	return {
		id: stored.id,
		privateKey: createPrivateKey({ key: stored.jwk, format: 'jwk' }),
		publicKey: { kty: 'OKP', crv: 'Ed25519', x: stored.jwk.x },
	};
}

// The collector's device ids allow [0-9A-Za-z._-], at most 128 characters.
function newDeviceId(): string {
	const host = os.hostname().replace(/[^0-9A-Za-z._-]+/g, '-').replace(/^[^0-9A-Za-z]+/, '').slice(0, 100) || 'device';
	return `${host}-${randomBytes(6).toString('hex')}`;
}
