// Reads the body of `PUT /api/v1/sessions/:id`: the session as `mcprec sessions --json`
// prints it (src/sessions/session-summary.ts), plus an optional `seal` once it is closed.

import { badRequest } from './api-error.js';

/** The signed head sent with a closed session (device-signature.ts). */
export interface SealInput {
	headHash: string;
	eventCount: number;
	deviceId: string;
	signature: string;
}

/** The uploaded session, with the columns the collector filters on pulled out. */
export interface SessionDocument {
	id: string;
	server: string;
	/** µs since the epoch. */
	startedAt: number;
	endedAt: number | null;
	userSub: string | null;
	userEmail: string | null;
	userName: string | null;
	osUser: string | null;
	host: string | null;
	/** The whole document as uploaded, minus `seal` and the local-only `synced`. */
	metadata: Record<string, unknown>;
	seal: SealInput | null;
}

export const SESSION_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/;
export const DEVICE_ID = /^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/;

export function parseSessionDocument(body: unknown, sessionId: string): SessionDocument {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		throw badRequest('invalid_session', 'the body must be the session as a JSON object (the shape of `mcprec sessions --json`)');
	}
	const { seal, synced: _synced, ...metadata } = body as Record<string, unknown>;
	if (metadata.id !== undefined && metadata.id !== sessionId) {
		throw badRequest('invalid_session', `the body's id '${String(metadata.id)}' differs from the URL's '${sessionId}'`);
	}
	metadata.id = sessionId;
	const server = metadata.server;
	if (typeof server !== 'string' || server === '' || server.length > 200) {
		throw badRequest('invalid_session', `'server' must be the server label (1–200 characters), got ${JSON.stringify(server) ?? 'nothing'}`);
	}
	const user = (typeof metadata.user === 'object' && metadata.user !== null ? metadata.user : {}) as Record<string, unknown>;
	return {
		id: sessionId,
		server,
		startedAt: parseTimestamp(metadata.startedAt, 'startedAt', false)!,
		endedAt: parseTimestamp(metadata.endedAt, 'endedAt', true),
		userSub: optionalString(user.sub, 'user.sub'),
		userEmail: optionalString(user.email, 'user.email'),
		userName: optionalString(user.name, 'user.name'),
		osUser: optionalString(user.osUser, 'user.osUser'),
		host: optionalString(user.host, 'user.host'),
		metadata,
		seal: seal === undefined || seal === null ? null : parseSeal(seal),
	};
}

function parseSeal(value: unknown): SealInput {
	const seal = value as Record<string, unknown>;
	const fail = (problem: string) => badRequest('invalid_seal', `seal: ${problem}`);
	if (typeof seal !== 'object' || Array.isArray(seal)) throw fail('expected {headHash, eventCount, deviceId, signature}');
	if (typeof seal.headHash !== 'string' || !/^[0-9a-f]{64}$/.test(seal.headHash)) throw fail(`'headHash' must be 64 lowercase hex characters, got ${JSON.stringify(seal.headHash) ?? 'nothing'}`);
	if (typeof seal.eventCount !== 'number' || !Number.isSafeInteger(seal.eventCount) || seal.eventCount < 0) throw fail(`'eventCount' must be a whole number ≥ 0, got ${JSON.stringify(seal.eventCount) ?? 'nothing'}`);
	if (typeof seal.deviceId !== 'string' || !DEVICE_ID.test(seal.deviceId)) throw fail(`'deviceId' must be a registered device id, got ${JSON.stringify(seal.deviceId) ?? 'nothing'}`);
	if (typeof seal.signature !== 'string' || seal.signature === '') throw fail("'signature' must be the base64 Ed25519 signature");
	return { headHash: seal.headHash, eventCount: seal.eventCount, deviceId: seal.deviceId, signature: seal.signature };
}

function optionalString(value: unknown, name: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') throw badRequest('invalid_session', `'${name}' must be a string or null, got ${JSON.stringify(value)}`);
	return value;
}

/** ISO 8601 with up to microseconds (`2026-11-22T13:40:41.123456Z`) → µs since the epoch. */
export function parseTimestamp(value: unknown, name: string, nullable: boolean): number | null {
	if (nullable && (value === undefined || value === null)) return null;
	const match = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value) : null;
	const seconds = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
	if (!match || Number.isNaN(seconds)) {
		throw badRequest('invalid_session', `'${name}' must be an ISO 8601 time like 2026-11-22T13:40:41.123456Z, got ${JSON.stringify(value) ?? 'nothing'}`);
	}
	const fraction = Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
	return seconds * 1000 + fraction;
}
