// The credential store for machines without a keychain (headless Linux, CI): one JSON
// file, mode 0600, in a 0700 folder, replaced atomically. A file or folder that others
// can read is refused, not repaired: tokens in it may already have been copied.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CredentialStoreError, type CredentialStore } from './credential-store.js';

interface CredentialFile {
	version: 1;
	entries: Record<string, string>;
}

const CHECKS_PERMISSIONS = process.platform !== 'win32';

/** Opens (without creating) the credential file at `file`. */
export function fileCredentialStore(file: string): CredentialStore {
	const directory = path.dirname(file);
	const read = (): Record<string, string> => readEntries(file);
	return {
		kind: 'file',
		location: file,
		get: (key) => read()[key],
		set(key, value) {
			ensurePrivateDirectory(directory);
			const entries = read();
			entries[key] = value;
			writeAtomically(file, entries);
		},
		delete(key) {
			const entries = read();
			if (!(key in entries)) return false;
			delete entries[key];
			ensurePrivateDirectory(directory);
			writeAtomically(file, entries);
			return true;
		},
		keys: (prefix) =>
			Object.keys(read())
				.filter((key) => key.startsWith(prefix))
				.sort(),
	};
}

function readEntries(file: string): Record<string, string> {
	let descriptor: number;
	try {
		descriptor = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return {};
		if (code === 'ELOOP') throw new CredentialStoreError(`refusing to read credentials from ${file}: it is a symbolic link (it must be a plain file)`);
		throw new CredentialStoreError(`cannot read the credentials file ${file}: ${(error as Error).message}`);
	}
	try {
		// Checked on the open file, so a swap between the check and the read cannot fool it.
		checkPrivateFile(file, fs.fstatSync(descriptor));
		checkPrivateDirectory(path.dirname(file));
		const text = fs.readFileSync(descriptor, 'utf8');
		return parseEntries(file, text);
	} finally {
		fs.closeSync(descriptor);
	}
}

function parseEntries(file: string, text: string): Record<string, string> {
	let parsed: Partial<CredentialFile>;
	try {
		parsed = JSON.parse(text) as Partial<CredentialFile>;
	} catch {
		throw new CredentialStoreError(`the credentials file ${file} is not valid JSON; remove it, then run \`mcprec login\` (and \`mcprec secret set\`) again`);
	}
	if (parsed?.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) {
		throw new CredentialStoreError(`the credentials file ${file} has an unknown format (expected {"version":1,"entries":{…}}); remove it, then run \`mcprec login\` again`);
	}
	return { ...parsed.entries };
}

// Temp file in the same folder, fsync, rename: a reader sees the old or the new file, never half of one.
function writeAtomically(file: string, entries: Record<string, string>): void {
	const body: CredentialFile = { version: 1, entries };
	const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
	const descriptor = fs.openSync(temporary, 'wx', 0o600);
	try {
		fs.writeFileSync(descriptor, `${JSON.stringify(body, null, '\t')}\n`);
		fs.fsyncSync(descriptor);
	} catch (error) {
		fs.closeSync(descriptor);
		fs.rmSync(temporary, { force: true });
		throw error;
	}
	fs.closeSync(descriptor);
	try {
		fs.renameSync(temporary, file);
	} catch (error) {
		fs.rmSync(temporary, { force: true });
		throw new CredentialStoreError(`cannot write the credentials file ${file}: ${(error as Error).message}`);
	}
}

/** Creates the folder 0700 when missing; refuses one that others can enter. */
export function ensurePrivateDirectory(directory: string): void {
	try {
		fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
	} catch (error) {
		throw new CredentialStoreError(`cannot create the credentials folder ${directory}: ${(error as Error).message}`);
	}
	checkPrivateDirectory(directory);
}

function checkPrivateDirectory(directory: string): void {
	if (!CHECKS_PERMISSIONS) return;
	const stats = fs.statSync(directory);
	const mode = stats.mode & 0o777;
	if (process.getuid && stats.uid !== process.getuid()) {
		throw new CredentialStoreError(
			`refusing to keep credentials in ${directory}: it belongs to another user (uid ${stats.uid}); set MCPREC_HOME to a folder of your own`,
		);
	}
	if ((mode & 0o077) !== 0) {
		throw new CredentialStoreError(
			`refusing to keep credentials in ${directory}: other users can access that folder (mode ${octal(mode)}, expected 0700); run \`chmod 700 ${directory}\` and try again`,
		);
	}
}

function checkPrivateFile(file: string, stats: fs.Stats): void {
	if (!CHECKS_PERMISSIONS) return;
	const mode = stats.mode & 0o777;
	if (!stats.isFile()) throw new CredentialStoreError(`refusing to read credentials from ${file}: it is not a plain file`);
	if (process.getuid && stats.uid !== process.getuid()) {
		throw new CredentialStoreError(`refusing to read credentials from ${file}: it belongs to another user (uid ${stats.uid})`);
	}
	if ((mode & 0o077) !== 0) {
		throw new CredentialStoreError(
			`refusing to read credentials from ${file}: other users can read it (mode ${octal(mode)}, expected 0600). ` +
				`Its tokens may have been copied: run \`chmod 600 ${file}\`, then \`mcprec logout\` and \`mcprec login\` to replace them`,
		);
	}
}

function octal(mode: number): string {
	return `0${mode.toString(8).padStart(3, '0')}`;
}
