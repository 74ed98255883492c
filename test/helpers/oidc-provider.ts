// A real OpenID Connect provider (oidc-provider 8) on 127.0.0.1 for the identity tests:
// device flow, refresh tokens (rotated, as for any public client), revocation and a
// `groups` claim. The person's side of the device flow — enter the code, sign in,
// consent or abort — is driven over HTTP with a cookie jar, the way the provider's own
// tests drive its interaction endpoints. Nothing here leaves the machine.
// With `resourceServers`, a login that names one of them with the RFC 8707 `resource`
// parameter gets a JWT access token for that audience: what the collector accepts.

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';

export const CLIENT_ID = 'mcprec-cli';

/** The people the provider knows; any password signs them in. */
export const ACCOUNTS: Record<string, { email: string; name: string; groups: string[] }> = {
	alice: { email: 'alice@example.com', name: 'Alice Example', groups: ['engineering'] },
	carol: { email: 'carol@contractor.example', name: 'Carol Contractor', groups: ['contractors', 'engineering'] },
};

/** Token lifetimes (s) and polling behaviour; changeable between tests. */
export interface ProviderSettings {
	accessTokenTtl: number;
	deviceCodeTtl: number;
	/** The `interval` sent with device authorizations (RFC 8628 §3.2). */
	interval: number;
	/** Answer this many upcoming token requests with `slow_down`. */
	slowDownPolls: number;
}

export interface TestProviderOptions {
	/** Audiences (resource indicators) that get JWT access tokens, e.g. the collector's. */
	resourceServers?: string[];
	/** A public client for the web viewer's browser sign-in (authorization code + PKCE). */
	viewer?: { clientId: string; redirectUris: string[] };
	/** Dynamic client registration (RFC 7591) for anyone, as MCP authorization servers offer it. */
	registration?: boolean;
	/** A native public client registered beforehand with a loopback redirect (RFC 8252: any port), for `login --url --client-id`. */
	nativeClientId?: string;
	/** Scopes the resource servers offer beyond `openid profile email offline_access` (granted only when asked for). */
	resourceScopes?: string[];
}

export interface TokenRequest {
	at: number;
	status: number;
	error?: string;
}

export class TestProvider {
	readonly settings: ProviderSettings = { accessTokenTtl: 3600, deviceCodeTtl: 600, interval: 1, slowDownPolls: 0 };
	/** Every POST to the token endpoint, in order. */
	readonly tokenRequests: TokenRequest[] = [];
	/** The grant type of every token request the provider granted, in order. */
	readonly grants: string[] = [];

	private constructor(
		readonly issuer: string,
		private readonly server: http.Server,
	) {}

	private options: TestProviderOptions = {};

	static async start(options: TestProviderOptions = {}): Promise<TestProvider> {
		let handle: http.RequestListener = (_request, response) => response.end();
		const server = http.createServer((request, response) => handle(request, response));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		const test = new TestProvider(issuer, server);
		test.options = options;
		const provider = test.createProvider();
		const callback = provider.callback();
		handle = (request, response) => test.intercept(request, response, callback);
		return test;
	}

	get tokenEndpoint(): string {
		return `${this.issuer}/token`;
	}

	/** How many refresh_token grants the provider answered with tokens. */
	get refreshCount(): number {
		return this.grants.filter((grant) => grant === 'refresh_token').length;
	}

	/** Plays the person at the browser: enter the code, confirm, sign in as `account`, then consent (or abort there). */
	async approve(userCode: string, options: { account?: string; deny?: boolean } = {}): Promise<string> {
		const browser = new CookieBrowser(this.issuer);
		const entry = await browser.open('/device');
		const xsrf = field(entry.html, 'xsrf');
		await browser.open('/device', { xsrf, user_code: userCode });
		let page = await browser.open('/device', { xsrf, user_code: userCode, confirm: 'yes' });
		for (let step = 0; step < 4; step++) {
			if (page.html.includes('name="prompt" value="login"')) {
				page = await browser.open(page.url, { prompt: 'login', login: options.account ?? 'alice', password: 'any' });
			} else if (page.html.includes('name="prompt" value="consent"')) {
				page = options.deny ? await browser.open(`${page.url}/abort`) : await browser.open(page.url, { prompt: 'consent' });
			} else {
				break;
			}
		}
		return page.html;
	}

