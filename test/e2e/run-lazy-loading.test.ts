// Startup is performance-critical (DESIGN §8): a stdio `mcprec run` session must not load
// the remote-server code (HTTP upstream, OAuth, openid-client). Seen at run time with a
// module hook on the built binary, for a stdio session and, as the control, a --url one.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, removeHome, servers } from '../helpers/mcprec.js';
import { startEverything, type RemoteServer } from '../helpers/remote-server.js';
import { connectClient, connectRemoteClient } from '../helpers/sdk-client.js';

const hook = path.resolve(import.meta.dirname, '../helpers/record-loaded-modules.mjs');
const REMOTE_ONLY = /^(remote-authorization|authorization-code-login|server-login|http-upstream)-[\w-]+\.js$|^openid-client\//;
const credentialEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };

let home: string;
let remote: RemoteServer;

beforeAll(async () => {
	home = makeHome();
	remote = await startEverything('streamableHttp');
}, 30_000);

afterAll(async () => {
	await remote?.stop();
	removeHome(home);
});

function loadedBy(file: string): string[] {
	// Bundle chunks by file name; packages as `openid-client/…`.
	return fs.readFileSync(file, 'utf8').trim().split('\n').map((url) => {
		const pathname = new URL(url).pathname;
		return pathname.includes('/node_modules/') ? pathname.slice(pathname.lastIndexOf('/node_modules/') + '/node_modules/'.length) : path.basename(pathname);
	});
}

describe('what `run` loads', () => {
	it('a stdio session loads no remote-server or OAuth code', async () => {
		const file = path.join(home, 'stdio-modules.txt');
		fs.writeFileSync(file, '');
		const connection = await connectClient({ route: 'mcprec', serverArgs: [servers.memory], home, env: { NODE_OPTIONS: `--import ${hook}`, MCPREC_LOADED_MODULES_FILE: file } });
		await connection.client.listTools();
		await connection.close();
		const loaded = loadedBy(file);
		expect(loaded.some((name) => /^stdio-upstream-/.test(name))).toBe(true);
		expect(loaded.filter((name) => REMOTE_ONLY.test(name))).toEqual([]);
	}, 30_000);

	it('a --url session does load them (the hook sees what it should)', async () => {
		const file = path.join(home, 'remote-modules.txt');
		fs.writeFileSync(file, '');
		const connection = await connectRemoteClient({ route: 'mcprec', url: remote.url, home, env: { ...credentialEnv, NODE_OPTIONS: `--import ${hook}`, MCPREC_LOADED_MODULES_FILE: file } });
		await connection.client.listTools();
		await connection.close();
		const loaded = loadedBy(file);
		expect(loaded.some((name) => /^remote-authorization-/.test(name))).toBe(true);
		expect(loaded.some((name) => /^http-upstream-/.test(name))).toBe(true);
		// A server that asks for no sign-in never loads openid-client.
		expect(loaded.some((name) => name.startsWith('openid-client/'))).toBe(false);
	}, 30_000);
});
