// `mcprec login`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { LoginOptions } from './login.js';

export const LOGIN_COMMAND: CommandSpec = {
	name: 'login',
	description: 'sign in with your identity provider (OIDC device flow); `run` then records who you are',
	options: [
		{ flags: '--issuer <url>', description: 'the identity provider (default: identity.issuer in config.yaml, else $MCPREC_ISSUER)' },
		{ flags: '--client-id <id>', description: 'the client id registered for mcprec (default: identity.clientId, else $MCPREC_CLIENT_ID)' },
		{ flags: '--scope <scopes>', description: 'extra scopes, space- or comma-separated (always requested: openid profile email offline_access)' },
		{ flags: '--groups-claim <claim>', description: 'the claim that lists your groups, a dot path allowed (default: identity.groupsClaim, else groups)' },
		{
			flags: '--resource <aud>',
			description: "the audience to request the access token for (RFC 8707), e.g. the collector's (default: sync.audience, else server.audience)",
		},
		{ flags: '--no-browser', description: 'only print the verification URL and code; do not open a browser' },
	],
	helpAfter: `
Prints a URL and a code; approve on any device with a browser (works over SSH).
Tokens are kept in the OS keychain when one works, else in credentials.json (0600)
beside config.yaml; MCPREC_CREDENTIAL_STORE=keyring|file forces one.

Exit codes: 0 signed in, 1 denied or the code expired, 2 bad usage, configuration or
credential store, 4 the identity provider could not be reached or failed.

Example config.yaml:
  identity: { issuer: https://login.example.com, clientId: mcprec-cli, scope: groups }`,
	action: async (options: LoginOptions) => {
		const { loginCommand } = await import('./login.js');
		await loginCommand(options);
	},
};