	/** A refresh_token grant sent directly, as a thief holding the token would. */
	async tryRefresh(refreshToken: string, clientId = CLIENT_ID): Promise<{ status: number; body: Record<string, unknown> }> {
		const response = await fetch(this.tokenEndpoint, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
		});
		return { status: response.status, body: (await response.json()) as Record<string, unknown> };
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private createProvider(): Provider {
		const { settings } = this;
		const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
		const resourceServers = new Set(this.options.resourceServers ?? []);
		const provider = new Provider(this.issuer, {
			clients: [
				{
					client_id: CLIENT_ID,
					token_endpoint_auth_method: 'none',
					grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
					response_types: [],
					redirect_uris: [],
				},
				...(this.options.nativeClientId
					? [{ client_id: this.options.nativeClientId, application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/callback'] }]
					: []),
				...(this.options.viewer
					? [{ client_id: this.options.viewer.clientId, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: this.options.viewer.redirectUris }]
					: []),
			],
			features: {
				deviceFlow: { enabled: true },
				registration: { enabled: this.options.registration === true },
				revocation: { enabled: true },
				devInteractions: { enabled: true },
				resourceIndicators: {
					enabled: resourceServers.size > 0,
					// A refresh keeps the audience the login asked for.
					useGrantedResource: () => true,
					getResourceServerInfo: (_context: unknown, resource: string) => {
						if (!resourceServers.has(resource)) throw new errors.InvalidTarget();
						const scope = ['openid', 'profile', 'email', 'offline_access', ...(this.options.resourceScopes ?? [])].join(' ');
						return { scope, audience: resource, accessTokenTTL: settings.accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
					},
				},
			},
			// The collector reads `email` and groups from the access token.
			extraTokenClaims: async (_context: unknown, token: { kind?: string; accountId?: string; resourceServer?: unknown }) => {
				const account = token.accountId ? ACCOUNTS[token.accountId] : undefined;
				return token.resourceServer && account ? { email: account.email, groups: account.groups } : undefined;
			},
			claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
			// Scope claims go into the ID token too, where mcprec reads them.
			conformIdTokenClaims: false,
			async findAccount(_context: unknown, id: string) {
				const account = ACCOUNTS[id];
				if (!account) return undefined;
				return { accountId: id, claims: async () => ({ sub: id, email_verified: true, ...account }) };
			},
			ttl: {
				AccessToken: () => settings.accessTokenTtl,
				DeviceCode: () => settings.deviceCodeTtl,
				IdToken: 3600,
				RefreshToken: 86_400,
				Grant: 86_400,
				Interaction: 600,
				Session: 3600,
			},
			cookies: { keys: ['mcprec-test-cookie-key'] },
			jwks: { keys: [jwk] },
		} as never);
		provider.on('grant.success', (context: { oidc: { params: { grant_type: string } } }) => this.grants.push(context.oidc.params.grant_type));
		provider.on('server_error', (_context: unknown, error: Error) => console.error('oidc-provider server_error', error));
		return provider;
	}

	// In front of the provider: record token requests, answer slow_down on demand, and add
	// `interval` to device authorizations (oidc-provider leaves it out; clients then wait 5 s).
	private intercept(request: http.IncomingMessage, response: http.ServerResponse, provider: http.RequestListener): void {
		const path = new URL(request.url ?? '/', this.issuer).pathname;
		if (request.method === 'POST' && path === '/token') {
			const record: TokenRequest = { at: Date.now(), status: 0 };
			this.tokenRequests.push(record);
			if (this.settings.slowDownPolls > 0) {
				this.settings.slowDownPolls--;
				request.resume();
				record.status = 400;
				record.error = 'slow_down';
				response.writeHead(400, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: 'slow_down', error_description: 'polling too fast (test)' }));
				return;
			}
			captureBody(response, (body) => {
				record.status = response.statusCode;
				record.error = typeof body?.error === 'string' ? body.error : undefined;
				return body;
			});
		}
		if (request.method === 'POST' && path === '/device/auth') {
			captureBody(response, (body) => (body && typeof body.device_code === 'string' ? { ...body, interval: this.settings.interval } : body));
		}
		provider(request, response);
	}
}

// Lets `edit` see (and replace) a JSON body before it is sent.
function captureBody(response: http.ServerResponse, edit: (body: Record<string, unknown> | undefined) => Record<string, unknown> | undefined): void {
	const end = response.end.bind(response) as (chunk?: unknown, ...rest: unknown[]) => http.ServerResponse;
	response.end = ((chunk?: unknown, ...rest: unknown[]) => {
		let body: Record<string, unknown> | undefined;
		try {
			body = chunk ? (JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk)) as Record<string, unknown>) : undefined;
		} catch {
			return end(chunk, ...rest);
		}
		const edited = edit(body);
		if (edited === body) return end(chunk, ...rest);
		const text = JSON.stringify(edited);
		if (!response.headersSent) response.setHeader('content-length', Buffer.byteLength(text));
		return end(text, ...rest.filter((item) => typeof item === 'function'));
	}) as typeof response.end;
}

function field(html: string, name: string): string {
	const match = new RegExp(`name="${name}" value="([^"]+)"`).exec(html);
	if (!match) throw new Error(`no ${name} field in the page:\n${html.slice(0, 2000)}`);
	return match[1]!;
}

/** fetch with a cookie jar and manual redirects: enough of a browser for the provider's pages. */
class CookieBrowser {
	private readonly jar = new Map<string, string>();

	constructor(private readonly origin: string) {}

	/** GET (or POST a form) and follow redirects; returns the final page and its URL. */
	async open(target: string, form?: Record<string, string>): Promise<{ url: string; status: number; html: string }> {
		let url = new URL(target, this.origin).href;
		let response = await this.request(url, form);
		for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
			if (hops > 10) throw new Error(`too many redirects from ${target}`);
			url = new URL(response.headers.get('location')!, url).href;
			response = await this.request(url);
		}
		return { url, status: response.status, html: await response.text() };
	}

	private async request(url: string, form?: Record<string, string>): Promise<Response> {
		const headers: Record<string, string> = { cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ') };
		if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
		const response = await fetch(url, { method: form ? 'POST' : 'GET', headers, body: form ? new URLSearchParams(form) : undefined, redirect: 'manual' });
		for (const cookie of response.headers.getSetCookie()) {
			const [pair, ...attributes] = cookie.split(';');
			const [name, ...value] = pair!.split('=');
			const expired = attributes.some((attribute) => {
				const [key, raw] = attribute.trim().split('=');
				return (key?.toLowerCase() === 'expires' && Date.parse(raw ?? '') <= Date.now()) || (key?.toLowerCase() === 'max-age' && Number(raw) <= 0);
			});
			if (expired || value.join('=') === '') this.jar.delete(name!.trim());
			else this.jar.set(name!.trim(), value.join('='));
		}
		return response;
	}
}
