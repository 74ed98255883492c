// This device's Ed25519 key (issue 5): created on first use (the first `mcprec run` or
// `sync`), the private half kept in the credential store (a JWK, small enough for any
// keychain), the public half registered with the collector and kept in the local store
// for `mcprec verify`. It signs checkpoints, ledger entries and seals (device-signature.ts).

import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import os from 'node:os';
import { withCredentialLock } from './credential-lock.js';
import { CredentialStoreError, type CredentialStore } from './credential-store.js';
import { deviceSigner, type DevicePrivateJwk, type DevicePublicKey, type DeviceSigner } from '../event/device-signature.js';
import { resolveCredentialPaths } from './credential-paths.js';
import { openCredentialStore } from './open-credential-store.js';

export const DEVICE_KEY = 'device';

/** The device key as used for signing. */
export interface DeviceKey {
	/** Stable for this machine and user: the host name plus a random suffix chosen once. */
	id: string;
	privateKey: KeyObject;
	publicKey: DevicePublicKey;
	/** The private key as a JWK, for the recording thread (checkpoints and ledger entries). */
	jwk: DevicePrivateJwk;
}

interface StoredDeviceKey {
	version: 1;
	id: string;
	/** The Ed25519 private JWK ({kty, crv, x, d}). */
	jwk: DevicePrivateJwk;
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
		privateKey: createPrivateKey({ key: { ...stored.jwk }, format: 'jwk' }),
		publicKey: { kty: 'OKP', crv: 'Ed25519', x: stored.jwk.x },
		jwk: stored.jwk,
	};
}

// The collector's device ids allow [0-9A-Za-z._-], at most 128 characters.
function newDeviceId(): string {
	const host = os.hostname().replace(/[^0-9A-Za-z._-]+/g, '-').replace(/^[^0-9A-Za-z]+/, '').slice(0, 100) || 'device';
	return `${host}-${randomBytes(6).toString('hex')}`;
}

/**
 * The device key for `mcprec run` to sign its session with, created on the first run.
 * Never throws: without a usable credential store the session is recorded unsigned, and
 * `warning` says so (and `mcprec verify` will).
 */
export async function loadSessionSigner(environment: NodeJS.ProcessEnv = process.env): Promise<{ key?: DeviceKey; warning?: string }> {
	try {
		const store = openCredentialStore(environment).store;
		return { key: await loadOrCreateDeviceKey({ store, lockFile: resolveCredentialPaths(environment).lock }) };
	} catch (error) {
		if (!(error instanceof CredentialStoreError)) throw error;
		return { warning: `this session is recorded without the device's signatures, so \`mcprec verify\` will report it as unsigned: ${error.message}` };
	}
}

/**
 * The device key if this machine has one, for signing the close of a session recovered
 * from a dead process; undefined when there is none or it cannot be read (the recovered
 * session is then closed unsigned, and `mcprec verify` says so).
 */
export function existingDeviceSigner(environment: NodeJS.ProcessEnv = process.env): DeviceSigner | undefined {
	try {
		const key = readDeviceKey(openCredentialStore(environment).store);
		return key && deviceSigner(key.id, key.jwk);
	} catch {
		return undefined;
	}
}
