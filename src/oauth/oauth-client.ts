// openid-client configured for one authorization server and client, from stored values,
// so refresh and revocation need no discovery. Loaded only when a token must be obtained,
// refreshed or revoked: `run --url` with a fresh token never loads it.

import type { Configuration, ServerMetadata } from 'openid-client';
import { isLoopback } from '../identity/is-loopback.js';
import type { OpenIdClient } from '../identity/oidc-client.js';

export interface OAuthClientSettings {
	/** The authorization server's metadata, or the endpoints kept with the tokens. */
	metadata: ServerMetadata;
	clientId: string;
	clientSecret?: string;
	timeoutSeconds?: number;
}

export function oauthConfiguration(client: OpenIdClient, settings: OAuthClientSettings): Configuration {
	const authentication = settings.clientSecret ? client.ClientSecretPost(settings.clientSecret) : client.None();
	const configuration = new client.Configuration(settings.metadata, settings.clientId, settings.clientSecret ? { client_secret: settings.clientSecret } : undefined, authentication);
	const endpoints = [settings.metadata.issuer, settings.metadata.token_endpoint, settings.metadata.authorization_endpoint].filter((value): value is string => typeof value === 'string');
	if (endpoints.some((value) => new URL(value).protocol === 'http:') && endpoints.every((value) => new URL(value).protocol === 'https:' || isLoopback(new URL(value)))) {
		client.allowInsecureRequests(configuration);
	}
	configuration.timeout = settings.timeoutSeconds ?? 15;
	return configuration;
}
