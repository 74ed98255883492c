// The seam between identity code and where credentials are kept (DESIGN §6): the OS
// keychain or a private file. Both hold small string values under string keys.

export type CredentialStoreKind = 'keyring' | 'file';

/** A key/value store for tokens and secrets. Writers hold the credential lock (credential-lock.ts). */
export interface CredentialStore {
	readonly kind: CredentialStoreKind;
	/** The file path, or the keychain service name, for messages and `whoami`. */
	readonly location: string;
	get(key: string): string | undefined;
	set(key: string, value: string): void;
	/** True when something was deleted. */
	delete(key: string): boolean;
	/** The keys that start with `prefix`, sorted. */
	keys(prefix: string): string[];
}

/** The credential store cannot be used as configured: the message says why and what to do. */
export class CredentialStoreError extends Error {
	override name = 'CredentialStoreError';
}

/** Keys used in the store. */
export const CredentialKey = {
	login: 'login',
	secretPrefix: 'secret.',
} as const;
