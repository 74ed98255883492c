// `mcprec login --url` and `mcprec logout --url`: OAuth for one remote MCP server (MCP
// authorization spec), tokens kept in the credential store where `run --url` finds them.

import { UserError } from '../errors/user-error.js';
import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { withCredentialLock } from '../identity/credential-lock.js';
import { ensurePrivateDirectory } from '../identity/file-credential-store.js';
import { describeOidcFailure, loadOpenIdClient } from '../identity/oidc-client.js';
import { canOpenBrowser, openBrowser } from '../identity/open-browser.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import { authorizationCodeLogin } from '../oauth/authorization-code-login.js';
import { canonicalServerUrl } from '../oauth/canonical-server-url.js';
import { discoverAuthorization } from '../oauth/discover-authorization.js';
import { oauthConfiguration } from '../oauth/oauth-client.js';
import { OAuthSetupError } from '../oauth/oauth-setup-error.js';
import { deleteServerCredentials, findServerCredentials, writeServerCredentials, type ServerCredentials } from '../oauth/server-credentials.js';
import { describeStore } from './whoami.js';

export interface ServerLoginOptions {
	url: string;
	clientId?: string;
	clientMetadataUrl?: string;
	scope?: string;
	browser?: boolean;
}

/** Exit codes as for the company login: 1 refused or abandoned, 4 unreachable or failing. */
const EXIT = { refused: 1, unreachable: 4 } as const;

export async function serverLoginCommand(options: ServerLoginOptions): Promise<void> {
	const say = (text: string) => process.stderr.write(`${text}\n`);
	const server = new URL(options.url);
	const { store, fallbackReason } = openCredentialStore();
	const paths = resolveCredentialPaths();
	// Find an unusable store now, not after the person has signed in.
	if (store.kind === 'file') ensurePrivateDirectory(paths.directory);
	findServerCredentials(store, canonicalServerUrl(server));
	let record: ServerCredentials;
	try {
		const authorization = await discoverAuthorization({ server });
		record = await authorizationCodeLogin({
			authorization,
			store,
			lockFile: paths.lock,
			clientId: options.clientId,
			clientMetadataUrl: options.clientMetadataUrl,
			scope: options.scope,
			say,
			openBrowser:
				options.browser !== false && canOpenBrowser()
					? (url) => {
							if (openBrowser(url)) say('Opened the page in your browser.');
						}
					: undefined,
		});
	} catch (error) {
		throw asUserError(error);
	}
	await withCredentialLock({ file: paths.lock }, () => writeServerCredentials(store, record));
	const lines = [`✓ Signed in to ${record.server} (authorization server ${record.issuer}, client ${describeClient(record)})`];
	if (record.scope) lines.push(`  scopes: ${record.scope}`);
	if (!record.refreshToken) lines.push('  (no refresh token was issued: run this again when the access token expires)');
	lines.push(`Tokens kept in ${describeStore(store)}; \`mcprec run --url ${record.server}\` uses them.`);
	process.stdout.write(`${lines.join('\n')}\n`);
	if (fallbackReason) say(`(no OS keychain: ${fallbackReason})`);
}

export async function serverLogoutCommand(url: string): Promise<void> {
	const server = canonicalServerUrl(new URL(url));
	const { store } = openCredentialStore();
	const records = findServerCredentials(store, server);
	if (records.length === 0) {
		process.stderr.write(`Not signed in to ${server}; nothing to do.\n`);
		return;
	}
	for (const record of records) await revoke(record);
	await withCredentialLock({ file: resolveCredentialPaths().lock }, () => {
		for (const record of records) deleteServerCredentials(store, record);
	});
	process.stdout.write(`Signed out of ${server} (${records.map((record) => record.issuer).join(', ')}); local tokens deleted.\n`);
}

// RFC 7009: the refresh token first (revoking it ends the grant at most servers), then the access token.
async function revoke(record: ServerCredentials): Promise<void> {
	const warn = (text: string) => process.stderr.write(`mcprec: warning: ${text}\n`);
	if (!record.endpoints.revocation) {
		warn(`${record.issuer} offers no token revocation; the tokens stay valid there until they expire`);
		return;
	}
	const client = await loadOpenIdClient();
	const configuration = oauthConfiguration(client, {
		metadata: { issuer: record.issuer, token_endpoint: record.endpoints.token, revocation_endpoint: record.endpoints.revocation },
		clientId: record.clientId,
		clientSecret: record.clientSecret,
		timeoutSeconds: 10,
	});
	const tokens: [string, 'refresh_token' | 'access_token'][] = [...(record.refreshToken ? [[record.refreshToken, 'refresh_token'] as [string, 'refresh_token']] : []), [record.accessToken, 'access_token']];
	for (const [token, hint] of tokens) {
		try {
			await client.tokenRevocation(configuration, token, { token_type_hint: hint });
		} catch (error) {
			const failure = describeOidcFailure(error, client);
			const why = failure.unreachable ? `could not reach ${record.issuer} (${failure.message})` : `${record.issuer} refused to revoke it (${failure.message})`;
			warn(`the ${hint.replace('_', ' ')} was not revoked: ${why}; deleting the local tokens anyway`);
			return;
		}
	}
}

function describeClient(record: ServerCredentials): string {
	const how = { 'pre-registered': 'given with --client-id', 'metadata-document': 'a Client ID Metadata Document', registered: 'registered by mcprec' }[record.clientKind];
	return `${record.clientId}, ${how}`;
}

function asUserError(error: unknown): unknown {
	if (!(error instanceof OAuthSetupError)) return error;
	const exitCode = error.kind === 'unreachable' ? EXIT.unreachable : error.kind === 'refused' ? EXIT.refused : 2;
	return new UserError(error.message, exitCode);
}
