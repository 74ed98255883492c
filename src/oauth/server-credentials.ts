// What `mcprec login --url` keeps in the credential store: per remote server and
// authorization server, the tokens and what a silent refresh needs (client id, token
// endpoint, resource indicator), so `run --url` needs no discovery. Client registrations
// (RFC 7591) are kept per authorization server and reused by later logins.

import { CredentialStoreError, type CredentialStore } from '../identity/credential-store.js';

export interface ServerCredentials {
	version: 1;
	/** The server URL (canonicalServerUrl). */
	server: string;
	/** The authorization server's issuer. */
	issuer: string;
	/** The RFC 8707 resource the tokens are for, asked again on refresh. */
	resource: string;
	clientId: string;
	/** Only when a registration gave one (mcprec registers as a public client). */
	clientSecret?: string;
	endpoints: { token: string; revocation?: string };
	/** How the client id was obtained: pre-registered (--client-id), metadata-document or registered (RFC 7591). */
	clientKind: 'pre-registered' | 'metadata-document' | 'registered';
	scope?: string;
	accessToken: string;
	refreshToken?: string;
	/** ms since the epoch; absent when the authorization server gave no lifetime. */
	expiresAt?: number;
	obtainedAt: number;
}

/** A client registered with an authorization server (RFC 7591), reused by later logins. */
export interface ClientRegistration {
	clientId: string;
	clientSecret?: string;
	redirectUris: string[];
}

const PREFIX = 'oauth.';
const REGISTRATION_PREFIX = 'oauth-client.';

function keyOf(server: string, issuer: string): string {
	return `${PREFIX}${server} ${issuer}`;
}

/** The stored credentials for a server (one per authorization server that guarded it), newest first. */
export function findServerCredentials(store: CredentialStore, server: string): ServerCredentials[] {
	const found: ServerCredentials[] = [];
	for (const key of store.keys(`${PREFIX}${server} `)) {
		const text = store.get(key);
		if (text === undefined) continue;
		try {
			const record = JSON.parse(text) as ServerCredentials;
			if (record.version === 1 && record.server === server && typeof record.accessToken === 'string') found.push(record);
			else throw new Error('unexpected shape');
		} catch {
			throw new CredentialStoreError(`the stored tokens for ${server} in ${store.location} are damaged; run \`mcprec logout --url ${server}\`, then \`mcprec login --url ${server}\``);
		}
	}
	return found.sort((a, b) => b.obtainedAt - a.obtainedAt);
}

export function writeServerCredentials(store: CredentialStore, record: ServerCredentials): void {
	store.set(keyOf(record.server, record.issuer), JSON.stringify(record));
}

export function deleteServerCredentials(store: CredentialStore, record: Pick<ServerCredentials, 'server' | 'issuer'>): boolean {
	return store.delete(keyOf(record.server, record.issuer));
}

export function readClientRegistration(store: CredentialStore, issuer: string): ClientRegistration | undefined {
	const text = store.get(`${REGISTRATION_PREFIX}${issuer}`);
	if (text === undefined) return undefined;
	try {
		const registration = JSON.parse(text) as ClientRegistration;
		return typeof registration.clientId === 'string' ? registration : undefined;
	} catch {
		return undefined;
	}
}

export function writeClientRegistration(store: CredentialStore, issuer: string, registration: ClientRegistration): void {
	store.set(`${REGISTRATION_PREFIX}${issuer}`, JSON.stringify(registration));
}

export function deleteClientRegistration(store: CredentialStore, issuer: string): void {
	store.delete(`${REGISTRATION_PREFIX}${issuer}`);
}

/** True while the access token is usable, with the same margin as the company login (a tenth of its lifetime, at most 30 s). */
export function isServerTokenFresh(record: Pick<ServerCredentials, 'expiresAt' | 'obtainedAt'>, now = Date.now()): boolean {
	if (record.expiresAt === undefined) return true;
	const margin = Math.min(30_000, Math.max(0, (record.expiresAt - record.obtainedAt) / 10));
	return now < record.expiresAt - margin;
}
