// What `run --url` loads for OAuth, and only `run --url`: the stored tokens of the server
// and the fetch that sends them (authorized-fetch.ts). With a desktop, a server that needs
// a sign-in gets one in the browser, once per process and scope (a step-up to more scopes
// asks again); without one, the client is told to run `mcprec login --url`.

import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { withCredentialLock } from '../identity/credential-lock.js';
import { canOpenBrowser, openBrowser } from '../identity/open-browser.js';
import type { CredentialStore } from '../identity/credential-store.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import { authorizationCodeLogin } from './authorization-code-login.js';
import { authorizedFetch } from './authorized-fetch.js';
import { canonicalServerUrl } from './canonical-server-url.js';
import { discoverAuthorization } from './discover-authorization.js';
import { writeServerCredentials } from './server-credentials.js';
import { ServerTokens } from './server-tokens.js';

export interface RemoteAuthorizationOptions {
	url: URL;
	/** One line for stderr, without the `mcprec: ` prefix. */
	warn: (text: string) => void;
	fetch?: typeof fetch;
}

/** How long `run` waits for a browser sign-in before the request fails with the login hint. */
const BROWSER_LOGIN_TIMEOUT_MS = 120_000;

/** The fetch for the upstream; undefined when the credential store cannot be opened (said on stderr). */
export function remoteAuthorization(options: RemoteAuthorizationOptions): typeof fetch | undefined {
	const { url, warn } = options;
	let store: CredentialStore;
	try {
		store = openCredentialStore().store;
	} catch (error) {
		warn(`the credential store cannot be opened (${(error as Error).message}); a server that requires signing in will refuse this session`);
		return undefined;
	}
	const lockFile = resolveCredentialPaths().lock;
	const tokens = new ServerTokens({ store, lockFile, server: canonicalServerUrl(url), warn });
	// One browser sign-in per scope asked for (none: what the server asks for), per process.
	const browserLogins = new Map<string, Promise<boolean>>();
	const login = (challenge: string | null, scope: string | undefined): Promise<boolean> => {
		let started = browserLogins.get(scope ?? '');
		if (!started) {
			started = browserLogin(challenge, scope);
			browserLogins.set(scope ?? '', started);
		}
		return started;
	};
	async function browserLogin(challenge: string | null, scope: string | undefined): Promise<boolean> {
		try {
			const authorization = await discoverAuthorization({ server: url, challenge, fetch: options.fetch });
			const record = await authorizationCodeLogin({
				authorization,
				store,
				lockFile,
				say: (text) => warn(text.trim()),
				openBrowser: (page) => {
					if (openBrowser(page)) warn('opened the sign-in page in your browser');
				},
				timeoutMs: BROWSER_LOGIN_TIMEOUT_MS,
				scope,
			});
			await withCredentialLock({ file: lockFile }, () => writeServerCredentials(store, record));
			warn(`signed in to ${authorization.server} at ${record.issuer}`);
			return true;
		} catch (error) {
			warn(`the sign-in to ${url.href} did not complete: ${(error as Error).message}`);
			return false;
		}
	}
	return authorizedFetch({ server: url, tokens, fetch: options.fetch, interactiveLogin: canOpenBrowser() ? login : undefined });
}
