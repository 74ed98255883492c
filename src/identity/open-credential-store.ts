// Which credential store this process uses (DESIGN §6): MCPREC_CREDENTIAL_STORE forces
// one; otherwise the OS keychain when a probe shows it works, else the private file.

import { resolveStatePaths } from '../config/paths.js';
import { resolveCredentialPaths } from './credential-paths.js';
import { CredentialStoreError, type CredentialStore } from './credential-store.js';
import { fileCredentialStore } from './file-credential-store.js';
import { openKeyringStore } from './keyring-credential-store.js';

export interface OpenedCredentialStore {
	store: CredentialStore;
	/** Why the file store is used although none was forced (the keychain's problem). */
	fallbackReason?: string;
}

export function openCredentialStore(environment: NodeJS.ProcessEnv = process.env): OpenedCredentialStore {
	const forced = environment.MCPREC_CREDENTIAL_STORE?.trim().toLowerCase() || undefined;
	const file = () => fileCredentialStore(resolveCredentialPaths(environment).file);
	if (forced === 'file') return { store: file() };
	if (forced !== undefined && forced !== 'keyring') {
		throw new CredentialStoreError(`MCPREC_CREDENTIAL_STORE='${environment.MCPREC_CREDENTIAL_STORE}' is not a credential store (expected keyring or file)`);
	}
	const keyring = probedKeyring(keyringService(environment), environment);
	if ('store' in keyring) return { store: keyring.store };
	if (forced === 'keyring') {
		throw new CredentialStoreError(
			`MCPREC_CREDENTIAL_STORE=keyring, but ${keyring.problem}. Unlock or start your keychain (on Linux: a Secret Service such as gnome-keyring), or set MCPREC_CREDENTIAL_STORE=file`,
		);
	}
	return { store: file(), fallbackReason: keyring.problem };
}

// The keychain is probed once per process and service (a write, a read and a delete: tens
// of milliseconds on some desktops), however many parts of `run` ask for the store.
const probed = new Map<string, ReturnType<typeof openKeyringStore>>();

function probedKeyring(service: string, environment: NodeJS.ProcessEnv): ReturnType<typeof openKeyringStore> {
	let keyring = probed.get(service);
	if (!keyring) {
		keyring = openKeyringStore(service, environment);
		probed.set(service, keyring);
	}
	return keyring;
}

// One keychain namespace per MCPREC_HOME, so a test or second profile never sees another's tokens.
function keyringService(environment: NodeJS.ProcessEnv): string {
	const home = resolveStatePaths(environment).home;
	return home ? `mcprec:${home}` : 'mcprec';
}
