// openid-client, loaded only by the commands that talk to the identity provider (it and
// its crypto would slow every `mcprec run` down), plus one way to describe its failures.

import type { Configuration } from 'openid-client';
import { isLoopback } from './is-loopback.js';
import type { LoginRecord } from './login-record.js';

export type OpenIdClient = typeof import('openid-client');

export function loadOpenIdClient(): Promise<OpenIdClient> {
	return import('openid-client');
}

/** OIDC discovery for `issuer`; plain http is allowed for loopback issuers only (tests, local providers). */
export async function discoverIssuer(options: { client: OpenIdClient; issuer: string; clientId: string; timeoutSeconds?: number }): Promise<Configuration> {
	const { client } = options;
	const url = new URL(options.issuer);
	const execute = url.protocol === 'http:' && isLoopback(url) ? [client.allowInsecureRequests] : [];
	const configuration = await client.discovery(url, options.clientId, undefined, client.None(), { execute, timeout: options.timeoutSeconds ?? 30 });
	if (options.timeoutSeconds !== undefined) configuration.timeout = options.timeoutSeconds;
	return configuration;
}

/** A configuration from the endpoints stored at login, so refresh and revocation need no discovery. */
export function configurationFromLogin(client: OpenIdClient, record: LoginRecord, timeoutSeconds: number): Configuration {
	const configuration = new client.Configuration(
		{
			issuer: record.issuer,
			token_endpoint: record.endpoints.token,
			revocation_endpoint: record.endpoints.revocation,
			userinfo_endpoint: record.endpoints.userinfo,
		},
		record.clientId,
		undefined,
		client.None(),
	);
	const url = new URL(record.issuer);
	if (url.protocol === 'http:' && isLoopback(url)) client.allowInsecureRequests(configuration);
	configuration.timeout = timeoutSeconds;
	return configuration;
}

/** How an OIDC call failed, in words, and whether the issuer could not be reached at all. */
export interface OidcFailure {
	/** The OAuth error code when the issuer answered with one (access_denied, invalid_grant…). */
	error?: string;
	unreachable: boolean;
	message: string;
}

export function describeOidcFailure(error: unknown, client?: OpenIdClient): OidcFailure {
	if (client && error instanceof client.ResponseBodyError) {
		const detail = error.error_description ? `: ${error.error_description}` : '';
		return { error: error.error, unreachable: false, message: `${error.error}${detail}` };
	}
	const failure = error as Error & { code?: string; cause?: unknown };
	if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') return { unreachable: true, message: 'the request timed out' };
	if (failure instanceof TypeError) {
		const cause = failure.cause as { code?: string; message?: string } | undefined;
		return { unreachable: true, message: cause?.code ?? cause?.message ?? failure.message };
	}
	if (client && error instanceof client.ClientError) {
		if (error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT') return { unreachable: true, message: 'the request timed out' };
		const cause = error.cause as { message?: string } | undefined;
		const status = (error.cause as { status?: number } | undefined)?.status;
		return { unreachable: false, message: `${error.message}${status ? ` (HTTP ${status})` : cause?.message ? ` (${cause.message})` : ''}` };
	}
	return { unreachable: false, message: failure?.message ?? String(error) };
}
