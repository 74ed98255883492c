// A real OpenID Provider (oidc-provider) on 127.0.0.1 that mints JWT access tokens for the
// collector's API tests. Each test user is a client_credentials client whose id is the
// user's `sub`; its groups travel in the token through extraTokenClaims. With `viewer`, the
// same users can also sign in to the web viewer in a browser: authorization code + PKCE,
// through the provider's own login and consent pages (any password).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface IssuerUser {
	sub: string;
	groups?: string[];
	email?: string;
	/** Access token lifetime in seconds (default 600). */
	tokenTtlSeconds?: number;
}

export interface OidcIssuer {
	/** The issuer URL (http://127.0.0.1:PORT). */
	issuer: string;
	/** The audience of every token this issuer mints for the collector. */
	audience: string;
	/** A fresh JWT access token for a configured user (optionally for another resource/audience). */
	accessToken(sub: string, options?: { resource?: string }): Promise<string>;
	close(): Promise<void>;
}

export const COLLECTOR_AUDIENCE = 'urn:mcprec:collector';
const OTHER_RESOURCE = 'urn:example:other-api';

export interface OidcIssuerOptions {
	/** A public client for the viewer's browser sign-in. */
	viewer?: { clientId: string; redirectUris: string[] };
}

export async function startOidcIssuer(users: IssuerUser[], options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const { privateKey } = await generateKeyPair('ES256', { extractable: true });
	const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-es256', alg: 'ES256', use: 'sig' };
	const byClient = new Map(users.map((user) => [user.sub, user]));

	const provider = new Provider(issuer, {
		clients: users.map((user) => ({
			client_id: user.sub,
			client_secret: `secret-${user.sub}`,
			grant_types: ['client_credentials'],
			redirect_uris: [],
			response_types: [],
			token_endpoint_auth_method: 'client_secret_post',
			id_token_signed_response_alg: 'ES256',
		})).concat(
			options.viewer
				? [{
						client_id: options.viewer.clientId,
						grant_types: ['authorization_code'],
						redirect_uris: options.viewer.redirectUris,
						response_types: ['code'],
						token_endpoint_auth_method: 'none',
						id_token_signed_response_alg: 'ES256',
					} as never]
				: [],
		),
		jwks: { keys: [signingKey] },
		adapter: MemoryAdapter,
		ttl: { ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? 600 },
		cookies: { keys: ['mcprec-test-cookie-key'] },
		findAccount: async (_ctx: unknown, id: string) => {
			const user = byClient.get(id);
			if (!user) return undefined;
			return { accountId: id, claims: async () => ({ sub: id, ...(user.email ? { email: user.email, email_verified: true } : {}) }) };
		},
		claims: { openid: ['sub'], email: ['email', 'email_verified'] },
		features: {
			// The provider's own login and consent pages, for the viewer's browser sign-in.
			devInteractions: { enabled: options.viewer !== undefined },
			clientCredentials: { enabled: true },
			resourceIndicators: {
				enabled: true,
				defaultResource: () => COLLECTOR_AUDIENCE,
				useGrantedResource: () => true,
				getResourceServerInfo: (_ctx, resource, client) => ({
					scope: 'sessions',
					audience: resource,
					accessTokenTTL: byClient.get(client.clientId)?.tokenTtlSeconds ?? 600,
					accessTokenFormat: 'jwt',
					jwt: { sign: { alg: 'ES256' } },
				}),
			},
		},
		extraTokenClaims: (_ctx, token) => {
			const { accountId, clientId } = token as { accountId?: string; clientId?: string };
			const user = byClient.get(accountId ?? clientId ?? '');
			if (!user) return undefined;
			return { groups: user.groups ?? [], ...(user.email ? { email: user.email } : {}) };
		},
	});
	// oidc-provider insists on https issuers unless told it's behind a proxy or in dev; this is loopback only.
	provider.proxy = true;
	server.on('request', provider.callback());

	return {
		issuer,
		audience: COLLECTOR_AUDIENCE,
		async accessToken(sub, options = {}) {
			const response = await fetch(`${issuer}/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({
					grant_type: 'client_credentials',
					client_id: sub,
					client_secret: `secret-${sub}`,
					scope: 'sessions',
					resource: options.resource ?? COLLECTOR_AUDIENCE,
				}),
			});
			const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
			if (!response.ok || !body.access_token) throw new Error(`token request for '${sub}' failed: ${body.error} ${body.error_description ?? ''}`);
			return body.access_token;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export { OTHER_RESOURCE };

// The provider's own in-memory adapter works too but warns on every start.
const stores = new Map<string, Map<string, unknown>>();
class MemoryAdapter {
	private readonly items: Map<string, unknown>;
	constructor(name: string) {
		this.items = stores.get(name) ?? new Map();
		stores.set(name, this.items);
	}
	async upsert(id: string, payload: unknown) {
		this.items.set(id, payload);
	}
	async find(id: string) {
		return this.items.get(id);
	}
	async findByUserCode() {
		return undefined;
	}
	async findByUid(uid: string) {
		for (const payload of this.items.values()) if ((payload as { uid?: string }).uid === uid) return payload;
		return undefined;
	}
	async consume(id: string) {
		const payload = this.items.get(id) as Record<string, unknown> | undefined;
		if (payload) payload.consumed = Math.floor(Date.now() / 1000);
	}
	async destroy(id: string) {
		this.items.delete(id);
	}
	async revokeByGrantId() {}
}
