// `mcprec login`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import { parseHttpUrl } from './parse-option-values.js';
import type { LoginOptions } from './login.js';

export const LOGIN_COMMAND: CommandSpec = {
	name: 'login',
	description: 'sign in with your identity provider (OIDC device flow); `run` then records who you are',
	options: [
		{ flags: '--url <url>', description: 'sign in to this remote MCP server instead (OAuth, MCP authorization spec); `run --url` then uses the tokens', parse: parseHttpUrl },
		{ flags: '--issuer <url>', description: 'the identity provider (default: identity.issuer in config.yaml, else $MCPREC_ISSUER)' },
		{ flags: '--client-id <id>', description: 'the client id registered for mcprec (default: identity.clientId, else $MCPREC_CLIENT_ID; with --url: a client pre-registered with the server\'s authorization server)' },
		{ flags: '--client-metadata-url <url>', description: "with --url: the https URL of mcprec's Client ID Metadata Document, used when the authorization server accepts one" },
		{ flags: '--scope <scopes>', description: 'extra scopes, space- or comma-separated (always requested: openid profile email offline_access; with --url: the scopes to ask for instead of the server\'s)' },
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

With --url, the remote server names its authorization server (RFC 9728); mcprec signs in
there with the authorization code flow and PKCE, the browser coming back to 127.0.0.1.
The client id is --client-id when given, else a Client ID Metadata Document (with
--client-metadata-url) when accepted, else one registered on the spot (RFC 7591).

Exit codes: 0 signed in, 1 denied or the code expired, 2 bad usage, configuration or
credential store, 4 the identity provider could not be reached or failed.

Example config.yaml:
  identity: { issuer: https://login.example.com, clientId: mcprec-cli, scope: groups }`,
	action: async (options: LoginOptions) => {
		const { loginCommand } = await import('./login.js');
		await loginCommand(options);
	},
};
