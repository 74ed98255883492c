// The tokens `run --url` sends, from the credential store, refreshed silently. A refresh
// happens under the credential lock after re-reading the store: of several mcprec processes
// for the same server, one refreshes and the others use its tokens, so a rotated refresh
// token is never used twice. Within a process, concurrent requests share one refresh.
// `invalid_grant` means the refresh token is dead: the tokens are dropped, and said so once.

import { withCredentialLock } from '../identity/credential-lock.js';
import type { CredentialStore } from '../identity/credential-store.js';
import { describeOidcFailure, loadOpenIdClient } from '../identity/oidc-client.js';
import { oauthConfiguration } from './oauth-client.js';
import { deleteServerCredentials, findServerCredentials, isServerTokenFresh, writeServerCredentials, type ServerCredentials } from './server-credentials.js';

export interface ServerTokensOptions {
	store: CredentialStore;
	lockFile: string;
	/** canonicalServerUrl of the server. */
	server: string;
	/** One line for stderr (without the `mcprec: ` prefix). */
	warn: (text: string) => void;
}

/** A token to send, or why there is none (a sentence for the person). */
export type TokenAnswer = { token: string; problem?: undefined } | { token?: undefined; problem?: string };

export class ServerTokens {
	private record: ServerCredentials | undefined;
	private loaded = false;
	private refreshing: { rejected: string; answer: Promise<TokenAnswer> } | undefined;
	private saidDropped = false;

	constructor(private readonly options: ServerTokensOptions) {}

	/** The stored access token, refreshed first when it has expired; none when nobody signed in. */
	async usable(): Promise<TokenAnswer> {
		const record = this.current();
		if (!record) return {};
		if (isServerTokenFresh(record)) return { token: record.accessToken };
		return this.refresh(record.accessToken);
	}

	/** The server refused `rejected` (401): a token another process got meanwhile, or a refreshed one. */
	refresh(rejected: string): Promise<TokenAnswer> {
		if (this.refreshing?.rejected === rejected) return this.refreshing.answer;
		const answer = this.refreshUnderLock(rejected).finally(() => {
			if (this.refreshing?.answer === answer) this.refreshing = undefined;
		});
		this.refreshing = { rejected, answer };
		return answer;
	}

	/** The token values in use, to keep them out of what the server sends back (and so out of the recording). */
	secrets(): string[] {
		const record = this.record;
		return record ? [record.accessToken, ...(record.refreshToken ? [record.refreshToken] : [])] : [];
	}

	/** The scopes of the stored grant (as the authorization server said, else as asked for). */
	grantedScope(): string | undefined {
		return this.current()?.scope;
	}

	/** Forgets what was read, so the next request reads the store again (after a login in this process). */
	reload(): void {
		this.loaded = false;
	}

	private current(): ServerCredentials | undefined {
		if (!this.loaded) {
			this.record = findServerCredentials(this.options.store, this.options.server)[0];
			this.loaded = true;
		}
		return this.record;
	}

	private async refreshUnderLock(rejected: string): Promise<TokenAnswer> {
		const { store, server } = this.options;
		return withCredentialLock({ file: this.options.lockFile }, async (): Promise<TokenAnswer> => {
			const issuer = this.record?.issuer;
			const stored = findServerCredentials(store, server);
			const current = stored.find((record) => record.issuer === issuer) ?? stored[0];
			this.record = current;
			this.loaded = true;
			if (!current) return {};
			// Another process (or `mcprec login`) got new tokens while this one waited.
			if (current.accessToken !== rejected && isServerTokenFresh(current)) return { token: current.accessToken };
			if (!current.refreshToken) return { problem: `the access token for ${server} expired and ${current.issuer} gave no refresh token` };
			const client = await loadOpenIdClient();
			const configuration = oauthConfiguration(client, {
				metadata: { issuer: current.issuer, token_endpoint: current.endpoints.token },
				clientId: current.clientId,
				clientSecret: current.clientSecret,
			});
			let tokens;
			try {
				tokens = await client.refreshTokenGrant(configuration, current.refreshToken, { resource: current.resource });
			} catch (error) {
				const failure = describeOidcFailure(error, client);
				if (failure.error === 'invalid_grant') {
					deleteServerCredentials(store, current);
					this.record = undefined;
					// Said once, here; the failed requests only point at the login.
					if (!this.saidDropped) this.options.warn(`${current.issuer} refused the stored refresh token for ${server} (invalid_grant: it was revoked or has expired); the stale tokens were deleted`);
					this.saidDropped = true;
					return { problem: 'the stored tokens are no longer accepted and were deleted' };
				}
				return { problem: `could not refresh the access token for ${server} at ${current.issuer} (${failure.message})` };
			}
			const now = Date.now();
			const next: ServerCredentials = {
				...current,
				accessToken: tokens.access_token,
				// Authorization servers that rotate send a new refresh token; the others keep the old one valid.
				refreshToken: tokens.refresh_token ?? current.refreshToken,
				expiresAt: tokens.expires_in === undefined ? undefined : now + tokens.expires_in * 1000,
				obtainedAt: now,
				scope: tokens.scope ?? current.scope,
			};
			writeServerCredentials(store, next);
			this.record = next;
			return { token: next.accessToken };
		});
	}
}
