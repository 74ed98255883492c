// The fetch `run --url` gives the HTTP upstream for a server that may be OAuth-protected:
// each request carries the stored access token; a 401 with a Bearer challenge gets one
// silent refresh and the request is sent again, so a token expiring mid-session never
// reaches the client. Without a usable token the request fails with a RemoteUpstreamError
// naming `mcprec login --url` (on initialize, the client's error and one stderr line).
// The Authorization header is added here, below the recorder: it is never recorded.

import { RemoteUpstreamError } from '../upstream/describe-http-failure.js';
import { createStreamScrubber } from '../upstream/secret-scrubbing-upstream.js';
import type { ServerTokens } from './server-tokens.js';
import { bearerChallenge } from './www-authenticate.js';

export interface AuthorizedFetchOptions {
	server: URL;
	tokens: ServerTokens;
	fetch?: typeof fetch;
	/** Signs in now (a browser on this desktop); true when tokens were stored. */
	interactiveLogin?: (challenge: string | null) => Promise<boolean>;
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
