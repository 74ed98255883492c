// How mcprec learns who guards a remote MCP server (MCP authorization spec 2025-11-25,
// "Authorization Server Discovery"): the server's 401 names its protected resource metadata
// (RFC 9728) in `WWW-Authenticate`, or the well-known URLs are tried; that metadata names the
// authorization server, whose own metadata (RFC 8414, or OpenID Connect discovery) gives the
// endpoints. Plain http is accepted for servers on this machine only.

import { isLoopback } from '../identity/is-loopback.js';
import { canonicalServerUrl } from './canonical-server-url.js';
import { OAuthSetupError } from './oauth-setup-error.js';
import { bearerChallenge } from './www-authenticate.js';

/** The parts of RFC 8414 metadata mcprec uses. */
export interface AuthorizationServerMetadata {
	issuer: string;
	authorization_endpoint?: string;
	token_endpoint?: string;
	registration_endpoint?: string;
	revocation_endpoint?: string;
	scopes_supported?: string[];
	code_challenge_methods_supported?: string[];
	client_id_metadata_document_supported?: boolean;
	[other: string]: unknown;
}

/** What discovery found for one server. */
export interface ServerAuthorization {
	/** The server URL as given, without fragment: the key its tokens are kept under. */
	server: string;
	/** The RFC 8707 resource indicator sent with every authorization and token request. */
	resource: string;
	metadata: AuthorizationServerMetadata;
	/** The scopes to ask for: the 401's `scope`, else the resource's `scopes_supported`. */
	scope?: string;
}

export interface DiscoverOptions {
	server: URL;
	fetch?: typeof fetch;
	/** A 401's WWW-Authenticate already in hand (run); without it the server is asked first. */
	challenge?: string | null;
	timeoutMs?: number;
}

const PROBE_PROTOCOL_VERSION = '2025-11-25';

export async function discoverAuthorization(options: DiscoverOptions): Promise<ServerAuthorization> {
	const { server } = options;
	const get = (url: URL, init: RequestInit = {}) => (options.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
	const challenge = bearerChallenge(options.challenge === undefined ? await probe(server, get) : options.challenge) ?? {};
	const resourceMetadata = await protectedResourceMetadata(server, challenge.resource_metadata, get);
	// Checked before anything else is fetched on the metadata's word.
	const resource = resourceIndicator(server, resourceMetadata.resource);
	const issuers = Array.isArray(resourceMetadata.authorization_servers) ? resourceMetadata.authorization_servers.filter((value): value is string => typeof value === 'string') : [];
	if (issuers.length === 0) throw new OAuthSetupError(`the protected resource metadata of ${server.href} names no authorization server (authorization_servers is empty)`);
	const issuer = parseSafeUrl(issuers[0]!, 'authorization server');
	const metadata = await authorizationServerMetadata(issuer, get);
	if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
		throw new OAuthSetupError(`the authorization server ${issuer.href} publishes no authorization_endpoint or token_endpoint; mcprec cannot sign in there`);
	}
	// MCP spec: clients MUST use S256 and refuse an authorization server that does not show it.
	if (!metadata.code_challenge_methods_supported?.includes('S256')) {
		throw new OAuthSetupError(`the authorization server ${issuer.href} does not offer PKCE with S256 (code_challenge_methods_supported: ${JSON.stringify(metadata.code_challenge_methods_supported ?? null)}); the MCP authorization spec forbids signing in without it`);
	}
	const supported = Array.isArray(resourceMetadata.scopes_supported) ? (resourceMetadata.scopes_supported as unknown[]).filter((value): value is string => typeof value === 'string') : [];
	const scope = challenge.scope ?? (supported.length > 0 ? supported.join(' ') : undefined);
	return { server: canonicalServerUrl(server), resource, metadata, scope };
}

// An unauthenticated `initialize`: a protected server answers 401 with its challenge.
async function probe(server: URL, get: (url: URL, init?: RequestInit) => Promise<Response>): Promise<string | null> {
	let response: Response;
	try {
		response = await get(server, {
			method: 'POST',
			headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROBE_PROTOCOL_VERSION },
			body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROBE_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcprec-login', version: '1' } } }),
		});
	} catch (error) {
		throw new OAuthSetupError(`cannot reach the MCP server at ${server.href} (${networkCode(error)})`, 'unreachable');
	}
	await response.body?.cancel().catch(() => {});
	const session = response.headers.get('mcp-session-id');
	// Answered without credentials: the session it opened is ended at once.
	if (response.ok && session) await get(server, { method: 'DELETE', headers: { 'mcp-session-id': session } }).then((r) => r.body?.cancel(), () => {});
	if (response.status !== 401) {
		if (response.ok) throw new OAuthSetupError(`the MCP server at ${server.href} answered without asking for credentials; there is nothing to sign in to`, 'not-protected');
		// Some servers only say so on the well-known URL: discovery goes on without a challenge.
	}
	return response.headers.get('www-authenticate');
}

