// The credential lock: one holder at a time across processes, and a lock left behind by
// a process that died is broken instead of blocking every later mcprec.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireCredentialLock, withCredentialLock } from '../../../src/identity/credential-lock.js';
import { repoRoot } from '../../helpers/mcprec.js';

describe('credential lock', () => {
	let folder: string;
	let lock: string;
	beforeEach(() => {
		folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-lock-'));
		lock = path.join(folder, 'credentials.lock');
	});
	afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

	it('lets one process at a time in: concurrent read-increment-write loses no update', async () => {
		const counter = path.join(folder, 'counter');
		fs.writeFileSync(counter, '0');
		// The built module, as mcprec uses it (npm test builds first).
		const script = `
			const fs = require('node:fs');
			import(${JSON.stringify(path.join(repoRoot, 'dist/identity/credential-lock.js'))}).then(async ({ withCredentialLock }) => {
				for (let i = 0; i < 25; i++) {
					await withCredentialLock({ file: ${JSON.stringify(lock)} }, async () => {
						const value = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8'));
						await new Promise((resolve) => setImmediate(resolve));
						fs.writeFileSync(${JSON.stringify(counter)}, String(value + 1));
					});
				}
			});`;
		const workers = Array.from({ length: 4 }, () => spawn(process.execPath, ['-e', script], { stdio: 'inherit' }));
		await Promise.all(workers.map((worker) => new Promise((resolve) => worker.on('close', resolve))));
		expect(fs.readFileSync(counter, 'utf8')).toBe('100');
		expect(fs.existsSync(lock)).toBe(false);
	});

	it('breaks a lock whose holder died on this host', async () => {
		const dead = spawn(process.execPath, ['-e', '0']);
		await new Promise((resolve) => dead.on('close', resolve));
		fs.writeFileSync(lock, JSON.stringify({ pid: dead.pid, host: os.hostname(), token: 'old', at: Date.now() }));
		const started = Date.now();
		await withCredentialLock({ file: lock, timeoutMs: 2000 }, () => undefined);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(fs.readdirSync(folder)).toEqual([]);
	});

	it('breaks a lock that is older than staleMs, whoever holds it', async () => {
		fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: 'elsewhere', token: 'old', at: Date.now() - 120_000 }));
		await withCredentialLock({ file: lock, timeoutMs: 2000 }, () => undefined);
		expect(fs.existsSync(lock)).toBe(false);
	});

	it('waits for a live holder, then names it when giving up', async () => {
		const release = await acquireCredentialLock({ file: lock });
		await expect(acquireCredentialLock({ file: lock, timeoutMs: 300 })).rejects.toThrow(
			new RegExp(`locked by process ${process.pid} on .*lock file ${lock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*remove that file`),
		);
		setTimeout(release, 200);
		const second = await acquireCredentialLock({ file: lock, timeoutMs: 3000 });
		second();
		expect(fs.existsSync(lock)).toBe(false);
	});

	it('releases the lock when the action throws', async () => {
		await expect(withCredentialLock({ file: lock }, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
		expect(fs.existsSync(lock)).toBe(false);
	});
});
