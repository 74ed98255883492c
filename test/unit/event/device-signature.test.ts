import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealMessage, signSealedHead, verifySealedHead } from '../../../src/event/device-signature.js';
import { parseDevicePublicKey } from '../../../src/server/parse-device-key.js';

const head = { sessionId: '01a20381-e641-77a0-a5fa-5b0480990e2c', eventCount: 12, headHash: 'ab'.repeat(32) };

describe('signed session heads (README "Collector API")', () => {
	it('signs the documented text, verifiable with any Ed25519 implementation', () => {
		expect(sealMessage(head).toString('utf8')).toBe(`mcprec-seal-v1\n${head.sessionId}\n12\n${'ab'.repeat(32)}`);
		const { privateKey, publicKey } = generateKeyPairSync('ed25519');
		const signature = signSealedHead(privateKey, head);
		expect(verify(null, Buffer.from(`mcprec-seal-v1\n${head.sessionId}\n12\n${head.headHash}`), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
		const jwk = parseDevicePublicKey(publicKey.export({ format: 'jwk' }));
		expect(verifySealedHead(jwk, head, signature)).toBe(true);
	});

	it.each([
		['another event count', { ...head, eventCount: 13 }],
		['another head', { ...head, headHash: 'cd'.repeat(32) }],
		['another session', { ...head, sessionId: '01a20381-e641-77a0-a5fa-5b0480990e2d' }],
	])('refuses a signature over %s', (_name, other) => {
		const { privateKey, publicKey } = generateKeyPairSync('ed25519');
		const jwk = parseDevicePublicKey(publicKey.export({ format: 'jwk' }));
		expect(verifySealedHead(jwk, other, signSealedHead(privateKey, head))).toBe(false);
	});

	it('refuses garbage signatures and keys that are not public Ed25519 JWKs', () => {
		const { privateKey, publicKey } = generateKeyPairSync('ed25519');
		const jwk = parseDevicePublicKey(publicKey.export({ format: 'jwk' }));
		expect(verifySealedHead(jwk, head, 'not base64 at all')).toBe(false);
		expect(verifySealedHead(jwk, head, '')).toBe(false);
		expect(() => parseDevicePublicKey(privateKey.export({ format: 'jwk' }))).toThrow(/private key/);
		expect(() => parseDevicePublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }))).toThrow(/Ed25519 public JWK/);
		expect(() => parseDevicePublicKey({ kty: 'OKP', crv: 'Ed25519', x: 'short' })).toThrow(/not a usable Ed25519 key/);
		expect(createPublicKey({ key: { ...jwk }, format: 'jwk' }).asymmetricKeyType).toBe('ed25519');
	});
});
