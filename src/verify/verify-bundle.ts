// Checks an evidence bundle offline (issue 20): the hash chain of its events from the
// session id, and — when the session was sealed — the device's Ed25519 signature over the
// signed head with the key in the bundle, and that the signed count and head are the
// chain's. Nothing is read from a store or a collector: what is checked is in the file.

import { genesisHash, hashMatches } from '../event/hash-chain.js';
import type { ChainEvent } from '../event/event.js';
import { fromWire, type WireEvent } from '../event/event-forms.js';
import { verifySealedHead, type DevicePublicKey } from '../event/device-signature.js';
import { readBundle } from '../event/evidence-bundle.js';

export type BundleResult =
	| { sessionId: string; intact: true; events: number; signature: 'ok' | 'none'; deviceId: string | null }
	| { sessionId: string; intact: false; events: number; firstBadSeq: number | null; problem: string };

export function verifyBundle(archive: Buffer): BundleResult {
	let sessionId = '?';
	const fail = (problem: string, events = 0, firstBadSeq: number | null = null): BundleResult => ({ sessionId, intact: false, events, firstBadSeq, problem });
	let files;
	try {
		files = readBundle(archive).files;
	} catch (error) {
		return fail((error as Error).message);
	}
	if (!files['session.json'] || !files['events.ndjson']) return fail('the bundle lacks session.json or events.ndjson');
	const session = parseJson(files['session.json']) as { id?: unknown } | undefined;
	if (!session || typeof session.id !== 'string') return fail('session.json does not name the session (no "id")');
	sessionId = session.id;

	let previousHash = genesisHash(sessionId);
	let seq = 0;
	for (const [index, line] of files['events.ndjson'].toString('utf8').split('\n').entries()) {
		if (line.trim() === '') continue;
		const event = parseWireLine(line);
		if (typeof event === 'string') return fail(`events.ndjson line ${index + 1}: ${event}`, seq, seq);
		if (event.seq !== seq) return fail(`event ${seq} is missing (line ${index + 1} holds seq ${event.seq})`, seq, seq);
		if (event.prevHash !== previousHash) return fail('prevHash does not link to the previous event (removed or reordered)', seq, seq);
		if (event.payload.length !== event.size) return fail(`payload is ${event.payload.length} bytes but ${event.size} were recorded`, seq, seq);
		if (!hashMatches(sessionId, event)) return fail('hash does not match the event (it was altered)', seq, seq);
		previousHash = event.hash;
		seq++;
	}
	const sealFile = files['seal.json'];
	if (!sealFile) return { sessionId, intact: true, events: seq, signature: 'none', deviceId: null };
	const seal = parseJson(sealFile) as { sessionId?: unknown; deviceId?: unknown; eventCount?: unknown; headHash?: unknown; signature?: unknown } | undefined;
	if (!seal || typeof seal.deviceId !== 'string' || typeof seal.eventCount !== 'number' || typeof seal.headHash !== 'string' || typeof seal.signature !== 'string') return fail('seal.json is not a signed head (deviceId, eventCount, headHash, signature)', seq);
	if (seal.sessionId !== undefined && seal.sessionId !== sessionId) return fail(`seal.json signs session '${String(seal.sessionId)}', not '${sessionId}'`, seq);
	const keyFile = files['device-key.json'] ? (parseJson(files['device-key.json']) as { deviceId?: unknown; publicKey?: DevicePublicKey } | undefined) : undefined;
	if (!keyFile?.publicKey) return fail(`the session is sealed by device '${seal.deviceId}', but the bundle holds no key for it (device-key.json)`, seq);
	if (keyFile.deviceId !== undefined && keyFile.deviceId !== seal.deviceId) return fail(`device-key.json is the key of '${String(keyFile.deviceId)}', not of the signing device '${seal.deviceId}'`, seq);
	if (!verifySealedHead(keyFile.publicKey, { sessionId, eventCount: seal.eventCount, headHash: seal.headHash }, seal.signature)) {
		return fail(`the seal's signature does not verify with device '${seal.deviceId}''s key (the signed head or count was altered)`, seq);
	}
	const head = seq === 0 ? genesisHash(sessionId) : previousHash;
	if (seal.eventCount !== seq || seal.headHash !== head) {
		return fail(`the bundle holds ${seq} events ending in ${head.slice(0, 12)}…, but ${seal.eventCount} ending in ${seal.headHash.slice(0, 12)}… were signed`, seq, Math.min(seal.eventCount, seq));
	}
	return { sessionId, intact: true, events: seq, signature: 'ok', deviceId: seal.deviceId };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// One wire event (src/event/event-forms.ts), or what is wrong with the line.
function parseWireLine(line: string): ChainEvent | string {
	const value = parseJson(Buffer.from(line)) as Record<string, unknown> | undefined;
	if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
	const text = (key: string, nullable = false) => typeof value[key] === 'string' || (nullable && value[key] === null);
	const integer = (key: string, nullable = false) => Number.isSafeInteger(value[key]) || (nullable && value[key] === null);
	for (const key of ['origin', 'kind', 'prevHash', 'hash', 'payload']) if (!text(key)) return `'${key}' is missing or not text`;
	for (const key of ['target', 'method', 'rpcId', 'tool']) if (!text(key, true)) return `'${key}' is missing or not text/null`;
	for (const key of ['seq', 'ts', 'size']) if (!integer(key)) return `'${key}' is missing or not a whole number`;
	if (!integer('latencyUs', true)) return "'latencyUs' is missing or not a whole number/null";
	if (!BASE64.test(value.payload as string)) return "'payload' is not base64";
	return fromWire(value as unknown as WireEvent);
}

function parseJson(bytes: Buffer): unknown {
	try {
		return JSON.parse(bytes.toString('utf8'));
	} catch {
		return undefined;
	}
}
