// What `mcprec login` keeps in the credential store, and what is derived from it: the
// person (for sessions and policy `match.groups`) and whether the access token still holds.
// No ID token is kept: its claims are copied into `profile`, which keeps keychain entries small.

import type { SessionIdentity } from './session-identity.js';
import { CredentialKey, CredentialStoreError, type CredentialStore } from './credential-store.js';

/** Who signed in, from the ID token (and userinfo) claims. */
export interface LoginProfile {
	sub: string;
	email: string | null;
	name: string | null;
	groups: string[];
}

export interface LoginRecord {
	version: 1;
	issuer: string;
	clientId: string;
	/** The scopes granted (or requested, when the issuer did not say). */
	scope: string;
	groupsClaim: string;
	/** The resource indicator (RFC 8707) the access token was requested for, asked again on refresh. */
	resource?: string;
	/** From discovery, so a silent refresh needs no discovery request. */
	endpoints: { token: string; revocation?: string; userinfo?: string };
	profile: LoginProfile;
	accessToken: string;
	refreshToken?: string;
	/** ms since the epoch; absent when the issuer gave no lifetime. */
	expiresAt?: number;
	/** ms since the epoch, when these tokens were obtained. */
	obtainedAt: number;
}

export function readLogin(store: CredentialStore): LoginRecord | undefined {
	const text = store.get(CredentialKey.login);
	if (text === undefined) return undefined;
	try {
		const record = JSON.parse(text) as LoginRecord;
		if (record.version === 1 && typeof record.accessToken === 'string' && typeof record.profile?.sub === 'string') return record;
	} catch {
		// Reported below.
	}
	throw new CredentialStoreError(`the stored login in ${store.location} is damaged; run \`mcprec logout\`, then \`mcprec login\``);
}

export function writeLogin(store: CredentialStore, record: LoginRecord): void {
	store.set(CredentialKey.login, JSON.stringify(record));
}

/** The person described by token claims; groups from `groupsClaim` (a dot path such as realm_access.roles). */
export function profileFromClaims(claims: Record<string, unknown>, groupsClaim: string): LoginProfile {
	const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
	const fullName = [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ') || null;
	return {
		sub: String(claims.sub),
		email: text(claims.email),
		name: text(claims.name) ?? fullName ?? text(claims.preferred_username),
		groups: groupsOf(claimAt(claims, groupsClaim)),
	};
}

function claimAt(claims: Record<string, unknown>, path: string): unknown {
	if (path in claims) return claims[path];
	let value: unknown = claims;
	for (const part of path.split('.')) {
		if (typeof value !== 'object' || value === null) return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

// Providers send groups as a list, or as one string (some space- or comma-separated).
function groupsOf(value: unknown): string[] {
	if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
	if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
	return [];
}

/** True while the access token is usable: unexpired, with a margin of 30 s or a tenth of its lifetime, whichever is less. */
export function isAccessTokenFresh(record: LoginRecord, now = Date.now()): boolean {
	if (record.expiresAt === undefined) return true;
	const margin = Math.min(30_000, Math.max(0, (record.expiresAt - record.obtainedAt) / 10));
	return now < record.expiresAt - margin;
}

export function sessionIdentityOf(record: LoginRecord): SessionIdentity {
	const { sub, email, name, groups } = record.profile;
	return { issuer: record.issuer, sub, email, name, groups };
}
