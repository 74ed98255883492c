// Which client id `login --url` signs in with (src/oauth/authorization-code-login.ts), in the
// MCP spec's order: a pre-registered --client-id, a Client ID Metadata Document when the
// authorization server accepts them, dynamic registration (RFC 7591, against a real local
// endpoint, kept and reused), else an error that says what to do. Every combination of what
// the person gives and what the authorization server offers is tried.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialStore } from '../../../src/identity/credential-store.js';
import { clientIdentity } from '../../../src/oauth/authorization-code-login.js';
import type { AuthorizationServerMetadata } from '../../../src/oauth/discover-authorization.js';

let registrations: Record<string, unknown>[] = [];
let registrationUrl: string;
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-client-identity-'));
const endpoint = http.createServer((request, response) => {
	let body = '';
	request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
	request.on('end', () => {
		registrations.push(JSON.parse(body) as Record<string, unknown>);
		response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: `registered-${registrations.length}` }));
	});
});

beforeAll(async () => {
	await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
	registrationUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/register`;
});
afterAll(() => {
	endpoint.close();
	fs.rmSync(folder, { recursive: true, force: true });
});

function memoryStore(): CredentialStore {
	const values = new Map<string, string>();
	return {
		kind: 'file',
		location: 'memory',
		get: (key) => values.get(key),
		set: (key, value) => void values.set(key, value),
		delete: (key) => values.delete(key),
		keys: (prefix) => [...values.keys()].filter((key) => key.startsWith(prefix)).sort(),
	};
}

const DOCUMENT = 'https://mcprec.example/oauth/client.json';
const cases = [false, true].flatMap((givenId) =>
	[false, true].flatMap((givenDocument) => [false, true].flatMap((acceptsDocuments) => [false, true].map((offersRegistration) => ({ givenId, givenDocument, acceptsDocuments, offersRegistration })))),
);

describe('clientIdentity', () => {
	it.each(cases)('%o', async ({ givenId, givenDocument, acceptsDocuments, offersRegistration }) => {
		registrations = [];
		const metadata: AuthorizationServerMetadata = {
			issuer: 'http://127.0.0.1:1',
			...(acceptsDocuments ? { client_id_metadata_document_supported: true } : {}),
			...(offersRegistration ? { registration_endpoint: registrationUrl } : {}),
		};
		const store = memoryStore();
		const options = {
			authorization: { server: 'http://127.0.0.1:2/mcp', resource: 'http://127.0.0.1:2/mcp', metadata },
			store,
			lockFile: path.join(folder, 'credentials.lock'),
			clientId: givenId ? 'pre-registered-id' : undefined,
			clientMetadataUrl: givenDocument ? DOCUMENT : undefined,
			say: () => {},
		};
		const attempt = () => clientIdentity(options, 'http://127.0.0.1:5555/callback');
		if (givenId) {
			await expect(attempt()).resolves.toEqual({ clientId: 'pre-registered-id', kind: 'pre-registered' });
		} else if (givenDocument && acceptsDocuments) {
			await expect(attempt()).resolves.toEqual({ clientId: DOCUMENT, kind: 'metadata-document' });
		} else if (offersRegistration) {
			await expect(attempt()).resolves.toMatchObject({ clientId: 'registered-1', kind: 'registered' });
			// Kept: the next login reuses it instead of registering again.
			await expect(attempt()).resolves.toMatchObject({ clientId: 'registered-1', kind: 'registered' });
			expect(registrations).toHaveLength(1);
			expect(registrations[0]).toMatchObject({ application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:5555/callback'], grant_types: ['authorization_code', 'refresh_token'] });
		} else {
			await expect(attempt()).rejects.toThrow(/accepts neither Client ID Metadata Documents.* nor dynamic client registration; register mcprec there .* --client-id/);
		}
		if (!(offersRegistration && !givenId && !(givenDocument && acceptsDocuments))) expect(registrations).toEqual([]);
	});
});
