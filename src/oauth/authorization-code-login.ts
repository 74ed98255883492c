// Signing in to a remote MCP server (MCP authorization spec 2025-11-25): the authorization
// code grant with PKCE (S256) and the RFC 8707 `resource` indicator, the browser sent back to
// a one-shot HTTP listener on 127.0.0.1 (RFC 8252 §7.3, loopback redirect). The client
// identity is, in the spec's order: a pre-registered client id (--client-id), a Client ID
// Metadata Document when the authorization server accepts them, else dynamic registration
// (RFC 7591) as a native public client, reused by later logins.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerMetadata, TokenEndpointResponse } from 'openid-client';
import { withCredentialLock } from '../identity/credential-lock.js';
import type { CredentialStore } from '../identity/credential-store.js';
import { describeOidcFailure, loadOpenIdClient, type OpenIdClient } from '../identity/oidc-client.js';
import type { ServerAuthorization } from './discover-authorization.js';
import { networkCode, parseSafeUrl } from './discover-authorization.js';
import { oauthConfiguration } from './oauth-client.js';
import { OAuthSetupError } from './oauth-setup-error.js';
import { readClientRegistration, writeClientRegistration, type ServerCredentials } from './server-credentials.js';

export interface AuthorizationCodeLoginOptions {
	authorization: ServerAuthorization;
	store: CredentialStore;
	lockFile: string;
	/** `--client-id`: a client registered with the authorization server beforehand. */
	clientId?: string;
	/** `--client-metadata-url`: the https URL of mcprec's Client ID Metadata Document. */
	clientMetadataUrl?: string;
	/** `--scope`: replaces the scopes the server asked for. */
	scope?: string;
	/** Instructions for the person (stderr). */
	say: (text: string) => void;
	/** Opens the authorization URL in a browser, when there is a desktop. */
	openBrowser?: (url: string) => void;
	/** How long to wait for the browser to come back (default 5 min). */
	timeoutMs?: number;
}

interface ClientIdentity {
	clientId: string;
	clientSecret?: string;
	kind: ServerCredentials['clientKind'];
}

const CALLBACK_PATH = '/callback';

export async function authorizationCodeLogin(options: AuthorizationCodeLoginOptions): Promise<ServerCredentials> {
	const { authorization, say } = options;
	const { metadata } = authorization;
	const client = await loadOpenIdClient();
	const listener = await listenForCallback();
	try {
		const redirectUri = `http://127.0.0.1:${listener.port}${CALLBACK_PATH}`;
		const identity = await clientIdentity(options, redirectUri);
		const configuration = oauthConfiguration(client, { metadata: metadata as ServerMetadata, clientId: identity.clientId, clientSecret: identity.clientSecret });
		const scope = scopeToRequest(options.scope ?? authorization.scope, metadata.scopes_supported);
		const verifier = client.randomPKCECodeVerifier();
		const state = client.randomState();
		const parameters: Record<string, string> = {
			redirect_uri: redirectUri,
			code_challenge: await client.calculatePKCECodeChallenge(verifier),
			code_challenge_method: 'S256',
			state,
			resource: authorization.resource,
		};
		if (scope) parameters.scope = scope;
		// OpenID Connect §11: a refresh token for offline use is granted only with consent asked for.
		if (scope?.split(' ').includes('offline_access')) parameters.prompt = 'consent';
		const url = client.buildAuthorizationUrl(configuration, parameters).href;
		say(`To sign in to ${authorization.server}, open this link in a browser on this computer:\n\n    ${url}\n`);
		options.openBrowser?.(url);
		say(`Waiting for the sign-in at ${metadata.issuer}… (Ctrl-C to cancel)`);
		const callback = await listener.waitForCallback(state, options.timeoutMs ?? 300_000);
		let tokens: TokenEndpointResponse;
		try {
			tokens = await client.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: authorization.resource });
		} catch (error) {
			throw describeGrantFailure(error, client, metadata.issuer);
		}
		const now = Date.now();
		return {
			version: 1,
			server: authorization.server,
			issuer: metadata.issuer,
			resource: authorization.resource,
			clientId: identity.clientId,
			...(identity.clientSecret ? { clientSecret: identity.clientSecret } : {}),
			clientKind: identity.kind,
			endpoints: { token: metadata.token_endpoint!, ...(metadata.revocation_endpoint ? { revocation: metadata.revocation_endpoint } : {}) },
			scope: tokens.scope ?? scope,
			accessToken: tokens.access_token,
			refreshToken: tokens.refresh_token,
			expiresAt: tokens.expires_in === undefined ? undefined : now + tokens.expires_in * 1000,
			obtainedAt: now,
		};
	} finally {
		listener.close();
	}
}

/** The client id to sign in with, in the MCP spec's order of preference (exported for its tests). */
export async function clientIdentity(options: AuthorizationCodeLoginOptions, redirectUri: string): Promise<ClientIdentity> {
	const { metadata } = options.authorization;
	if (options.clientId) return { clientId: options.clientId, kind: 'pre-registered' };
	if (options.clientMetadataUrl && metadata.client_id_metadata_document_supported === true) {
		const url = parseSafeUrl(options.clientMetadataUrl, 'client metadata document');
		if (url.protocol !== 'https:' || url.pathname === '/') throw new OAuthSetupError(`the client metadata document URL must be https with a path (got ${url.href})`);
		return { clientId: url.href, kind: 'metadata-document' };
	}
	if (metadata.registration_endpoint) return registeredClient(options, metadata.registration_endpoint, redirectUri);
	throw new OAuthSetupError(
		`the authorization server ${metadata.issuer} accepts neither Client ID Metadata Documents${options.clientMetadataUrl ? '' : ' (none given with --client-metadata-url)'} nor dynamic client registration; register mcprec there as a public client with redirect URI http://127.0.0.1${CALLBACK_PATH} (any port) and pass its id with --client-id`,
	);
}