async function protectedResourceMetadata(server: URL, named: string | undefined, get: (url: URL) => Promise<Response>): Promise<Record<string, unknown>> {
	const path = server.pathname === '/' ? '' : server.pathname.replace(/\/$/, '');
	const candidates = named
		? [parseSafeUrl(named, 'protected resource metadata', server)]
		: [new URL(`/.well-known/oauth-protected-resource${path}`, server), ...(path ? [new URL('/.well-known/oauth-protected-resource', server)] : [])];
	for (const url of candidates) {
		const document = await readJson(url, get);
		if (document) return document;
	}
	throw new OAuthSetupError(
		`the MCP server at ${server.href} publishes no protected resource metadata (RFC 9728; tried ${candidates.map((url) => url.href).join(', ')}); it does not support the MCP authorization spec. If it takes a fixed token, pass it with --header "Authorization: Bearer \${TOKEN}" --secret TOKEN`,
	);
}

// MCP spec order: with a path, RFC 8414 path insertion, then OIDC path insertion, then OIDC path appending.
async function authorizationServerMetadata(issuer: URL, get: (url: URL) => Promise<Response>): Promise<AuthorizationServerMetadata> {
	const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
	const candidates = path
		? [`/.well-known/oauth-authorization-server${path}`, `/.well-known/openid-configuration${path}`, `${path}/.well-known/openid-configuration`]
		: ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
	for (const candidate of candidates) {
		const document = await readJson(new URL(candidate, issuer), get);
		if (!document) continue;
		// RFC 8414 §3.3: the issuer in the document must be the one asked for.
		if (typeof document.issuer !== 'string' || document.issuer.replace(/\/$/, '') !== issuer.href.replace(/\/$/, '')) {
			throw new OAuthSetupError(`the authorization server metadata at ${new URL(candidate, issuer).href} names issuer ${JSON.stringify(document.issuer)}, not ${issuer.href}; refusing it (RFC 8414 §3.3)`);
		}
		return document as AuthorizationServerMetadata;
	}
	throw new OAuthSetupError(`the authorization server ${issuer.href} publishes no metadata (RFC 8414 or OpenID Connect discovery; tried ${candidates.map((candidate) => new URL(candidate, issuer).href).join(', ')})`);
}

// The metadata's `resource` when it covers the server URL (same origin, a prefix of its path), else the server URL.
function resourceIndicator(server: URL, named: unknown): string {
	if (typeof named !== 'string') return canonicalServerUrl(server);
	try {
		const resource = new URL(named);
		const prefix = resource.pathname.endsWith('/') ? resource.pathname : `${resource.pathname}/`;
		if (resource.origin === server.origin && (server.pathname === resource.pathname || `${server.pathname}/`.startsWith(prefix))) return named;
	} catch {
		// Not a URL: the server URL is used.
	}
	throw new OAuthSetupError(`the protected resource metadata for ${server.href} is for a different resource (${named}); refusing to send tokens for it there (RFC 9728 §3.3)`);
}

async function readJson(url: URL, get: (url: URL) => Promise<Response>): Promise<Record<string, unknown> | undefined> {
	let response: Response;
	try {
		response = await get(url);
	} catch (error) {
		throw new OAuthSetupError(`cannot reach ${url.href} (${networkCode(error)})`, 'unreachable');
	}
	if (!response.ok) {
		await response.body?.cancel().catch(() => {});
		return undefined;
	}
	try {
		const document = (await response.json()) as unknown;
		return typeof document === 'object' && document !== null && !Array.isArray(document) ? (document as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/** An https URL, or http on this machine; `base` resolves a relative one. */
export function parseSafeUrl(text: string, what: string, base?: URL): URL {
	let url: URL;
	try {
		url = new URL(text, base);
	} catch {
		throw new OAuthSetupError(`the ${what} URL '${text}' is not a URL`);
	}
	if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) return url;
	throw new OAuthSetupError(`the ${what} URL '${url.href}' is not https; mcprec sends credentials over https only (plain http only on this machine)`);
}

export function networkCode(error: unknown): string {
	const cause = (error as { cause?: { code?: string; message?: string } }).cause;
	return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
