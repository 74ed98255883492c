// `mcprec server` settings: flags win over the `server:` section of config.yaml, which
// wins over the defaults (127.0.0.1, port 8740, collector.db beside the local store).

import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../errors/user-error.js';
import { resolveOtlpTarget, type OtlpTarget } from '../export/otlp-target.js';
import { parseDuration } from '../time/parse-duration.js';

export interface ServerSettings {
	host: string;
	port: number;
	/** A SQLite file path, or a postgres:// URL. */
	database: string;
	issuer: string;
	audience: string;
	groupsClaim: string;
	auditorGroup: string | undefined;
	approverGroup: string | undefined;
	bodyLimitBytes: number;
	/** OIDC client of the web viewer (authorization code + PKCE). */
	viewerClientId?: string;
	/** Only for a confidential viewer client; read from config.yaml, never a flag. */
	viewerClientSecret?: string;
	viewerScope?: string;
	/** Where people open the viewer, for the redirect URI; otherwise taken from each request. */
	publicUrl?: string;
	/** Key material for the sign-in cookie; otherwise a random key kept in the database. */
	cookieSecret?: string;
	/** Where every ended session is forwarded as OTLP traces (--otlp-endpoint or the OTEL_* variables). */
	otlp?: { target: OtlpTarget; payloads: boolean };
	/** Sessions that ended longer ago are pruned, except under a legal hold: the age as given (365d) and in ms. */
	retention?: { text: string; milliseconds: number };
}

export type ServerFlags = Partial<{
	host: string;
	port: number;
	database: string;
	issuer: string;
	audience: string;
	groupsClaim: string;
	auditorGroup: string;
	approverGroup: string;
	maxBodyMib: number;
	viewerClientId: string;
	viewerClientSecret: string;
	viewerScope: string;
	publicUrl: string;
	cookieSecret: string;
	otlpEndpoint: string;
	otlpPayloads: boolean;
	retention: string;
}>;

export const DEFAULT_PORT = 8740;

const KEYS: Record<string, 'string' | 'number' | 'boolean'> = {
	host: 'string',
	port: 'number',
	database: 'string',
	issuer: 'string',
	audience: 'string',
	groupsClaim: 'string',
	auditorGroup: 'string',
	approverGroup: 'string',
	maxBodyMib: 'number',
	viewerClientId: 'string',
	viewerClientSecret: 'string',
	viewerScope: 'string',
	publicUrl: 'string',
	cookieSecret: 'string',
	otlpEndpoint: 'string',
	otlpPayloads: 'boolean',
	retention: 'string',
};

export function resolveServerSettings(options: { flags: ServerFlags; configFile: string; dataDir: string; environment?: NodeJS.ProcessEnv }): ServerSettings {
	const environment = options.environment ?? process.env;
	const config = readConfig(options.configFile);
	// The collector usually trusts the same identity provider `mcprec login` uses.
	const merged: ServerFlags = { issuer: config.identity.issuer, groupsClaim: config.identity.groupsClaim, ...config.server };
	for (const [key, value] of Object.entries(options.flags)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
	const missing = (flag: string, key: string) =>
		new UserError(`the collector needs ${flag} (or \`server: { ${key}: … }\` in ${options.configFile}) to verify access tokens`);
	if (!merged.issuer) throw missing('--issuer <url>', 'issuer');
	if (!merged.audience) throw missing('--audience <aud>', 'audience');
	let database = merged.database ?? path.join(options.dataDir, 'collector.db');
	if (!/^postgres(ql)?:\/\//i.test(database)) database = path.resolve(path.dirname(options.configFile), database);
	return {
		host: merged.host ?? '127.0.0.1',
		port: merged.port ?? DEFAULT_PORT,
		database,
		issuer: merged.issuer,
		audience: merged.audience,
		groupsClaim: merged.groupsClaim ?? 'groups',
		auditorGroup: merged.auditorGroup,
		approverGroup: merged.approverGroup,
		bodyLimitBytes: Math.round((merged.maxBodyMib ?? 32) * 1024 * 1024),
		viewerClientId: merged.viewerClientId,
		viewerClientSecret: merged.viewerClientSecret,
		viewerScope: merged.viewerScope,
		publicUrl: merged.publicUrl?.replace(/\/+$/, ''),
		cookieSecret: merged.cookieSecret ?? environment.MCPREC_COOKIE_SECRET,
		otlp: otlpSettings(merged, environment),
		retention: retentionSettings(merged.retention),
	};
}

// Forwarding is on with --otlp-endpoint (server.otlpEndpoint) or when the standard
// variables name an endpoint; the variables' protocol and headers apply either way.
function otlpSettings(merged: ServerFlags, environment: NodeJS.ProcessEnv): ServerSettings['otlp'] {
	const fromEnvironment = Boolean(environment.OTEL_EXPORTER_OTLP_ENDPOINT || environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
	if (!merged.otlpEndpoint && !fromEnvironment) {
		if (merged.otlpPayloads) throw new UserError('--otlp-payloads needs --otlp-endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT)');
		return undefined;
	}
	return { target: resolveOtlpTarget(environment, merged.otlpEndpoint), payloads: merged.otlpPayloads === true };
}

function retentionSettings(text: string | undefined): ServerSettings['retention'] {
	if (text === undefined) return undefined;
	const milliseconds = parseDuration(text);
	// Less than a day is almost certainly a typo (30m for 30 months) and would empty the collector.
	if (milliseconds === undefined || milliseconds < 24 * 3600 * 1000) throw new UserError(`--retention expects an age of at least a day, such as 365d or 52w; got '${text}'`);
	return { text, milliseconds };
}

function readConfig(configFile: string): { server: ServerFlags; identity: { issuer?: string; groupsClaim?: string } } {
	let text: string;
	try {
		text = fs.readFileSync(configFile, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { server: {}, identity: {} };
		throw new UserError(`cannot read ${configFile} (${(error as Error).message})`);
	}
	const document = parseDocument(text);
	if (document.errors.length > 0) throw new UserError(`${configFile}: ${document.errors[0]!.message}`);
	const config = document.toJS() as Record<string, unknown> | null;
	const identity = (typeof config?.identity === 'object' && config.identity !== null ? config.identity : {}) as Record<string, unknown>;
	const fromIdentity = {
		issuer: typeof identity.issuer === 'string' ? identity.issuer : undefined,
		groupsClaim: typeof identity.groupsClaim === 'string' ? identity.groupsClaim : undefined,
	};
	const section = config?.server;
	if (section === undefined || section === null) return { server: {}, identity: fromIdentity };
	if (typeof section !== 'object' || Array.isArray(section)) throw new UserError(`${configFile}: 'server' must be a mapping of settings (${Object.keys(KEYS).join(', ')})`);
	const settings: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(section)) {
		const type = KEYS[key];
		if (!type) throw new UserError(`${configFile}: unknown setting 'server.${key}' (expected one of ${Object.keys(KEYS).join(', ')})`);
		if (typeof value !== type) throw new UserError(`${configFile}: 'server.${key}' must be a ${type}, got ${JSON.stringify(value)}`);
		settings[key] = value;
	}
	return { server: settings as ServerFlags, identity: fromIdentity };
}
