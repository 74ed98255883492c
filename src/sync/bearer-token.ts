// The signed-in person's access token for talking to the collector, refreshed silently
// when it has expired (never prompts: `run` uses it too). Kept in memory while fresh.

import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { isAccessTokenFresh, type LoginRecord } from '../identity/login-record.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import { loadFreshLogin } from '../identity/refresh-login.js';

/** A function that yields a usable bearer token, or throws saying why there is none. */
export function createBearerTokenSource(environment: NodeJS.ProcessEnv = process.env): () => Promise<string> {
	let record: LoginRecord | undefined;
	return async function bearerToken() {
		if (record && isAccessTokenFresh(record)) return record.accessToken;
		const { store } = openCredentialStore(environment);
		const login = await loadFreshLogin({ store, lockFile: resolveCredentialPaths(environment).lock });
		if (login.problem) throw new Error(login.problem.kind === 'signed-out' ? 'not signed in (`mcprec login`)' : login.problem.message);
		record = login.record;
		return record.accessToken;
	};
}
