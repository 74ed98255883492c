// The sentence a person reads when a remote MCP server cannot be reached, for the failures an
// e2e test cannot cause without leaving the machine (DNS) or waiting (timeouts).

import { describe, expect, it } from 'vitest';
import { describeNetworkFailure, RemoteUpstreamError } from '../../../src/upstream/describe-http-failure.js';

const url = new URL('https://mcp.example.test:8443/mcp');
const failed = (code: string, message = `${code} happened`) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

describe('describeNetworkFailure', () => {
	it('passes on a failure already described where it was thrown (the OAuth fetch asking for a login)', () => {
		const described = new RemoteUpstreamError('the MCP server at https://x.example/mcp requires signing in (OAuth); run `mcprec login --url https://x.example/mcp`', 'OAUTH_LOGIN_REQUIRED', 401);
		expect(describeNetworkFailure(new URL('https://x.example/mcp'), described)).toBe(described);
	});

	it.each(['ENOTFOUND', 'EAI_AGAIN'])('names the host that did not resolve (%s)', (code) => {
		const error = describeNetworkFailure(url, failed(code));
		expect(error.message).toBe("cannot reach the MCP server at https://mcp.example.test:8443/mcp: host 'mcp.example.test' not found (DNS lookup failed); check the URL");
		expect(error.code).toBe(code);
	});

	it.each(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'])('says a connection timed out (%s)', (code) => {
		expect(describeNetworkFailure(url, failed(code)).message).toMatch(/timed out \(.+\); check the URL and your network$/);
	});

	it('points at NODE_EXTRA_CA_CERTS for a certificate it cannot verify, in one line', () => {
		const error = describeNetworkFailure(url, failed('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain\n    at TLSSocket'));
		expect(error.message).toBe(
			'cannot reach the MCP server at https://mcp.example.test:8443/mcp: TLS failed (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); if the server uses a private certificate authority, set NODE_EXTRA_CA_CERTS to its certificate file',
		);
	});
});
