// `mcprec login`: OIDC discovery, then the device authorization grant (RFC 8628). The
// person approves on any device with a browser, so it works over SSH and headless; the
// polling (interval, slow_down, expiry) is openid-client's, per RFC 8628 §3.5.

import type { Configuration, DeviceAuthorizationResponse, TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client';
import { UserError } from '../errors/user-error.js';
import type { IdentitySettings } from './identity-settings.js';
import { profileFromClaims, type LoginRecord } from './login-record.js';
import { describeOidcFailure, discoverIssuer, loadOpenIdClient, type OpenIdClient } from './oidc-client.js';

/** Exit codes of `mcprec login` beyond the usual 0 and 2. */
export const LoginExit = { refused: 1, issuerProblem: 4 } as const;

export interface DeviceLoginOptions {
	settings: IdentitySettings;
	/** Where the instructions go (stderr). */
	say: (text: string) => void;
	/** Called with the complete verification URL when a browser should be opened. */
	openBrowser?: (url: string) => void;
}

export async function deviceLogin(options: DeviceLoginOptions): Promise<LoginRecord> {
	const { settings, say } = options;
	const client = await loadOpenIdClient();
	const configuration = await discover(client, settings);
	const metadata = configuration.serverMetadata();
	if (!metadata.device_authorization_endpoint) {
		throw new UserError(`the identity provider at ${settings.issuer} does not offer the device authorization grant (its discovery document has no device_authorization_endpoint)`);
	}
	const authorization = await startDeviceAuthorization(client, configuration, settings);
	tellPerson(authorization, say);
	if (options.openBrowser) options.openBrowser(authorization.verification_uri_complete ?? authorization.verification_uri);
	const tokens = await waitForApproval(client, configuration, authorization, settings);
	const claims = { ...((tokens.claims() as Record<string, unknown> | undefined) ?? {}) };
	if (metadata.userinfo_endpoint) Object.assign(claims, await userInfo(client, configuration, tokens.access_token, claims.sub), claims.sub ? { sub: claims.sub } : {});
	if (typeof claims.sub !== 'string') {
		throw new UserError(`the identity provider at ${settings.issuer} did not say who you are (no ID token and no userinfo); is the 'openid' scope allowed for client '${settings.clientId}'?`, LoginExit.issuerProblem);
	}
	const now = Date.now();
	return {
		version: 1,
		issuer: metadata.issuer,
		clientId: settings.clientId,
		scope: tokens.scope ?? settings.scopes.join(' '),
		groupsClaim: settings.groupsClaim,
		...(settings.resource ? { resource: settings.resource } : {}),
		endpoints: { token: metadata.token_endpoint!, revocation: metadata.revocation_endpoint, userinfo: metadata.userinfo_endpoint },
		profile: profileFromClaims(claims, settings.groupsClaim),
		accessToken: tokens.access_token,
		refreshToken: tokens.refresh_token,
		expiresAt: tokens.expires_in === undefined ? undefined : now + tokens.expires_in * 1000,
		obtainedAt: now,
	};
}

async function discover(client: OpenIdClient, settings: IdentitySettings): Promise<Configuration> {
	try {
		return await discoverIssuer({ client, issuer: settings.issuer, clientId: settings.clientId });
	} catch (error) {
		const failure = describeOidcFailure(error, client);
		const what = failure.unreachable ? `cannot reach the identity provider at ${settings.issuer}` : `${settings.issuer} did not answer OpenID Connect discovery`;
		throw new UserError(`${what} (${failure.message}); check --issuer, identity.issuer in config.yaml or MCPREC_ISSUER`, LoginExit.issuerProblem);
	}
}

async function startDeviceAuthorization(client: OpenIdClient, configuration: Configuration, settings: IdentitySettings): Promise<DeviceAuthorizationResponse> {
	try {
		return await client.initiateDeviceAuthorization(configuration, { scope: settings.scopes.join(' '), ...resourceParameter(settings) });
	} catch (error) {
		const failure = describeOidcFailure(error, client);
		if (failure.error === 'invalid_client' || failure.error === 'unauthorized_client') {
			throw new UserError(`the identity provider refused client id '${settings.clientId}' (${failure.message}); check --client-id, identity.clientId or MCPREC_CLIENT_ID`);
		}
		if (failure.error === 'invalid_target') throw new UserError(`the identity provider does not issue tokens for the resource '${settings.resource}' (${failure.message}); check --resource, sync.audience or server.audience in config.yaml`);
		if (failure.error === 'invalid_scope') throw new UserError(`the identity provider refused the scopes '${settings.scopes.join(' ')}' (${failure.message}); check --scope`);
		throw new UserError(`the identity provider at ${settings.issuer} refused to start the sign-in (${failure.message})`, LoginExit.issuerProblem);
	}
}

function tellPerson(authorization: DeviceAuthorizationResponse, say: (text: string) => void): void {
	const minutes = Math.max(1, Math.round(authorization.expires_in / 60));
	say(`To sign in, open ${authorization.verification_uri} in a browser on any device and enter the code:\n\n    ${authorization.user_code}\n`);
	if (authorization.verification_uri_complete) say(`Or open this link, which carries the code:\n    ${authorization.verification_uri_complete}\n`);
	say(`Waiting for you to approve… (the code expires in ${minutes} min; Ctrl-C to cancel)`);
}

async function waitForApproval(
	client: OpenIdClient,
	configuration: Configuration,
	authorization: DeviceAuthorizationResponse,
	settings: IdentitySettings,
): Promise<TokenEndpointResponse & TokenEndpointResponseHelpers> {
	// Our own deadline, so running out of time reads as the code's expiry, not a network timeout.
	const deadline = new AbortController();
	const timer = setTimeout(() => deadline.abort(), authorization.expires_in * 1000);
	try {
		return await client.pollDeviceAuthorizationGrant(configuration, authorization, resourceParameter(settings), { signal: deadline.signal });
	} catch (error) {
		const failure = describeOidcFailure(error, client);
		if (failure.error === 'access_denied') throw new UserError(`sign-in was denied at the identity provider (${failure.message})`, LoginExit.refused);
		if (failure.error === 'expired_token' || deadline.signal.aborted) {
			throw new UserError('the code expired before it was approved; run `mcprec login` again and approve within the time shown', LoginExit.refused);
		}
		if (failure.unreachable) throw new UserError(`lost contact with the identity provider at ${settings.issuer} while waiting (${failure.message})`, LoginExit.issuerProblem);
		throw new UserError(`the identity provider at ${settings.issuer} refused the sign-in (${failure.message})`, LoginExit.issuerProblem);
	} finally {
		clearTimeout(timer);
	}
}

// RFC 8707 §2: the audience the access token is for (the collector), in both requests.
function resourceParameter(settings: IdentitySettings): Record<string, string> {
	return settings.resource ? { resource: settings.resource } : {};
}

// Best effort: userinfo often carries claims (email, groups) the ID token leaves out.
async function userInfo(client: OpenIdClient, configuration: Configuration, accessToken: string, subject: unknown): Promise<Record<string, unknown>> {
	try {
		return (await client.fetchUserInfo(configuration, accessToken, typeof subject === 'string' ? subject : client.skipSubjectCheck)) as Record<string, unknown>;
	} catch {
		return {};
	}
}
