// The keychain store: values split into entries under Windows' 2560-byte limit, and the
// store choice (forced, probed, fallen back) explained.

import { describe, expect, it } from 'vitest';
import { keyringStore, openKeyringStore, splitUnits } from '../../../src/identity/keyring-credential-store.js';
import { openCredentialStore } from '../../../src/identity/open-credential-store.js';

describe('splitUnits', () => {
	it('splits into pieces of at most N UTF-16 units, never inside a surrogate pair', () => {
		const text = `${'a'.repeat(999)}😀${'b'.repeat(1500)}`;
		const parts = splitUnits(text, 1000);
		expect(parts.join('')).toBe(text);
		expect(parts.every((part) => part.length <= 1000)).toBe(true);
		expect(parts[0]).toBe('a'.repeat(999));
		expect(parts[1]!.startsWith('😀')).toBe(true);
		// At most 2000 bytes in UTF-16: under the 2560-byte Windows limit.
		expect(Math.max(...parts.map((part) => Buffer.byteLength(part, 'utf16le')))).toBeLessThanOrEqual(2000);
		expect(splitUnits('', 10)).toEqual(['']);
	});
});

describe('choosing the credential store', () => {
	const headless = { MCPREC_HOME: '/tmp/mcprec-unit-home', DBUS_SESSION_BUS_ADDRESS: '', XDG_RUNTIME_DIR: '/nonexistent' };

	it.runIf(process.platform === 'linux')('does not use a keychain without a D-Bus session bus', () => {
		const result = openKeyringStore('mcprec:test', headless);
		expect(result).toEqual({ problem: expect.stringMatching(/no D-Bus session bus/) });
	});

	it.runIf(process.platform === 'linux')('falls back to the file beside config.yaml, saying why', () => {
		const { store, fallbackReason } = openCredentialStore(headless);
		expect(store.kind).toBe('file');
		expect(store.location).toBe('/tmp/mcprec-unit-home/credentials.json');
		expect(fallbackReason).toMatch(/D-Bus/);
	});

	it.runIf(process.platform === 'linux')('fails clearly when the keychain is forced but unusable', () => {
		expect(() => openCredentialStore({ ...headless, MCPREC_CREDENTIAL_STORE: 'keyring' })).toThrow(
			/MCPREC_CREDENTIAL_STORE=keyring, but no D-Bus session bus.*or set MCPREC_CREDENTIAL_STORE=file/,
		);
	});

	it('uses the file when forced, and rejects unknown stores', () => {
		expect(openCredentialStore({ ...headless, MCPREC_CREDENTIAL_STORE: 'file' }).store.kind).toBe('file');
		expect(() => openCredentialStore({ ...headless, MCPREC_CREDENTIAL_STORE: 'vault' })).toThrow("MCPREC_CREDENTIAL_STORE='vault' is not a credential store (expected keyring or file)");
	});
});

describe('keyringStore (on an in-memory keychain)', () => {
	// Stands in for @napi-rs/keyring's Entry, refusing values over 2560 bytes as Windows does.
	function fakeKeyring() {
		const entries = new Map<string, string>();
		class Entry {
			constructor(
				private readonly service: string,
				private readonly account: string,
			) {}
			private get key() {
				return `${this.service}/${this.account}`;
			}
			setPassword(value: string) {
				if (Buffer.byteLength(value, 'utf16le') > 2560) throw new Error('Attribute too long');
				entries.set(this.key, value);
			}
			getPassword() {
				return entries.get(this.key) ?? null;
			}
			deleteCredential() {
				return entries.delete(this.key);
			}
			deletePassword() {
				return this.deleteCredential();
			}
		}
		return { entries, module: { Entry } as never };
	}

	it('keeps large values in entries Windows accepts, and reads them back whole', () => {
		const { entries, module } = fakeKeyring();
		const store = keyringStore(module, 'mcprec');
		const token = 'x'.repeat(4500);
		store.set('login', token);
		expect(store.get('login')).toBe(token);
		expect([...entries.keys()].filter((key) => key.startsWith('mcprec/login'))).toHaveLength(6);
		// Shrinking removes the parts no longer needed.
		store.set('login', 'short');
		expect(store.get('login')).toBe('short');
		expect([...entries.keys()].filter((key) => key.startsWith('mcprec/login'))).toEqual(['mcprec/login']);
	});

	it('lists keys through its index and deletes every part', () => {
		const { entries, module } = fakeKeyring();
		const store = keyringStore(module, 'mcprec');
		store.set('secret.B', 'b'.repeat(2500));
		store.set('secret.A', 'a');
		store.set('login', '{}');
		expect(store.keys('secret.')).toEqual(['secret.A', 'secret.B']);
		expect(store.delete('secret.B')).toBe(true);
		expect(store.delete('secret.B')).toBe(false);
		expect(store.keys('')).toEqual(['login', 'secret.A']);
		expect([...entries.keys()].some((key) => key.includes('secret.B'))).toBe(false);
		store.delete('secret.A');
		store.delete('login');
		expect(entries.size).toBe(0);
	});

	it('keeps a value that looks like a chunk marker', () => {
		const { module } = fakeKeyring();
		const store = keyringStore(module, 'mcprec');
		store.set('secret.X', 'mcprec-chunks:v1:3');
		expect(store.get('secret.X')).toBe('mcprec-chunks:v1:3');
	});
});
