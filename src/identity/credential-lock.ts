// A lock file around every change to the credentials, so that mcprec processes started
// together (one per configured server) never lose a rotated refresh token or half-write
// the store. O_EXCL creation is atomic on local file systems; a lock left by a process
// that died is recognised (dead pid on this host, or too old) and broken.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialStoreError } from './credential-store.js';

export interface CredentialLockOptions {
	file: string;
	/** Give up after this long (default 15 s). */
	timeoutMs?: number;
	/** A lock older than this is stale whoever holds it (default 60 s: a refresh times out well before). */
	staleMs?: number;
	/** What the lock guards, for messages (default "the credentials"); other files use the same lock (export-state.ts). */
	what?: string;
	/** The error thrown when the lock cannot be had (default CredentialStoreError). */
	error?: (message: string) => Error;
}

interface LockOwner {
	pid: number;
	host: string;
	token: string;
	at: number;
}

/** Runs `action` while holding the lock; the lock is released however `action` ends. */
export async function withCredentialLock<T>(options: CredentialLockOptions, action: () => Promise<T> | T): Promise<T> {
	const release = await acquireCredentialLock(options);
	try {
		return await action();
	} finally {
		release();
	}
}

export async function acquireCredentialLock(options: CredentialLockOptions): Promise<() => void> {
	const { file } = options;
	const timeoutMs = options.timeoutMs ?? 15_000;
	const staleMs = options.staleMs ?? 60_000;
	const what = options.what ?? 'the credentials';
	const fail = options.error ?? ((message: string) => new CredentialStoreError(message));
	// The lock holds no secret; the folder's permissions are the file store's business.
	fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
	const owner: LockOwner = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex'), at: Date.now() };
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 0; ; attempt++) {
		if (tryCreate(file, owner, what, fail)) return () => release(file, owner.token);
		const holder = readOwner(file);
		if (holder === 'gone') continue;
		if (isStale(file, holder, staleMs)) {
			breakStaleLock(file, holder);
			continue;
		}
		if (Date.now() >= deadline) {
			const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
			throw fail(`${what} ${what.endsWith('s') ? 'are' : 'is'} locked by ${who} (lock file ${file}); if no mcprec is running, remove that file and try again`);
		}
		await new Promise((resolve) => setTimeout(resolve, Math.min(20 + attempt * 10, 100) + Math.random() * 20));
	}
}

function tryCreate(file: string, owner: LockOwner, what: string, fail: (message: string) => Error): boolean {
	let descriptor: number;
	try {
		descriptor = fs.openSync(file, 'wx', 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw fail(`cannot create the lock of ${what} ${file}: ${(error as Error).message}`);
	}
	try {
		fs.writeFileSync(descriptor, JSON.stringify(owner));
	} finally {
		fs.closeSync(descriptor);
	}
	return true;
}

// undefined: a lock whose content cannot be read yet (being written); 'gone': released meanwhile.
function readOwner(file: string): LockOwner | undefined | 'gone' {
	try {
		const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
		return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? parsed : undefined;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined;
	}
}

function isStale(file: string, holder: LockOwner | undefined, staleMs: number): boolean {
	let modified: number;
	try {
		modified = fs.statSync(file).mtimeMs;
	} catch {
		return false;
	}
	const age = Date.now() - (holder?.at ?? modified);
	// An unreadable lock gets a second to be written by its creator.
	if (!holder) return Date.now() - modified > 1000;
	if (age > staleMs) return true;
	return holder.host === os.hostname() && !processAlive(holder.pid);
}

// Rename the stale lock aside, then check it was the one judged stale: if another
// process broke it first and took a fresh lock meanwhile, that lock is put back.
function breakStaleLock(file: string, holder: LockOwner | undefined): void {
	const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
	try {
		fs.renameSync(file, aside);
	} catch {
		return;
	}
	const moved = readOwner(aside);
	const wasJudged = holder === undefined ? moved === undefined : moved !== 'gone' && moved?.token === holder.token;
	if (!wasJudged) {
		try {
			fs.linkSync(aside, file);
		} catch {
			// Someone holds the lock again; the owner of the moved lock is still inside its section, which is rare and short.
		}
	}
	fs.rmSync(aside, { force: true });
}

function release(file: string, token: string): void {
	const holder = readOwner(file);
	if (holder && holder !== 'gone' && holder.token === token) fs.rmSync(file, { force: true });
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
