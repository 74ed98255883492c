// The OS keychain through @napi-rs/keyring (macOS Keychain, Windows Credential Manager,
// Secret Service on Linux). Values are split into small entries because Windows limits
// one credential to 2560 bytes and tokens easily exceed that.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CredentialStoreError, type CredentialStore } from './credential-store.js';

/** The part of @napi-rs/keyring used here (tests pass an in-memory stand-in). */
export type KeyringModule = Pick<typeof import('@napi-rs/keyring'), 'Entry'>;

/** UTF-16 code units per entry: at most 2000 bytes, under Windows' 2560. */
const CHUNK_UNITS = 1000;
const CHUNK_MARKER = 'mcprec-chunks:v1:';
const INDEX_ACCOUNT = '.keys';

/** The keychain as a credential store, or the reason it cannot be used here (probed with a test entry). */
export function openKeyringStore(service: string, environment: NodeJS.ProcessEnv = process.env): { store: CredentialStore } | { problem: string } {
	const unreachable = secretServiceUnreachable(environment);
	if (unreachable) return { problem: unreachable };
	let keyring: KeyringModule;
	try {
		// A native module: loaded only when the keychain is tried, never by `run` on a file store.
		keyring = createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
	} catch (error) {
		return { problem: `the keychain module could not be loaded (${(error as Error).message})` };
	}
	const problem = probe(keyring, service);
	if (problem) return { problem };
	return { store: keyringStore(keyring, service) };
}

// On Linux the keychain is the Secret Service on the D-Bus session bus. Without a bus
// (headless box, CI, container) there is nothing to probe, and `run` skips loading the module.
function secretServiceUnreachable(environment: NodeJS.ProcessEnv): string | undefined {
	if (process.platform !== 'linux' && process.platform !== 'freebsd') return undefined;
	if (environment.DBUS_SESSION_BUS_ADDRESS) return undefined;
	const runtime = environment.XDG_RUNTIME_DIR;
	if (runtime && fs.existsSync(path.join(runtime, 'bus'))) return undefined;
	return 'no D-Bus session bus, so no Secret Service keychain (DBUS_SESSION_BUS_ADDRESS is not set)';
}

// Write, read back and delete an entry: a keychain that is present but locked or
// unreachable (no Secret Service on a headless box) fails here, not at the first login.
function probe(keyring: KeyringModule, service: string): string | undefined {
	const account = `.probe-${process.pid}-${Date.now()}`;
	try {
		const entry = new keyring.Entry(service, account);
		entry.setPassword('probe');
		const back = entry.getPassword();
		entry.deletePassword();
		return back === 'probe' ? undefined : 'the keychain did not return what was written to it';
	} catch (error) {
		return `the keychain is not usable (${(error as Error).message})`;
	}
}

/** The keychain as a store, without probing; values over CHUNK_UNITS span several entries. */
export function keyringStore(keyring: KeyringModule, service: string): CredentialStore {
	const entry = (account: string) => new keyring.Entry(service, account);
	const attempt = <T>(what: string, action: () => T): T => {
		try {
			return action();
		} catch (error) {
			throw new CredentialStoreError(`the keychain failed to ${what}: ${(error as Error).message}`);
		}
	};
	const readRaw = (account: string) => attempt(`read '${account}'`, () => entry(account).getPassword() ?? undefined);
	const deleteRaw = (account: string) =>
		attempt(`delete '${account}'`, () => {
			try {
				return entry(account).deleteCredential();
			} catch (error) {
				// keyring-rs reports a missing entry as an error on some platforms.
				if (/no (matching )?entry/i.test((error as Error).message)) return false;
				throw error;
			}
		});
	const readIndex = (): string[] => {
		const text = readRaw(INDEX_ACCOUNT);
		return text ? (JSON.parse(text) as string[]) : [];
	};
	const writeIndex = (keys: string[]) => {
		if (keys.length === 0) deleteRaw(INDEX_ACCOUNT);
		else writeValue(INDEX_ACCOUNT, JSON.stringify(keys));
	};
	const chunkCount = (head: string | undefined) => (head?.startsWith(CHUNK_MARKER) ? Number(head.slice(CHUNK_MARKER.length)) : 0);
	const deleteChunks = (account: string, from: number, to: number) => {
		for (let index = from; index <= to; index++) deleteRaw(`${account}#${index}`);
	};
	function writeValue(account: string, value: string): void {
		const previousChunks = chunkCount(readRaw(account));
		if (value.length <= CHUNK_UNITS && !value.startsWith(CHUNK_MARKER)) {
			attempt(`write '${account}'`, () => entry(account).setPassword(value));
			deleteChunks(account, 1, previousChunks);
			return;
		}
		const parts = splitUnits(value, CHUNK_UNITS);
		// Parts first, head last: a reader never finds a head that points at missing parts.
		parts.forEach((part, index) => attempt(`write '${account}'`, () => entry(`${account}#${index + 1}`).setPassword(part)));
		attempt(`write '${account}'`, () => entry(account).setPassword(`${CHUNK_MARKER}${parts.length}`));
		deleteChunks(account, parts.length + 1, previousChunks);
	}
	return {
		kind: 'keyring',
		location: `OS keychain, service '${service}'`,
		get(key) {
			const head = readRaw(key);
			const count = chunkCount(head);
			if (count === 0) return head;
			const parts: string[] = [];
			for (let index = 1; index <= count; index++) {
				const part = readRaw(`${key}#${index}`);
				if (part === undefined) throw new CredentialStoreError(`the keychain entry '${key}' is incomplete (part ${index} of ${count} is missing)`);
				parts.push(part);
			}
			return parts.join('');
		},
		set(key, value) {
			writeValue(key, value);
			const keys = readIndex();
			if (!keys.includes(key)) writeIndex([...keys, key].sort());
		},
		delete(key) {
			const count = chunkCount(readRaw(key));
			const deleted = deleteRaw(key);
			deleteChunks(key, 1, count);
			const keys = readIndex();
			if (keys.includes(key)) writeIndex(keys.filter((candidate) => candidate !== key));
			return deleted;
		},
		keys: (prefix) => readIndex().filter((key) => key.startsWith(prefix)),
	};
}

/** Splits text into pieces of at most `units` UTF-16 code units, never inside a surrogate pair. */
export function splitUnits(text: string, units: number): string[] {
	const parts: string[] = [];
	let current = '';
	for (const character of text) {
		if (current.length + character.length > units) {
			parts.push(current);
			current = '';
		}
		current += character;
	}
	if (current.length > 0 || parts.length === 0) parts.push(current);
	return parts;
}
