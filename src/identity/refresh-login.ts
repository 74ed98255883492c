// The stored login with a usable access token, refreshed silently when it expired
// (`run` never prompts, DESIGN §2). Refreshing happens under the credential lock and
// re-reads the store first: when several mcprec processes start together, one refreshes
// and the others use its token, so a rotated refresh token is never used twice or lost.

import type { TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client';
import { withCredentialLock } from './credential-lock.js';
import type { CredentialStore } from './credential-store.js';
import { configurationFromLogin, describeOidcFailure, loadOpenIdClient } from './oidc-client.js';
import { isAccessTokenFresh, profileFromClaims, readLogin, writeLogin, type LoginRecord } from './login-record.js';

/** Why there is no usable login. `record` is the stale login when there is one. */
export type LoginProblem =
	| { kind: 'signed-out' }
	/** The issuer refused to refresh (refresh token revoked or expired): only `mcprec login` helps. */
	| { kind: 'expired'; message: string; record: LoginRecord }
	/** The issuer could not be reached; the login may still be good. */
	| { kind: 'unreachable'; message: string; record: LoginRecord };

export type FreshLogin = { record: LoginRecord; refreshed: boolean; problem?: undefined } | { problem: LoginProblem; record?: undefined };

export interface LoadFreshLoginOptions {
	store: CredentialStore;
	lockFile: string;
	/** Per request to the issuer (default 10 s). */
	timeoutSeconds?: number;
}

export async function loadFreshLogin(options: LoadFreshLoginOptions): Promise<FreshLogin> {
	const { store } = options;
	const record = readLogin(store);
	if (!record) return { problem: { kind: 'signed-out' } };
	if (isAccessTokenFresh(record)) return { record, refreshed: false };
	if (!record.refreshToken) {
		return { problem: { kind: 'expired', message: 'the access token expired and the issuer gave no refresh token', record } };
	}
	return withCredentialLock({ file: options.lockFile }, async (): Promise<FreshLogin> => {
		const current = readLogin(store);
		if (!current) return { problem: { kind: 'signed-out' } };
		// Another process refreshed while this one waited for the lock.
		if (isAccessTokenFresh(current)) return { record: current, refreshed: false };
		if (!current.refreshToken) return { problem: { kind: 'expired', message: 'the access token expired and the issuer gave no refresh token', record: current } };
		const client = await loadOpenIdClient();
		let tokens: TokenEndpointResponse & TokenEndpointResponseHelpers;
		try {
			tokens = await client.refreshTokenGrant(configurationFromLogin(client, current, options.timeoutSeconds ?? 10), current.refreshToken, current.resource ? { resource: current.resource } : undefined);
		} catch (error) {
			const failure = describeOidcFailure(error, client);
			return { problem: { kind: failure.unreachable ? 'unreachable' : 'expired', message: failure.message, record: current } };
		}
		const next = recordAfterRefresh(current, tokens);
		writeLogin(store, next);
		return { record: next, refreshed: true };
	});
}

function recordAfterRefresh(current: LoginRecord, tokens: TokenEndpointResponse & TokenEndpointResponseHelpers): LoginRecord {
	const now = Date.now();
	const claims = tokens.claims();
	return {
		...current,
		accessToken: tokens.access_token,
		// Issuers that rotate send a new refresh token; the others keep the old one valid.
		refreshToken: tokens.refresh_token ?? current.refreshToken,
		expiresAt: tokens.expires_in === undefined ? undefined : now + tokens.expires_in * 1000,
		obtainedAt: now,
		scope: tokens.scope ?? current.scope,
		profile: claims ? mergeProfile(current, claims as Record<string, unknown>) : current.profile,
	};
}

// A refreshed ID token may carry fewer claims than the first one; keep what it omits.
function mergeProfile(current: LoginRecord, claims: Record<string, unknown>): LoginRecord['profile'] {
	const fresh = profileFromClaims(claims, current.groupsClaim);
	const hasGroups = current.groupsClaim in claims || current.groupsClaim.split('.')[0]! in claims;
	return {
		sub: fresh.sub,
		email: fresh.email ?? current.profile.email,
		name: fresh.name ?? current.profile.name,
		groups: hasGroups ? fresh.groups : current.profile.groups,
	};
}
