// Secrets kept in the credential store and injected into a server's environment by
// `run --secret NAME`, so the MCP client's config never holds them (DESIGN §6).

import { UserError } from '../errors/user-error.js';
import { MIN_LITERAL_LENGTH } from '../masking/detectors/literal.js';
import { CredentialKey, type CredentialStore } from './credential-store.js';

const NAME = /^[A-Z_][A-Z0-9_]*$/;

/** A secret's name is the environment variable it becomes. */
export function checkSecretName(name: string): string {
	if (!NAME.test(name)) {
		const hint = NAME.test(name.toUpperCase()) ? ` (did you mean '${name.toUpperCase()}'?)` : '';
		throw new UserError(`'${name}' is not a valid secret name: use an environment variable name of capital letters, digits and _, not starting with a digit, e.g. GITHUB_TOKEN${hint}`);
	}
	return name;
}

// Masking finds an injected secret by its exact value; a very short value would mask ordinary text and is not masked at all.
export function checkSecretValue(name: string, value: string): string {
	if (value.length === 0) throw new UserError(`no value given for secret ${name}; type it at the prompt or pipe it on stdin`);
	if (value.length < MIN_LITERAL_LENGTH) throw new UserError(`the value of secret ${name} is too short to be masked reliably (at least ${MIN_LITERAL_LENGTH} characters)`);
	return value;
}

export function getSecret(store: CredentialStore, name: string): string | undefined {
	return store.get(CredentialKey.secretPrefix + name);
}

export function setSecret(store: CredentialStore, name: string, value: string): void {
	store.set(CredentialKey.secretPrefix + name, value);
}

export function removeSecret(store: CredentialStore, name: string): boolean {
	return store.delete(CredentialKey.secretPrefix + name);
}

export function listSecretNames(store: CredentialStore): string[] {
	return store.keys(CredentialKey.secretPrefix).map((key) => key.slice(CredentialKey.secretPrefix.length));
}
