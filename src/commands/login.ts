// `mcprec login`: sign in with the company's identity provider (OIDC device flow) and keep
// the tokens in the credential store, where `run` finds and refreshes them.

import { resolveStatePaths } from '../config/paths.js';
import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { withCredentialLock } from '../identity/credential-lock.js';
import { deviceLogin } from '../identity/device-login.js';
import { ensurePrivateDirectory } from '../identity/file-credential-store.js';
import { resolveIdentitySettings, type IdentityFlags } from '../identity/identity-settings.js';
import { readLogin, writeLogin, type LoginRecord } from '../identity/login-record.js';
import { canOpenBrowser, openBrowser } from '../identity/open-browser.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import { describeStore } from './whoami.js';

export interface LoginOptions extends IdentityFlags {
	/** False with --no-browser. */
	browser?: boolean;
	/** `--url`: sign in to a remote MCP server instead of the company identity provider. */
	url?: string;
	clientMetadataUrl?: string;
}

export async function loginCommand(options: LoginOptions): Promise<void> {
	if (options.url !== undefined) {
		const { serverLoginCommand } = await import('./server-login.js');
		await serverLoginCommand({ ...options, url: options.url });
		return;
	}
	const say = (text: string) => process.stderr.write(`${text}\n`);
	const settings = resolveIdentitySettings({ flags: options, configFile: resolveStatePaths().config });
	const { store, fallbackReason } = openCredentialStore();
	const paths = resolveCredentialPaths();
	// Find an unusable store now, not after the person has approved the sign-in.
	if (store.kind === 'file') ensurePrivateDirectory(paths.directory);
	readLogin(store);
	const record = await deviceLogin({
		settings,
		say,
		openBrowser:
			options.browser !== false && canOpenBrowser()
				? (url) => {
						if (openBrowser(url)) say('Opened the page in your browser.');
					}
				: undefined,
	});
	await withCredentialLock({ file: paths.lock }, () => writeLogin(store, record));
	process.stdout.write(`${describeLogin(record)}\nCredentials kept in ${describeStore(store)}.\n`);
	if (fallbackReason) say(`(no OS keychain: ${fallbackReason})`);
}

function describeLogin(record: LoginRecord): string {
	const { name, email, sub, groups } = record.profile;
	const who = name && email ? `${name} <${email}>` : (email ?? name ?? sub);
	const lines = [`✓ Signed in to ${record.issuer} as ${who}`];
	if (groups.length > 0) lines.push(`  groups: ${groups.join(', ')}`);
	if (!record.refreshToken) lines.push('  (the identity provider gave no refresh token: you will have to sign in again when the access token expires)');
	return lines.join('\n');
}
