// The signed-in person's access token for talking to the collector, refreshed silently
// when it has expired (never prompts: `run` uses it too). Kept in memory while fresh.
// One source for every caller; each says how a missing login reads in its own words.

import type { CredentialStore } from '../identity/credential-store.js';
import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { isAccessTokenFresh, type LoginRecord } from '../identity/login-record.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import { loadFreshLogin, type LoginProblem } from '../identity/refresh-login.js';

export interface BearerTokenOptions {
	/** The credential store and its lock file (default: the ones this environment uses). */
	store?: CredentialStore;
	lockFile?: string;
	/** The error to throw when there is no usable login (default: a plain Error saying why). */
	describeProblem?: (problem: LoginProblem) => Error;
}

/** A function that yields a usable bearer token, or throws saying why there is none. */
export function createBearerTokenSource(options: BearerTokenOptions = {}): () => Promise<string> {
	let record: LoginRecord | undefined;
	return async function bearerToken() {
		if (record && isAccessTokenFresh(record)) return record.accessToken;
		const store = options.store ?? openCredentialStore().store;
		const login = await loadFreshLogin({ store, lockFile: options.lockFile ?? resolveCredentialPaths().lock });
		if (login.problem) throw (options.describeProblem ?? plainProblem)(login.problem);
		record = login.record;
		return record.accessToken;
	};
}

function plainProblem(problem: LoginProblem): Error {
	return new Error(problem.kind === 'signed-out' ? 'not signed in (`mcprec login`)' : problem.message);
}
