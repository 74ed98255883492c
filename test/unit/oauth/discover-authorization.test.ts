// Discovery (src/oauth/discover-authorization.ts) against a real HTTP server on 127.0.0.1
// whose documents each case arranges: where the protected resource metadata is looked for
// (the challenge's URL, else the well-known URLs in the spec's order), the authorization
// server metadata's three locations for an issuer with a path, and what is refused.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverAuthorization } from '../../../src/oauth/discover-authorization.js';

let origin: string;
let routes: Record<string, { status?: number; headers?: Record<string, string>; body?: unknown }> = {};
let asked: string[] = [];
const server = http.createServer((request, response) => {
	const path = new URL(request.url ?? '/', origin).pathname;
	asked.push(`${request.method} ${path}`);
	request.resume();
	const route = routes[path];
	if (!route) {
		response.writeHead(404).end();
		return;
	}
	response.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers }).end(route.body === undefined ? '' : JSON.stringify(route.body));
});

beforeAll(async () => {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
	routes = {};
	asked = [];
});

function asMetadata(issuer: string, extra: Record<string, unknown> = {}) {
	return { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, code_challenge_methods_supported: ['S256'], ...extra };
}

function protectedMcp(challenge = 'Bearer error="invalid_token"') {
	routes['/mcp'] = { status: 401, headers: { 'www-authenticate': challenge }, body: { error: 'invalid_token' } };
}

describe('discoverAuthorization', () => {
	it('follows the resource_metadata of the challenge and takes its scope', async () => {
		protectedMcp(`Bearer error="invalid_token", scope="files:read files:write", resource_metadata="${origin}/meta/prm.json"`);
		routes['/meta/prm.json'] = { body: { resource: `${origin}/mcp`, authorization_servers: [origin], scopes_supported: ['other'] } };
		routes['/.well-known/oauth-authorization-server'] = { body: asMetadata(origin) };
		const found = await discoverAuthorization({ server: new URL(`${origin}/mcp`) });
		expect(found).toMatchObject({ server: `${origin}/mcp`, resource: `${origin}/mcp`, scope: 'files:read files:write' });
		expect(found.metadata.token_endpoint).toBe(`${origin}/token`);
		expect(asked).toEqual(['POST /mcp', 'GET /meta/prm.json', 'GET /.well-known/oauth-authorization-server']);
	});

	it.each([
		['the path-specific well-known URL', '/.well-known/oauth-protected-resource/mcp', ['GET /.well-known/oauth-protected-resource/mcp']],
		['the root well-known URL, after the path-specific one', '/.well-known/oauth-protected-resource', ['GET /.well-known/oauth-protected-resource/mcp', 'GET /.well-known/oauth-protected-resource']],
	])('without resource_metadata, finds the metadata at %s', async (_case, where, expectedAsks) => {
		protectedMcp();
		routes[where] = { body: { resource: `${origin}/mcp`, authorization_servers: [origin], scopes_supported: ['mcp:tools'] } };
		routes['/.well-known/openid-configuration'] = { body: asMetadata(origin) };
		const found = await discoverAuthorization({ server: new URL(`${origin}/mcp`) });
		expect(found.scope).toBe('mcp:tools');
		expect(asked.filter((line) => line.includes('protected-resource'))).toEqual(expectedAsks);
		// RFC 8414 first, then OpenID Connect discovery.
		expect(asked.slice(-2)).toEqual(['GET /.well-known/oauth-authorization-server', 'GET /.well-known/openid-configuration']);
	});

	const issuerPathOrder = ['/.well-known/oauth-authorization-server/tenant/a', '/.well-known/openid-configuration/tenant/a', '/tenant/a/.well-known/openid-configuration'];
	it.each(issuerPathOrder.map((path, index) => [path, index] as const))('for an issuer with a path, finds its metadata at %s, in the spec order', async (path, index) => {
		protectedMcp(`Bearer resource_metadata="${origin}/prm"`);
		routes['/prm'] = { body: { resource: `${origin}/mcp`, authorization_servers: [`${origin}/tenant/a`] } };
		routes[path] = { body: asMetadata(`${origin}/tenant/a`) };
		const found = await discoverAuthorization({ server: new URL(`${origin}/mcp`) });
		expect(found.metadata.issuer).toBe(`${origin}/tenant/a`);
		expect(asked.slice(2)).toEqual(issuerPathOrder.slice(0, index + 1).map((candidate) => `GET ${candidate}`));
	});

	it.each([
		['metadata that names another issuer', { body: { ...asMetadata('http://127.0.0.1:1'), issuer: 'http://127.0.0.1:1' } }, /names issuer .* not .*RFC 8414/],
		['an authorization server without PKCE S256', { body: asMetadata('ORIGIN', { code_challenge_methods_supported: ['plain'] }) }, /does not offer PKCE with S256/],
		['an authorization server without a token endpoint', { body: { issuer: 'ORIGIN', authorization_endpoint: 'x' } }, /no authorization_endpoint or token_endpoint/],
	])('refuses %s', async (_case, route, message) => {
		protectedMcp(`Bearer resource_metadata="${origin}/prm"`);
		routes['/prm'] = { body: { resource: `${origin}/mcp`, authorization_servers: [origin] } };
		routes['/.well-known/oauth-authorization-server'] = JSON.parse(JSON.stringify(route).replaceAll('ORIGIN', origin));
		await expect(discoverAuthorization({ server: new URL(`${origin}/mcp`) })).rejects.toThrow(message);
	});

	it('refuses metadata for another resource (RFC 9728 §3.3)', async () => {
		protectedMcp(`Bearer resource_metadata="${origin}/prm"`);
		routes['/prm'] = { body: { resource: 'https://elsewhere.example/mcp', authorization_servers: [origin] } };
		await expect(discoverAuthorization({ server: new URL(`${origin}/mcp`) })).rejects.toThrow(/for a different resource \(https:\/\/elsewhere\.example\/mcp\)/);
	});

	it('refuses an authorization server on plain http away from this machine', async () => {
		protectedMcp(`Bearer resource_metadata="${origin}/prm"`);
		routes['/prm'] = { body: { resource: `${origin}/mcp`, authorization_servers: ['http://login.example.com'] } };
		await expect(discoverAuthorization({ server: new URL(`${origin}/mcp`) })).rejects.toThrow(/'http:\/\/login\.example\.com\/' is not https/);
	});

	it('says so when the server asks for no credentials', async () => {
		routes['/mcp'] = { status: 200, body: { jsonrpc: '2.0', id: 0, result: {} } };
		await expect(discoverAuthorization({ server: new URL(`${origin}/mcp`) })).rejects.toMatchObject({ kind: 'not-protected' });
	});

	it('says where it looked when there is no protected resource metadata', async () => {
		protectedMcp('Basic realm="x"');
		await expect(discoverAuthorization({ server: new URL(`${origin}/mcp`) })).rejects.toThrow(/publishes no protected resource metadata .*oauth-protected-resource\/mcp.*--header "Authorization: Bearer/);
	});
});
