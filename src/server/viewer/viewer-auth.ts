// Signing in to the web viewer (DESIGN §7): the authorization code flow with PKCE against
// the same issuer whose tokens the API accepts. The access token the viewer gets is kept
// sealed in an HttpOnly, SameSite=Lax cookie and checked on every page exactly as a
// bearer token is (verify-access-token.ts), so pages follow the API's access rules.

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Configuration } from 'openid-client';
import { isLoopback } from '../../identity/identity-settings.js';
import { loadOpenIdClient } from '../../identity/oidc-client.js';
import type { Principal, TokenVerifier } from '../verify-access-token.js';
import { cookieHeader, createCookieSealer, readCookies, type CookieSealer } from './sealed-cookie.js';
import { renderMessagePage } from './viewer-layout.js';
import { withAuth } from '../route-auth.js';

export const SESSION_COOKIE = 'mcprec_viewer';
const LOGIN_COOKIE = 'mcprec_viewer_login';
const LOGIN_TTL_SECONDS = 600;
/** A sign-in lasts as long as its access token, but never longer than this. */
const MAX_SESSION_SECONDS = 12 * 3600;

export interface ViewerAuthOptions {
	issuer: string;
	audience: string;
	clientId: string;
	clientSecret?: string;
	scope: string;
	publicUrl?: string;
	/** The cookie key: the configured secret, or one kept in the database. */
	cookieSecret: () => Promise<Buffer | string>;
	verifyToken: TokenVerifier;
}

export interface ViewerSignIn {
	principal: Principal;
	/** Ties forms to this sign-in (CSRF), besides SameSite=Lax. */
	formToken: string;
}

