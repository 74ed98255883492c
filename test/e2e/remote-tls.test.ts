// `run --url` to a server whose certificate comes from a private certificate authority
// (issue 16, item 5): the CA and the server certificate are made here with openssl; without
// NODE_EXTRA_CA_CERTS the client's `initialize` gets the TLS error and the hint to set it,
// with it the session runs as with any server, and what the server says is recorded.

import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, payloadOf, removeHome, waitForEvents } from '../helpers/mcprec.js';
import { startFixture, type RemoteServer } from '../helpers/remote-server.js';
import { connectRemoteClient } from '../helpers/sdk-client.js';

const credentialEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };
let folder: string;
let server: RemoteServer;
let caFile: string;

async function openssl(args: string[]): Promise<void> {
	await execa('openssl', args, { cwd: folder });
}

beforeAll(async () => {
	folder = makeHome('mcprec-tls-');
	caFile = path.join(folder, 'ca.pem');
	await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=mcprec test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
	await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
	fs.writeFileSync(path.join(folder, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
	await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext']);
	server = await startFixture(['--tls-cert', path.join(folder, 'server.pem'), '--tls-key', path.join(folder, 'server.key')]);
}, 60_000);

afterAll(async () => {
	await server?.stop();
	removeHome(folder);
});

describe('run --url over TLS with a private certificate authority', () => {
	it('without NODE_EXTRA_CA_CERTS, answers initialize with the TLS failure and says what to set', async () => {
		expect(server.url).toMatch(/^https:/);
		const home = makeHome();
		try {
			const failure = await connectRemoteClient({ route: 'mcprec', url: server.url, home, env: { ...credentialEnv, NODE_EXTRA_CA_CERTS: '' } }).then(
				() => undefined,
				(error: Error) => error,
			);
			expect(failure?.message).toMatch(/TLS failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
			expect(failure?.message).toContain('set NODE_EXTRA_CA_CERTS to its certificate file');
		} finally {
			removeHome(home);
		}
	}, 30_000);

	it('with NODE_EXTRA_CA_CERTS naming the CA, the session runs and is recorded', async () => {
		const home = makeHome();
		try {
			const connection = await connectRemoteClient({ route: 'mcprec', url: server.url, home, env: { ...credentialEnv, NODE_EXTRA_CA_CERTS: caFile } });
			try {
				const echo = await connection.client.callTool({ name: 'echo', arguments: { text: 'over TLS' } });
				expect(echo.content).toEqual([{ type: 'text', text: 'over TLS' }]);
			} finally {
				await connection.close();
			}
			const events = await waitForEvents(home, (rows) => rows.some((row) => row.kind === 'message' && payloadOf(row).includes('over TLS') && row.origin === 'server'));
			const connect = events.filter((row) => row.kind === 'lifecycle').map((row) => JSON.parse(payloadOf(row).toString('utf8')) as Record<string, unknown>).find((fact) => fact.event === 'http-connect');
			expect(connect).toMatchObject({ url: server.url, status: 200 });
		} finally {
			removeHome(home);
		}
	}, 30_000);
});
