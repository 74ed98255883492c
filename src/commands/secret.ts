// `mcprec secret set|list|rm`: values kept in the credential store and injected into a
// server's environment by `run --secret NAME`. No command here ever prints a value.

import { UserError } from '../errors/user-error.js';
import { resolveCredentialPaths } from '../identity/credential-paths.js';
import { withCredentialLock } from '../identity/credential-lock.js';
import { openCredentialStore } from '../identity/open-credential-store.js';
import { readSecretValue } from '../identity/read-secret-value.js';
import { checkSecretName, checkSecretValue, listSecretNames, removeSecret, setSecret } from '../identity/secrets.js';
import { describeStore } from './whoami.js';

export interface SecretListOptions {
	json?: boolean;
}

export async function secretSetCommand(name: string): Promise<void> {
	checkSecretName(name);
	const { store } = openCredentialStore();
	// Fail on an unusable store before the person types the value.
	listSecretNames(store);
	let value: string;
	try {
		value = await readSecretValue({ prompt: `Value for ${name} (input hidden): ` });
	} catch (error) {
		if ((error as Error).name === 'AbortError') throw new UserError('cancelled; nothing was saved', 130);
		throw error;
	}
	checkSecretValue(name, value);
	await withCredentialLock({ file: resolveCredentialPaths().lock }, () => setSecret(store, name, value));
	process.stdout.write(`Saved secret ${name} in ${describeStore(store)}. Use it with: mcprec run --secret ${name} -- <server command>\n`);
}

export async function secretListCommand(options: SecretListOptions): Promise<void> {
	const { store } = openCredentialStore();
	const names = listSecretNames(store);
	if (options.json) {
		process.stdout.write(`${JSON.stringify(names)}\n`);
		return;
	}
	if (names.length === 0) process.stderr.write(`No secrets in ${describeStore(store)}. Add one with: mcprec secret set NAME\n`);
	for (const name of names) process.stdout.write(`${name}\n`);
}

export async function secretRemoveCommand(name: string): Promise<void> {
	checkSecretName(name);
	const { store } = openCredentialStore();
	const removed = await withCredentialLock({ file: resolveCredentialPaths().lock }, () => removeSecret(store, name));
	if (!removed) throw new UserError(`no secret named ${name} in ${describeStore(store)} (see \`mcprec secret list\`)`);
	process.stdout.write(`Removed secret ${name}.\n`);
}
