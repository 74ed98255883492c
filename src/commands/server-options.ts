// `mcprec server`'s command line (command-spec.ts says how tables are read). The defaults its
// help names are applied by resolveServerSettings, after config.yaml.

import type { ServerFlags } from '../server/resolve-server-settings.js';
import type { CommandSpec } from './command-spec.js';
import { parsePositiveNumber, parseWholeNumber } from './parse-option-values.js';

export const SERVER_COMMAND: CommandSpec = {
	name: 'server',
	description: 'run the central collector that `mcprec sync` uploads to, with its web viewer',
	options: [
		{ flags: '--port <n>', description: 'port to listen on (default: server.port in config.yaml, else 8740)', parse: parseWholeNumber },
		{ flags: '--host <host>', description: 'address to listen on (default 127.0.0.1)' },
		{ flags: '--database <file|url>', description: 'a SQLite file (default: collector.db in the data dir) or postgres://user:pass@host/db' },
		{ flags: '--issuer <url>', description: 'the identity provider whose access tokens are accepted (default: server.issuer, else identity.issuer)' },
		{ flags: '--audience <aud>', description: "the access tokens' required audience" },
		{ flags: '--auditor-group <group>', description: 'members read every session' },
		{ flags: '--approver-group <group>', description: 'members settle held tool calls in the viewer' },
		{ flags: '--groups-claim <claim>', description: 'the claim that lists groups, a dot path allowed (default groups)' },
		{ flags: '--max-body-mib <n>', description: 'largest request body in MiB (default 32)', parse: parsePositiveNumber },
		{ flags: '--viewer-client-id <id>', description: 'OIDC client the web viewer signs in with (authorization code + PKCE; default mcprec-viewer)' },
		{ flags: '--viewer-scope <scope>', description: "scopes the viewer asks for (default 'openid email profile')" },
		{ flags: '--public-url <url>', description: 'the URL people open the viewer at, for the sign-in redirect (default: from the request)' },
		{ flags: '--cookie-secret <secret>', description: "key for the viewer's sign-in cookie (default: a random key kept in the database)" },
		{ flags: '--otlp-endpoint <url>', description: 'forward every ended session as OTLP traces to this base URL (default: OTEL_EXPORTER_OTLP_ENDPOINT when set)' },
		{ flags: '--otlp-payloads', description: 'forward message bodies too (masked as uploaded)' },
		{ flags: '--retention <age>', description: 'prune sessions that ended longer ago (365d, 52w), except those under a legal hold' },
	],
	helpAfter: `
Uploads and API reads need an access token from --issuer for --audience (people get one
with \`mcprec login\`). The web viewer at / signs people in with the OIDC client
mcprec-viewer, redirect URI <public url>/auth/callback. The README's "Collector
quickstart" walks through the identity provider settings.

With --otlp-endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT / …_TRACES_ENDPOINT set), each session
goes on as traces once it has ended, shaped as \`mcprec export --format otlp\` shapes them;
OTEL_EXPORTER_OTLP_PROTOCOL, …_HEADERS, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES apply.

With --retention, sessions that ended longer ago are deleted at start and every hour, unless
the auditor group placed a legal hold on them (PUT /api/v1/sessions/<id>/legal-hold); each
leaves a record, so the API and the viewer answer "pruned by policy (retention 365d) on DATE".

Example config.yaml:
  server: { issuer: https://login.example.com, audience: mcprec-collector, auditorGroup: security }`,
	action: async (options: ServerFlags) => {
		const { serverCommand } = await import('./server.js');
		await serverCommand(options);
	},
};
