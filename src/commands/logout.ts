// `mcprec logout`: revoke the refresh token at the identity provider when it offers
// revocation, then delete the local tokens. Offline, the local tokens go anyway.

import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { withCredentialLock } from '../identity/credential-lock.js';
import { CredentialKey, CredentialStoreError } from '../identity/credential-store.js';
import { readLogin, type LoginRecord } from '../identity/login-record.js';
import { configurationFromLogin, describeOidcFailure, loadOpenIdClient } from '../identity/oidc-client.js';
import { openCredentialStore } from '../identity/open-credential-store.js';

export interface LogoutOptions {
	/** `--url`: sign out of a remote MCP server instead of the company identity provider. */
	url?: string;
}

export async function logoutCommand(options: LogoutOptions = {}): Promise<void> {
	if (options.url !== undefined) {
		const { serverLogoutCommand } = await import('./server-login.js');
		await serverLogoutCommand(options.url);
		return;
	}
	const { store } = openCredentialStore();
	let record: LoginRecord | undefined;
	try {
		record = readLogin(store);
	} catch (error) {
		// A damaged login cannot be revoked, but it can still be deleted.
		if (!(error instanceof CredentialStoreError) || store.get(CredentialKey.login) === undefined) throw error;
	}
	if (!record && store.get(CredentialKey.login) === undefined) {
		process.stderr.write('Not signed in; nothing to do.\n');
		return;
	}
	if (record) await revoke(record);
	await withCredentialLock({ file: resolveCredentialPaths().lock }, () => store.delete(CredentialKey.login));
	const who = record ? ` of ${record.issuer} (${record.profile.email ?? record.profile.name ?? record.profile.sub})` : '';
	process.stdout.write(`Signed out${who}; local tokens deleted.\n`);
}

async function revoke(record: LoginRecord): Promise<void> {
	const warn = (text: string) => process.stderr.write(`mcprec: warning: ${text}\n`);
	if (!record.refreshToken) return;
	if (!record.endpoints.revocation) {
		warn(`${record.issuer} offers no token revocation; the refresh token stays valid at the issuer until it expires`);
		return;
	}
	const client = await loadOpenIdClient();
	try {
		await client.tokenRevocation(configurationFromLogin(client, record, 10), record.refreshToken, { token_type_hint: 'refresh_token' });
	} catch (error) {
		const failure = describeOidcFailure(error, client);
		const why = failure.unreachable ? `could not reach ${record.issuer} (${failure.message})` : `${record.issuer} refused to revoke it (${failure.message})`;
		warn(`the refresh token was not revoked: ${why}; it stays valid at the issuer until it expires. Deleting the local tokens anyway`);
	}
}