export interface ViewerAuth {
	/** The signed-in person of a request, or null (no cookie, expired or no longer valid token). */
	signedIn(request: FastifyRequest): Promise<ViewerSignIn | null>;
	/** Sends the browser to sign in and come back to this page. */
	redirectToLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

export function registerViewerAuth(app: FastifyInstance, options: ViewerAuthOptions): ViewerAuth {
	let sealer: Promise<CookieSealer> | undefined;
	const cookies = () => (sealer ??= options.cookieSecret().then((secret) => createCookieSealer({ secret })));
	let configuration: Promise<Configuration> | undefined;
	const oidc = async () => {
		const client = await loadOpenIdClient();
		configuration ??= discover(options).catch((error: unknown) => {
			configuration = undefined;
			throw error;
		});
		return { client, config: await configuration };
	};
	const baseUrl = (request: FastifyRequest) => options.publicUrl ?? `${request.protocol}://${request.host}`;
	const secure = (request: FastifyRequest) => baseUrl(request).startsWith('https:');

	// Sign-in problems are pages with a way forward, not JSON.
	const authPage = <Request extends FastifyRequest>(handler: (request: Request, reply: FastifyReply) => Promise<FastifyReply>) =>
		async function authPage(request: Request, reply: FastifyReply) {
			try {
				return await handler(request, reply);
			} catch (error) {
				if (!(error instanceof ViewerAuthError)) throw error;
				return reply
					.status(error.status)
					.type('text/html; charset=utf-8')
					.header('cache-control', 'no-store')
					.send(renderMessagePage({ title: 'Sign-in failed', message: error.message, link: { href: '/auth/login', text: 'Sign in again' } }).text);
			}
		};

	app.get<{ Querystring: { returnTo?: string } }>('/auth/login', withAuth('public'), authPage(async (request, reply) => {
		const { client, config } = await oidc().catch((error: unknown) => {
			throw new ViewerAuthError(502, `cannot reach the identity provider ${options.issuer} (${(error as Error).message}); try again later`);
		});
		const verifier = client.randomPKCECodeVerifier();
		const state = client.randomState();
		const redirectUri = `${baseUrl(request)}/auth/callback`;
		const login = { verifier, state, redirectUri, returnTo: safeReturnTo(request.query.returnTo) };
		const url = client.buildAuthorizationUrl(config, {
			redirect_uri: redirectUri,
			scope: options.scope,
			code_challenge: await client.calculatePKCECodeChallenge(verifier),
			code_challenge_method: 'S256',
			state,
			// RFC 8707: ask for a token the API accepts; providers without resource indicators ignore it.
			resource: options.audience,
		});
		const sealed = (await cookies()).seal(login, LOGIN_TTL_SECONDS);
		return reply
			.header('set-cookie', cookieHeader({ name: LOGIN_COOKIE, value: sealed, maxAgeSeconds: LOGIN_TTL_SECONDS, path: '/auth', secure: secure(request) }))
			.redirect(url.href, 302);
	}));

	app.get('/auth/callback', withAuth('public'), authPage(async (request, reply) => {
		const sealer = await cookies();
		const login = sealer.open(readCookies(request.headers.cookie).get(LOGIN_COOKIE)) as { verifier: string; state: string; redirectUri: string; returnTo: string } | undefined;
		if (!login) throw new ViewerAuthError(400, 'this sign-in link is stale or was opened in another browser; sign in again');
		const { client, config } = await oidc().catch((error: unknown) => {
			throw new ViewerAuthError(502, `cannot reach the identity provider ${options.issuer} (${(error as Error).message}); try again later`);
		});
		const callbackUrl = new URL(request.url, login.redirectUri);
		let accessToken: string;
		let expiresIn: number | undefined;
		try {
			const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: login.verifier, expectedState: login.state });
			accessToken = tokens.access_token;
			expiresIn = tokens.expiresIn();
		} catch (error) {
			const oauth = error as { error?: string; error_description?: string; message: string };
			throw new ViewerAuthError(401, `the identity provider did not sign you in (${oauth.error_description ?? oauth.error ?? oauth.message})`);
		}
		try {
			await options.verifyToken(`Bearer ${accessToken}`);
		} catch (error) {
			throw new ViewerAuthError(403, `signed in, but the collector does not accept the access token the identity provider issued (${(error as Error).message}); the viewer's client must get tokens for the audience '${options.audience}'`);
		}
		const maxAge = Math.min(expiresIn ?? 3600, MAX_SESSION_SECONDS);
		const session = sealer.seal({ accessToken }, maxAge);
		return reply
			.header('set-cookie', [
				cookieHeader({ name: SESSION_COOKIE, value: session, maxAgeSeconds: maxAge, path: '/', secure: secure(request) }),
				cookieHeader({ name: LOGIN_COOKIE, value: '', maxAgeSeconds: 0, path: '/auth', secure: secure(request) }),
			])
			.redirect(login.returnTo, 303);
	}));

	app.post('/auth/logout', withAuth('public'), async (request, reply) => {
		return reply
			.header('set-cookie', cookieHeader({ name: SESSION_COOKIE, value: '', maxAgeSeconds: 0, path: '/', secure: secure(request) }))
			.type('text/html; charset=utf-8')
			.send(renderMessagePage({ title: 'Signed out', message: 'You are signed out of the mcprec viewer.', link: { href: '/', text: 'Sign in again' } }).text);
	});

	return {
		async signedIn(request) {
			const value = (await cookies()).open(readCookies(request.headers.cookie).get(SESSION_COOKIE));
			const accessToken = typeof value?.accessToken === 'string' ? value.accessToken : undefined;
			if (!accessToken) return null;
			try {
				const principal = await options.verifyToken(`Bearer ${accessToken}`);
				return { principal, formToken: createHash('sha256').update('mcprec-form\n').update(accessToken).digest('base64url').slice(0, 32) };
			} catch {
				return null;
			}
		},
		redirectToLogin(request, reply) {
			return reply.redirect(`/auth/login?returnTo=${encodeURIComponent(request.url)}`, 302);
		},
	};
}

/** An error shown to the person as a page with a way forward. */
export class ViewerAuthError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

async function discover(options: ViewerAuthOptions): Promise<Configuration> {
	const client = await loadOpenIdClient();
	const url = new URL(options.issuer);
	const execute = url.protocol === 'http:' && isLoopback(url) ? [client.allowInsecureRequests] : [];
	const auth = options.clientSecret ? client.ClientSecretPost(options.clientSecret) : client.None();
	return client.discovery(url, options.clientId, options.clientSecret, auth, { execute, timeout: 10 });
}

// Only a path on this collector: never an open redirect to another site.
// Only a path of this site. Browsers drop tabs and newlines from URLs and read '\\' as '/',
// so `/\t/evil.test/` becomes `//evil.test/`: resolve the value the way a browser would
// against a placeholder origin and keep it only if it stays there.
export function safeReturnTo(value: string | undefined): string {
	if (!value || !value.startsWith('/')) return '/';
	const placeholder = 'http://viewer.invalid';
	let url: URL;
	try {
		url = new URL(value, placeholder);
	} catch {
		return '/';
	}
	if (url.origin !== placeholder || url.pathname.startsWith('/auth/')) return '/';
	return `${url.pathname}${url.search}${url.hash}`;
}
