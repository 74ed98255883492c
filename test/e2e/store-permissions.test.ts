// The recording store holds what agents read and wrote: mcprec creates it (and SQLite its
// -wal and -shm files) readable by the user only, and says once, with the chmod to run,
// when the store or its folder is readable by others.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, makeHome, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';

const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'permissions', version: '1' } } });
const homes: string[] = [];
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

afterEach(() => {
	for (const home of homes.splice(0)) removeHome(home);
});

async function recordOne(home: string): Promise<string> {
	const session = startRaw(['node', fixture('raw-server.mjs')], home);
	try {
		session.send(initialize);
		await session.response(1);
		// While the session runs, the WAL files exist.
		for (const suffix of ['', '-wal', '-shm']) expect(modeOf(path.join(home, `mcprec.db${suffix}`)), `mcprec.db${suffix}`).toBe(0o600);
		session.end();
		await session.exit();
		return session.stderr;
	} finally {
		session.kill();
	}
}

describe('store permissions', () => {
	it('creates the store 0600 in a private folder, without a warning', async () => {
		const home = makeHome('mcprec-perm-');
		homes.push(home);
		const stderr = await recordOne(home);
		expect(stderr).not.toMatch(/other users can read/);
	});

	it('creates the store 0600 even in a folder others can read, and says once how to close the folder', async () => {
		const home = makeHome('mcprec-perm-open-');
		homes.push(home);
		fs.chmodSync(home, 0o755);
		const stderr = await recordOne(home);
		const warnings = stderr.split('\n').filter((line) => line.includes('other users can read'));
		expect(warnings).toEqual([`mcprec: warning: other users can read the folder of the recording store ${home} (mode 0755); run \`chmod 700 ${home}\``]);
	});

	it('leaves an existing store readable by others as it is, and says how to fix it, in every command that opens it', async () => {
		const home = makeHome('mcprec-perm-old-');
		homes.push(home);
		await recordOne(home);
		const database = path.join(home, 'mcprec.db');
		fs.chmodSync(database, 0o644);
		const listed = await runMcprec(['sessions'], home);
		expect(listed.exitCode).toBe(0);
		expect(listed.stderr).toContain(`mcprec: warning: other users can read the recording store ${database} (mode 0644); run \`chmod 600 ${database}\``);
		expect(modeOf(database)).toBe(0o644);
	});
});
