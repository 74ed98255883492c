/** Signing in to a remote server cannot go on: the message says why and what to do. */
export class OAuthSetupError extends Error {
	override name = 'OAuthSetupError';
	constructor(
		message: string,
		/** `unreachable`: the network, not the configuration; `not-protected`: the server needs no sign-in. */
		readonly kind: 'unreachable' | 'not-protected' | 'refused' | 'setup' = 'setup',
	) {
		super(message);
	}
}
