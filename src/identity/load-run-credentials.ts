// What `mcprec run` needs from the credential store before the session starts: the
// signed-in person (refreshed silently, never prompted for) and the secrets to inject.
// Problems become a refusal only when the session cannot run without the missing piece
// (policy identity.required, or a --secret that cannot be had); otherwise a warning.

import type { SessionIdentity } from './session-identity.js';
import { UserError } from '../errors/user-error.js';
import { resolveCredentialPaths } from './credential-paths.js';
import { CredentialStoreError, type CredentialStore } from './credential-store.js';
import { sessionIdentityOf, type LoginRecord } from './login-record.js';
import { openCredentialStore } from './open-credential-store.js';
import { loadFreshLogin } from './refresh-login.js';
import { checkSecretName, getSecret } from './secrets.js';

export interface RunCredentials {
	identity: SessionIdentity | null;
	/** Name and value of each requested secret, for the child's environment and for masking. */
	secrets: { name: string; value: string }[];
	/** The stored login's tokens, never injected anywhere but masked like secrets should a server echo one. */
	loginTokens?: { name: string; value: string }[];
	/** Set when the session must not start; the message tells the person what to do. */
	refusal?: { message: string; reason: 'identity-required' | 'secret-missing' };
	/** Said on stderr; never contains a secret value. */
	warnings: string[];
}

export interface LoadRunCredentialsOptions {
	identityRequired: boolean;
	/** Why, when the policy did not say `identity.required: true` itself (a rule on groups). */
	identityRequiredBecause?: string;
	secretNames: string[];
	environment?: NodeJS.ProcessEnv;
}

const LOGIN_HINT = 'run `mcprec login`, then restart this server in your MCP client';

export async function loadRunCredentials(options: LoadRunCredentialsOptions): Promise<RunCredentials> {
	const environment = options.environment ?? process.env;
	const result: RunCredentials = { identity: null, secrets: [], warnings: [] };
	const refuseIdentity = (why: string) => {
		result.refusal = { message: `this server's policy requires a signed-in user (${options.identityRequiredBecause ?? 'identity.required: true'}), but ${why}: ${LOGIN_HINT}`, reason: 'identity-required' };
	};
	let store: CredentialStore;
	try {
		store = openCredentialStore(environment).store;
	} catch (error) {
		if (!(error instanceof CredentialStoreError)) throw error;
		if (options.identityRequired) refuseIdentity(`the credential store cannot be used (${error.message})`);
		else if (options.secretNames.length > 0) result.refusal = { message: `cannot read the secrets to inject: ${error.message}`, reason: 'secret-missing' };
		else result.warnings.push(`running without identity: ${error.message}`);
		return result;
	}
	try {
		await loadIdentity(store, options.identityRequired, result, refuseIdentity, environment);
	} catch (error) {
		if (!(error instanceof CredentialStoreError)) throw error;
		if (options.identityRequired) refuseIdentity(`the stored login cannot be read (${error.message})`);
		else result.warnings.push(`running without identity: ${error.message}`);
	}
	if (!result.refusal) loadSecrets(store, options.secretNames, result);
	return result;
}

async function loadIdentity(
	store: CredentialStore,
	required: boolean,
	result: RunCredentials,
	refuseIdentity: (why: string) => void,
	environment: NodeJS.ProcessEnv,
): Promise<void> {
	const login = await loadFreshLogin({ store, lockFile: resolveCredentialPaths(environment).lock });
	if (!login.problem) {
		result.identity = sessionIdentityOf(login.record);
		result.loginTokens = loginTokensOf(login.record);
		return;
	}
	const problem = login.problem;
	if (problem.kind === 'signed-out') {
		if (required) refuseIdentity('you are not signed in');
		return;
	}
	if (problem.kind === 'expired') {
		if (required) refuseIdentity(`your login has expired and could not be renewed (${problem.message})`);
		else result.warnings.push(`your login has expired and could not be renewed (${problem.message}); this session is recorded without identity: ${LOGIN_HINT}`);
		return;
	}
	// Unreachable issuer: the person did sign in; record who, unless the policy demands a live login.
	if (required) refuseIdentity(`your login could not be renewed: the identity provider is unreachable (${problem.message})`);
	else {
		result.identity = sessionIdentityOf(problem.record);
		result.loginTokens = loginTokensOf(problem.record);
		result.warnings.push(`could not renew your login, the identity provider is unreachable (${problem.message}); recording the last known identity`);
	}
}

function loginTokensOf(record: LoginRecord): { name: string; value: string }[] {
	const tokens = [{ name: 'login-access-token', value: record.accessToken }];
	if (record.refreshToken) tokens.push({ name: 'login-refresh-token', value: record.refreshToken });
	return tokens;
}

function loadSecrets(store: CredentialStore, names: string[], result: RunCredentials): void {
	for (const name of new Set(names)) {
		try {
			checkSecretName(name);
		} catch (error) {
			if (!(error instanceof UserError)) throw error;
			result.refusal = { message: `--secret: ${error.message}`, reason: 'secret-missing' };
			return;
		}
		let value: string | undefined;
		try {
			value = getSecret(store, name);
		} catch (error) {
			if (!(error instanceof CredentialStoreError)) throw error;
			result.refusal = { message: `cannot read secret ${name}: ${error.message}`, reason: 'secret-missing' };
			return;
		}
		if (value === undefined) {
			result.refusal = { message: `secret ${name} is not in the credential store (${store.location}): run \`mcprec secret set ${name}\`, then restart this server`, reason: 'secret-missing' };
			return;
		}
		result.secrets.push({ name, value });
	}
}
