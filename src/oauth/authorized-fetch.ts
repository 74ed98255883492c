// The fetch `run --url` gives the HTTP upstream for a server that may be OAuth-protected:
// each request carries the stored access token; a 401 with a Bearer challenge gets one
// silent refresh and the request is sent again, so a token expiring mid-session never
// reaches the client. Without a usable token the request fails with a RemoteUpstreamError
// naming `mcprec login --url` (on initialize, the client's error and one stderr line).
// The Authorization header is added here, below the recorder: it is never recorded.
// A 403 with `error="insufficient_scope"` (step-up authorization, MCP authorization spec
// 2025-11-25) asks for a grant with more scopes: the ones already granted plus those the
// challenge names (SEP-2350: the client accumulates). A login elsewhere that got them is
// picked up from the store; with a desktop the browser sign-in asks for them; otherwise the
// request fails with the `mcprec login --url … --scope` command that gets them.

import { RemoteUpstreamError } from '../upstream/describe-http-failure.js';
import { createStreamScrubber } from '../upstream/secret-scrubbing-upstream.js';
import type { ServerTokens } from './server-tokens.js';
import { bearerChallenge } from './www-authenticate.js';

export interface AuthorizedFetchOptions {
	server: URL;
	tokens: ServerTokens;
	fetch?: typeof fetch;
	/** Signs in now (a browser on this desktop), asking for `scope` when given; true when tokens were stored. */
	interactiveLogin?: (challenge: string | null, scope?: string) => Promise<boolean>;
}

export function authorizedFetch(options: AuthorizedFetchOptions): typeof fetch {
	const { tokens, server } = options;
	const base = options.fetch ?? globalThis.fetch;
	const send = (input: Parameters<typeof fetch>[0], init: RequestInit | undefined, token: string | undefined) => {
		if (token === undefined) return base(input, init);
		const headers = new Headers(init?.headers);
		headers.set('authorization', `Bearer ${token}`);
		return base(input, { ...init, headers });
	};
	return async function fetchWithToken(input, init) {
		const response = await exchange(input, init);
		return scrubTokens(response, tokens.secrets());
	};

	async function exchange(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): Promise<Response> {
		let answer = await tokens.usable();
		let response = await send(input, init, answer.token);
		if (response.status === 403 && answer.token !== undefined) return stepUp(input, init, response, answer.token);
		if (response.status !== 401) return response;
		const challenge = response.headers.get('www-authenticate');
		// Not an OAuth Bearer challenge (Basic, or none): the upstream reports the 401 as it is.
		const bearer = bearerChallenge(challenge);
		if (!bearer) return response;
		if (answer.token === undefined && bearer.resource_metadata === undefined) {
			// A Bearer challenge without resource metadata may be a server that takes a fixed
			// token (`--header`): only one that publishes RFC 9728 metadata is signed in to.
			const text = await response.text().catch(() => '');
			if (!(await publishesResourceMetadata(server, base))) return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
		}
		if (answer.token !== undefined) {
			await response.body?.cancel().catch(() => {});
			answer = await tokens.refresh(answer.token);
			if (answer.token === undefined) throw loginRequired(server, answer.problem);
			response = await send(input, init, answer.token);
			if (response.status !== 401) return response;
		}
		await response.body?.cancel().catch(() => {});
		if (options.interactiveLogin && (await options.interactiveLogin(challenge))) {
			tokens.reload();
			const fresh = await tokens.usable();
			if (fresh.token !== undefined) return send(input, init, fresh.token);
		}
		throw loginRequired(server, answer.problem ?? (answer.token === undefined ? undefined : 'the server refused the stored access token even after a refresh'));
	}

	async function stepUp(input: Parameters<typeof fetch>[0], init: RequestInit | undefined, refused: Response, sent: string): Promise<Response> {
		const challenge = refused.headers.get('www-authenticate');
		const bearer = bearerChallenge(challenge);
		if (bearer?.error !== 'insufficient_scope') return refused;
		await refused.body?.cancel().catch(() => {});
		const wanted = unionOfScopes(tokens.grantedScope(), bearer.scope);
		// `mcprec login --url … --scope` in a terminal (or another mcprec) may have the larger grant already.
		tokens.reload();
		const stored = await tokens.usable();
		if (stored.token !== undefined && stored.token !== sent) {
			const again = await send(input, init, stored.token);
			if (again.status !== 403) return again;
			await again.body?.cancel().catch(() => {});
		}
		if (options.interactiveLogin && (await options.interactiveLogin(challenge, wanted))) {
			tokens.reload();
			const fresh = await tokens.usable();
			// Still refused: the upstream reports that 403 as it is.
			if (fresh.token !== undefined) return send(input, init, fresh.token);
		}
		throw scopeRequired(server, bearer, wanted);
	}
}

