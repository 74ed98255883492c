// Evidence bundles checked offline (src/verify/verify-bundle.ts): a bundle as the collector
// writes it checks out, with or without a seal; any one altered, dropped or reordered event,
// a forged seal or a key of another device does not — and says where. Generated cases.

import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signSealedHead } from '../../../src/event/device-signature.js';
import { readBundle, writeBundle } from '../../../src/event/evidence-bundle.js';
import { newSessionId } from '../../../src/event/session-id.js';
import type { ChainEvent } from '../../../src/event/event.js';
import { encodeEventLines } from '../../../src/event/event-forms.js';
import { verifyBundle } from '../../../src/verify/verify-bundle.js';
import { callEvents, chain, outcomeEvents } from '../../helpers/collector-fixtures.js';

const device = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');

function bundle(sessionId: string, events: ChainEvent[], options: { seal?: boolean; key?: typeof device; eventCount?: number } = {}): Buffer {
	const headHash = events.at(-1)!.hash;
	const eventCount = options.eventCount ?? events.length;
	const files: Record<string, string> = { 'session.json': JSON.stringify({ id: sessionId }), 'events.ndjson': encodeEventLines(events), 'README.txt': 'read me' };
	if (options.seal !== false) {
		files['seal.json'] = JSON.stringify({ sessionId, deviceId: 'laptop', eventCount, headHash, signature: signSealedHead(device.privateKey, { sessionId, eventCount, headHash }) });
		files['device-key.json'] = JSON.stringify({ deviceId: 'laptop', publicKey: (options.key ?? device).publicKey.export({ format: 'jwk' }) });
	}
	return writeBundle(`mcprec-evidence-${sessionId}`, files, 1_800_000_000);
}

describe('evidence bundles', () => {
	const sessionId = newSessionId();
	const events = chain(sessionId, [...callEvents(10), ...outcomeEvents()]);

	it('round-trips its files through the archive, byte for byte', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 3000 }), fc.string({ maxLength: 600 }), (bytes, text) => {
				const archive = writeBundle('folder', { 'events.ndjson': Buffer.from(bytes), 'session.json': text }, 0);
				expect(archive.length % 512).toBe(0);
				const read = readBundle(archive);
				expect(read.folder).toBe('folder');
				expect(Buffer.compare(read.files['events.ndjson']!, Buffer.from(bytes))).toBe(0);
				expect(read.files['session.json']!.toString('utf8')).toBe(text);
			}),
			{ seed: 808, numRuns: 100 },
		);
	});

	it('checks out as written, sealed or not', () => {
		expect(verifyBundle(bundle(sessionId, events))).toEqual({ sessionId, intact: true, events: events.length, signature: 'ok', deviceId: 'laptop' });
		expect(verifyBundle(bundle(sessionId, events, { seal: false }))).toEqual({ sessionId, intact: true, events: events.length, signature: 'none', deviceId: null });
	});

	it('names the first event that was altered, dropped or moved', () => {
		const alterations = fc.oneof(
			fc.record({ kind: fc.constant('payload' as const), at: fc.nat({ max: events.length - 1 }), byte: fc.integer({ min: 1, max: 255 }) }),
			fc.record({ kind: fc.constant('field' as const), at: fc.nat({ max: events.length - 1 }), field: fc.constantFrom('ts', 'origin', 'method', 'tool', 'latencyUs') }),
			fc.record({ kind: fc.constant('drop' as const), at: fc.nat({ max: events.length - 2 }) }),
			fc.record({ kind: fc.constant('swap' as const), at: fc.nat({ max: events.length - 2 }) }),
		);
		fc.assert(
			fc.property(alterations, (change) => {
				const copy = events.map((event) => ({ ...event, payload: Buffer.from(event.payload) }));
				const target = copy[change.at]!;
				if (change.kind === 'payload') target.payload[0] = (target.payload[0]! + change.byte) % 256;
				else if (change.kind === 'field') (target as unknown as Record<string, unknown>)[change.field] = change.field === 'ts' || change.field === 'latencyUs' ? 7 : 'forged';
				else if (change.kind === 'drop') copy.splice(change.at, 1);
				else [copy[change.at], copy[change.at + 1]] = [copy[change.at + 1]!, copy[change.at]!];
				// The seal still names the original head: an attacker cannot re-sign without the device key.
				const result = verifyBundle(bundle(sessionId, copy, { eventCount: events.length }));
				expect(result.intact).toBe(false);
				if (!result.intact) expect(result.firstBadSeq).toBe(change.at);
			}),
			{ seed: 809, numRuns: 200 },
		);
	});

	it('refuses a seal that does not verify with the bundled key, or a truncated chain under a valid seal', () => {
		expect(verifyBundle(bundle(sessionId, events, { key: stranger }))).toMatchObject({ intact: false, problem: expect.stringContaining("signature does not verify with device 'laptop'") });
		const truncated = bundle(sessionId, events.slice(0, 5));
		expect(verifyBundle(truncated)).toMatchObject({ intact: true });
		const sealedWhole = readBundle(bundle(sessionId, events)).files;
		const mixed = writeBundle('x', { ...sealedWhole, 'events.ndjson': encodeEventLines(events.slice(0, 5)) }, 0);
		expect(verifyBundle(mixed)).toMatchObject({ intact: false, problem: expect.stringMatching(new RegExp(`holds 5 events .* but ${events.length} .* were signed`)) });
		expect(verifyBundle(Buffer.from('not a tar at all'.repeat(64)))).toMatchObject({ intact: false, problem: expect.stringContaining('not an mcprec evidence bundle') });
	});
});
