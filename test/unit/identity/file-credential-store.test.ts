// The file credential store (DESIGN §6): 0600 in a 0700 folder, replaced atomically, and
// refused — with a reason and a fix — when others could read it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStoreError } from '../../../src/identity/credential-store.js';
import { fileCredentialStore } from '../../../src/identity/file-credential-store.js';

describe('fileCredentialStore', () => {
	let root: string;
	let folder: string;
	let file: string;
	beforeEach(() => {
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-credentials-'));
		folder = path.join(root, 'home');
		file = path.join(folder, 'credentials.json');
	});
	afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

	const errorOf = (action: () => unknown): string => {
		try {
			action();
		} catch (error) {
			expect(error).toBeInstanceOf(CredentialStoreError);
			return (error as Error).message;
		}
		throw new Error('expected a CredentialStoreError');
	};

	it('reads nothing, and creates nothing, before the first write', () => {
		const store = fileCredentialStore(file);
		expect(store.get('login')).toBeUndefined();
		expect(store.keys('')).toEqual([]);
		expect(store.delete('login')).toBe(false);
		expect(fs.existsSync(folder)).toBe(false);
	});

	it('creates a 0700 folder and a 0600 file, and leaves no temporary file behind', () => {
		const store = fileCredentialStore(file);
		store.set('secret.B', 'two');
		store.set('secret.A', 'one');
		store.set('login', '{"x":1}');
		expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.readdirSync(folder)).toEqual(['credentials.json']);
		expect(store.get('secret.A')).toBe('one');
		expect(store.keys('secret.')).toEqual(['secret.A', 'secret.B']);
		expect(store.delete('secret.A')).toBe(true);
		expect(fileCredentialStore(file).keys('')).toEqual(['login', 'secret.B']);
	});

	it('replaces the file, never rewrites it in place (a reader holding the old one sees it whole)', () => {
		const store = fileCredentialStore(file);
		store.set('a', '1');
		const before = fs.statSync(file).ino;
		store.set('b', '2');
		expect(fs.statSync(file).ino).not.toBe(before);
	});

	it.each([0o644, 0o640, 0o604])('refuses a file with mode %o and says how to fix it', (mode) => {
		const store = fileCredentialStore(file);
		store.set('login', 'token');
		fs.chmodSync(file, mode);
		const message = errorOf(() => store.get('login'));
		expect(message).toContain(`refusing to read credentials from ${file}: other users can read it (mode 0${mode.toString(8)}, expected 0600)`);
		expect(message).toContain(`chmod 600 ${file}`);
		expect(() => store.set('other', 'x')).toThrow(CredentialStoreError);
	});

	it('refuses a folder others can enter, for reads and writes', () => {
		const store = fileCredentialStore(file);
		store.set('login', 'token');
		fs.chmodSync(folder, 0o755);
		expect(errorOf(() => store.get('login'))).toBe(
			`refusing to keep credentials in ${folder}: other users can access that folder (mode 0755, expected 0700); run \`chmod 700 ${folder}\` and try again`,
		);
		expect(() => store.set('login', 'new')).toThrow(/other users can access that folder/);
	});

	it('refuses to write into an existing folder that is too open', () => {
		fs.mkdirSync(folder, { mode: 0o755 });
		fs.chmodSync(folder, 0o755);
		expect(errorOf(() => fileCredentialStore(file).set('a', 'b'))).toMatch(/mode 0755, expected 0700/);
		expect(fs.existsSync(file)).toBe(false);
	});

	it('refuses a symbolic link in place of the file', () => {
		fs.mkdirSync(folder, { mode: 0o700 });
		fs.writeFileSync(path.join(root, 'elsewhere.json'), '{"version":1,"entries":{}}', { mode: 0o600 });
		fs.symlinkSync(path.join(root, 'elsewhere.json'), file);
		expect(errorOf(() => fileCredentialStore(file).get('a'))).toMatch(/symbolic link/);
	});

	it('says what to do with a damaged file', () => {
		fs.mkdirSync(folder, { mode: 0o700 });
		fs.writeFileSync(file, '{not json', { mode: 0o600 });
		expect(errorOf(() => fileCredentialStore(file).get('a'))).toMatch(/is not valid JSON; remove it, then run `mcprec login`/);
	});
});