// One registration per authorization server, kept and reused: a native client's loopback
// redirect matches on any port (RFC 8252 §7.3), so a later login on another port still fits.
async function registeredClient(options: AuthorizationCodeLoginOptions, endpoint: string, redirectUri: string): Promise<ClientIdentity> {
	const { issuer } = options.authorization.metadata;
	const kept = readClientRegistration(options.store, issuer);
	if (kept) return { clientId: kept.clientId, clientSecret: kept.clientSecret, kind: 'registered' };
	const url = parseSafeUrl(endpoint, 'registration endpoint');
	let response: Response;
	try {
		response = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify({
				client_name: 'mcprec',
				application_type: 'native',
				redirect_uris: [redirectUri],
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				token_endpoint_auth_method: 'none',
			}),
			signal: AbortSignal.timeout(15_000),
		});
	} catch (error) {
		throw new OAuthSetupError(`cannot reach the registration endpoint ${url.href} (${networkCode(error)})`, 'unreachable');
	}
	const body = (await response.json().catch(() => ({}))) as { client_id?: unknown; client_secret?: unknown; error?: string; error_description?: string };
	if (!response.ok || typeof body.client_id !== 'string') {
		const said = body.error ? `: ${body.error}${body.error_description ? ` (${body.error_description})` : ''}` : '';
		throw new OAuthSetupError(`the authorization server ${issuer} refused to register mcprec as a client (HTTP ${response.status}${said}); ask its administrator for a client id and pass it with --client-id`, 'refused');
	}
	const registration = { clientId: body.client_id, ...(typeof body.client_secret === 'string' ? { clientSecret: body.client_secret } : {}), redirectUris: [redirectUri] };
	await withCredentialLock({ file: options.lockFile }, () => writeClientRegistration(options.store, issuer, registration));
	return { clientId: registration.clientId, clientSecret: registration.clientSecret, kind: 'registered' };
}

// The scopes asked for, plus offline_access when the authorization server offers it (a refresh token for `run`).
function scopeToRequest(asked: string | undefined, supported: string[] | undefined): string | undefined {
	const scopes = (asked ?? '').split(/[\s,]+/).filter(Boolean);
	if (supported?.includes('offline_access') && !scopes.includes('offline_access')) scopes.push('offline_access');
	return scopes.length > 0 ? scopes.join(' ') : undefined;
}

function describeGrantFailure(error: unknown, client: OpenIdClient, issuer: string): OAuthSetupError {
	const failure = describeOidcFailure(error, client);
	if (failure.unreachable) return new OAuthSetupError(`lost contact with the authorization server ${issuer} while finishing the sign-in (${failure.message})`, 'unreachable');
	return new OAuthSetupError(`the authorization server ${issuer} refused to issue tokens (${failure.message})`, 'refused');
}

interface CallbackListener {
	port: number;
	waitForCallback(state: string, timeoutMs: number): Promise<URL>;
	close(): void;
}

// The loopback listener (RFC 8252 §7.3): 127.0.0.1 only, the first answer carrying our
// state ends it; anything else (a wrong state, a favicon) is answered and ignored.
function listenForCallback(): Promise<CallbackListener> {
	let settle: ((result: { url?: URL; error?: Error }) => void) | undefined;
	let expected: string | undefined;
	const server = http.createServer((request, response) => {
		const url = new URL(request.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
		if (url.pathname !== CALLBACK_PATH || expected === undefined || url.searchParams.get('state') !== expected) {
			response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the sign-in this mcprec is waiting for.\n');
			return;
		}
		const error = url.searchParams.get('error');
		const page = (title: string, text: string) =>
			`<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${text}</p>`;
		if (error) {
			const description = url.searchParams.get('error_description');
			response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(page('Sign-in failed', `${escapeHtml(error)}${description ? `: ${escapeHtml(description)}` : ''}`));
			settle?.({ error: new OAuthSetupError(`the sign-in was not completed: ${error}${description ? ` (${description})` : ''}`, 'refused') });
			return;
		}
		response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('Signed in', 'mcprec has its tokens. You can close this tab.'));
		settle?.({ url });
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			resolve({
				port: (server.address() as AddressInfo).port,
				waitForCallback: (state, timeoutMs) =>
					new Promise<URL>((resolveCallback, rejectCallback) => {
						expected = state;
						const timer = setTimeout(() => rejectCallback(new OAuthSetupError(`no sign-in came back within ${Math.round(timeoutMs / 1000)} s; run the login again`, 'refused')), timeoutMs);
						timer.unref();
						settle = ({ url, error }) => {
							clearTimeout(timer);
							if (url) resolveCallback(url);
							else rejectCallback(error);
						};
					}),
				close: () => {
					server.closeAllConnections();
					server.close();
				},
			});
		});
	});
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
