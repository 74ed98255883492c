// Which identity provider `mcprec login` talks to, and how: flags first, then
// `identity:` in config.yaml, then MCPREC_ISSUER / MCPREC_CLIENT_ID.
//
//   identity:
//     issuer: https://login.example.com
//     clientId: mcprec-cli
//     scope: groups            # extra scopes (a list or space-separated)
//     groupsClaim: groups      # claim holding the groups (dot path allowed: realm_access.roles)
//
// The access token's audience (RFC 8707 `resource`): --resource, else `sync.audience`, else
// `server.audience`, so the token `login` obtains is one the collector accepts.

import { UserError } from '../errors/user-error.js';
import { isLoopback } from './is-loopback.js';
import { readConfigSection } from '../policy/config-section.js';
import { readSyncConfig } from '../config/sync-config.js';

/** Always requested: who you are, and a refresh token so `run` never has to ask again. */
export const BASE_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
export const DEFAULT_GROUPS_CLAIM = 'groups';

export interface IdentitySettings {
	issuer: string;
	clientId: string;
	/** Base scopes plus the extra ones, without duplicates. */
	scopes: string[];
	groupsClaim: string;
	/** The resource indicator (RFC 8707) requested for the access token: the collector's audience. */
	resource?: string;
}

export interface IdentityFlags {
	issuer?: string;
	clientId?: string;
	scope?: string;
	groupsClaim?: string;
	resource?: string;
}

interface ConfigIdentity {
	issuer?: string;
	clientId?: string;
	scope?: string[];
	groupsClaim?: string;
}

export function resolveIdentitySettings(options: { flags: IdentityFlags; configFile: string; environment?: NodeJS.ProcessEnv }): IdentitySettings {
	const environment = options.environment ?? process.env;
	const config = readConfigIdentity(options.configFile);
	const issuer = options.flags.issuer ?? config.issuer ?? (environment.MCPREC_ISSUER || undefined);
	const clientId = options.flags.clientId ?? config.clientId ?? (environment.MCPREC_CLIENT_ID || undefined);
	if (!issuer) {
		throw new UserError(`no identity provider configured: pass --issuer URL, set identity.issuer in ${options.configFile}, or set MCPREC_ISSUER`);
	}
	if (!clientId) {
		throw new UserError(`no client id configured: pass --client-id ID, set identity.clientId in ${options.configFile}, or set MCPREC_CLIENT_ID`);
	}
	const extra = options.flags.scope !== undefined ? splitScopes(options.flags.scope) : (config.scope ?? []);
	return {
		issuer: checkIssuer(issuer),
		clientId,
		scopes: [...new Set([...BASE_SCOPES, ...extra])],
		groupsClaim: options.flags.groupsClaim ?? config.groupsClaim ?? DEFAULT_GROUPS_CLAIM,
		resource: options.flags.resource ?? readSyncConfig(options.configFile).audience,
	};
}

/** An issuer must be https; plain http only on this machine (a test or local provider). */
export function checkIssuer(issuer: string): string {
	let url: URL;
	try {
		url = new URL(issuer);
	} catch {
		throw new UserError(`issuer '${issuer}' is not a URL (expected something like https://login.example.com)`);
	}
	if (url.protocol === 'https:') return issuer;
	if (url.protocol === 'http:' && isLoopback(url)) return issuer;
	throw new UserError(`issuer '${issuer}' must use https (plain http is accepted only for 127.0.0.1, ::1 and localhost)`);
}

// Re-exported for the commands that already import it from here.
export { isLoopback };

function splitScopes(text: string): string[] {
	return text.split(/[\s,]+/).filter(Boolean);
}

function readConfigIdentity(configFile: string): ConfigIdentity {
	const found = readConfigSection(configFile, 'identity');
	if (!found) return {};
	const { nodes, entry: section } = found;
	const entries = nodes.entries(section.value, { what: "'identity'", keys: ['issuer', 'clientId', 'scope', 'groupsClaim'] });
	const string = (key: string) => {
		const entry = entries.get(key);
		return entry && !nodes.isEmpty(entry) ? nodes.string(entry, { what: `identity.${key}` }) : undefined;
	};
	const scopeEntry = entries.get('scope');
	return {
		issuer: string('issuer'),
		clientId: string('clientId'),
		scope: scopeEntry && !nodes.isEmpty(scopeEntry) ? nodes.stringList(scopeEntry, { what: 'identity.scope', item: 'a scope' }).flatMap((item) => splitScopes(item.value)) : undefined,
		groupsClaim: string('groupsClaim'),
	};
}