/** The scopes of `held` plus those of `asked`, in that order, each once. */
export function unionOfScopes(held: string | undefined, asked: string | undefined): string {
	const scopes = [...(held ?? '').split(/\s+/), ...(asked ?? '').split(/\s+/)].filter(Boolean);
	return [...new Set(scopes)].join(' ');
}

function scopeRequired(server: URL, bearer: Record<string, string>, wanted: string): RemoteUpstreamError {
	const named = bearer.scope ? ` (it asks for: ${bearer.scope})` : '';
	const said = bearer.error_description ? `; the server said: ${bearer.error_description}` : '';
	const command = wanted ? `mcprec login --url ${server.href} --scope "${wanted}"` : `mcprec login --url ${server.href}`;
	return new RemoteUpstreamError(
		`the MCP server at ${server.href} needs more access for this request (403 insufficient_scope)${named}${said}; run \`${command}\` in a terminal, then try again`,
		'OAUTH_INSUFFICIENT_SCOPE',
		403,
	);
}

// A server that echoes the token back (a debug tool, an error page quoting the request)
// must not put it in the recording: the body is scrubbed here, below the recorder, as the
// server's stderr is for injected secrets.
function scrubTokens(response: Response, secrets: string[]): Response {
	if (secrets.length === 0 || !response.body || [101, 204, 205, 304].includes(response.status)) return response;
	const named = secrets.map((value, index) => ({ name: index === 0 ? 'OAUTH_ACCESS_TOKEN' : 'OAUTH_REFRESH_TOKEN', value }));
	let scrubber: ReturnType<typeof createStreamScrubber>;
	const body = response.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			start(controller) {
				scrubber = createStreamScrubber(named, (chunk) => {
					try {
						controller.enqueue(chunk);
					} catch {
						// The reader cancelled the stream (the answers were all in): nothing left to deliver.
					}
				});
			},
			transform(chunk) {
				scrubber.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
			},
			flush() {
				scrubber.end();
			},
		}),
	);
	return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

// RFC 9728 §3.1: the well-known URL with the server's path, then the root one (MCP spec order).
async function publishesResourceMetadata(server: URL, base: typeof fetch): Promise<boolean> {
	const path = server.pathname === '/' ? '' : server.pathname.replace(/\/$/, '');
	for (const candidate of [`/.well-known/oauth-protected-resource${path}`, ...(path ? ['/.well-known/oauth-protected-resource'] : [])]) {
		try {
			const response = await base(new URL(candidate, server), { signal: AbortSignal.timeout(10_000) });
			const document = response.ok ? ((await response.json().catch(() => undefined)) as { authorization_servers?: unknown } | undefined) : undefined;
			if (!response.ok) await response.body?.cancel().catch(() => {});
			if (Array.isArray(document?.authorization_servers)) return true;
		} catch {
			// Unreachable or not JSON: not published there.
		}
	}
	return false;
}

function loginRequired(server: URL, problem: string | undefined): RemoteUpstreamError {
	const why = problem ? ` (${problem})` : '';
	return new RemoteUpstreamError(
		`the MCP server at ${server.href} requires signing in (OAuth)${why}; run \`mcprec login --url ${server.href}\` in a terminal, then restart this server in your MCP client`,
		'OAUTH_LOGIN_REQUIRED',
		401,
	);
}
