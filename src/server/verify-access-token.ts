// Bearer access tokens (DESIGN §7): a JWT signed by the issuer's keys (JWKS found through
// OIDC discovery, cached by jose), with the configured `iss` and `aud`. Groups come from a
// configurable claim (dot path, e.g. `realm_access.roles`); the auditor group reads every
// session, the approver group settles held calls (in the viewer).

import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ApiError } from './api-error.js';

/** Who is calling, from a verified token. */
export interface Principal {
	sub: string;
	email: string | null;
	groups: string[];
	auditor: boolean;
	approver: boolean;
}

export interface TokenVerifierOptions {
	issuer: string;
	audience: string;
	/** Claim holding the groups (default `groups`); dots walk into objects. */
	groupsClaim?: string;
	auditorGroup?: string;
	approverGroup?: string;
	/** Allowed clock skew in seconds (default 30). */
	clockToleranceSeconds?: number;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
	const issuer = options.issuer.replace(/\/+$/, '');
	let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
	const issuerKeys = () => {
		// One discovery per process; a failed one is retried on the next request.
		keys ??= discoverKeys(issuer).catch((error: unknown) => {
			keys = undefined;
			throw error;
		});
		return keys;
	};

	return async function verifyAccessToken(authorization) {
		const token = bearerToken(authorization);
		let payload: JWTPayload;
		try {
			payload = (await jwtVerify(token, await issuerKeys(), { issuer: options.issuer, audience: options.audience, clockTolerance: options.clockToleranceSeconds ?? 30 })).payload;
		} catch (error) {
			throw tokenError(error, options);
		}
		if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('invalid_token', "the access token has no 'sub' claim");
		const groups = readGroups(payload, options.groupsClaim ?? 'groups');
		return {
			sub: payload.sub,
			email: typeof payload.email === 'string' ? payload.email : null,
			groups,
			auditor: options.auditorGroup !== undefined && groups.includes(options.auditorGroup),
			approver: options.approverGroup !== undefined && groups.includes(options.approverGroup),
		};
	};
}

async function discoverKeys(issuer: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
	const url = `${issuer}/.well-known/openid-configuration`;
	let metadata: { issuer?: unknown; jwks_uri?: unknown };
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
		if (!response.ok) throw new Error(`HTTP ${response.status}`);
		metadata = (await response.json()) as typeof metadata;
	} catch (error) {
		throw new ApiError(503, 'issuer_unavailable', `cannot read the issuer's discovery document ${url} (${(error as Error).message}); try again later`);
	}
	if (typeof metadata.jwks_uri !== 'string') {
		throw new ApiError(503, 'issuer_unavailable', `the issuer's discovery document ${url} has no jwks_uri`);
	}
	return createRemoteJWKSet(new URL(metadata.jwks_uri), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
}

function bearerToken(authorization: string | undefined): string {
	if (!authorization) throw unauthorized('missing_token', 'send `Authorization: Bearer <access token>` (sign in with `mcprec login`)');
	const match = /^Bearer +([^ ]+) *$/i.exec(authorization);
	if (!match) throw unauthorized('invalid_token', `the Authorization header must be 'Bearer <access token>', got '${authorization.split(' ')[0]} …'`);
	return match[1]!;
}

function tokenError(error: unknown, options: TokenVerifierOptions): ApiError {
	if (error instanceof ApiError) return error;
	if (error instanceof errors.JWTExpired) {
		const exp = typeof error.payload.exp === 'number' ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : '';
		return unauthorized('token_expired', `the access token expired${exp}; sign in again (\`mcprec login\`)`);
	}
	if (error instanceof errors.JWTClaimValidationFailed) {
		const expected = error.claim === 'iss' ? ` (expected '${options.issuer}')` : error.claim === 'aud' ? ` (expected '${options.audience}')` : '';
		return unauthorized('invalid_token', `the access token's '${error.claim}' claim is not accepted: ${error.reason}${expected}`);
	}
	if (error instanceof errors.JWSSignatureVerificationFailed) return unauthorized('invalid_token', "the access token's signature does not verify against the issuer's keys");
	if (error instanceof errors.JWKSNoMatchingKey) return unauthorized('invalid_token', 'the access token is signed with a key the issuer does not publish');
	if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return unauthorized('invalid_token', `the access token's algorithm is not supported (${(error as Error).message})`);
	if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return unauthorized('invalid_token', 'the access token is not a signed JWT');
	if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
		return new ApiError(503, 'issuer_unavailable', `cannot read the issuer's signing keys (${(error as Error).message}); try again later`);
	}
	return unauthorized('invalid_token', `the access token is not valid (${(error as Error).message})`);
}

function unauthorized(code: string, message: string): ApiError {
	const description = message.replace(/["\\]/g, "'");
	return new ApiError(401, code, message, {}, { 'www-authenticate': `Bearer realm="mcprec", error="invalid_token", error_description="${description}"` });
}

function readGroups(payload: JWTPayload, claim: string): string[] {
	let value: unknown = payload;
	for (const part of claim.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
	if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
	if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
	return [];
}
