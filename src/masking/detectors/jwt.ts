// JSON Web Tokens: three base64url parts whose first part decodes to a JSON header with
// "alg". The decoding check keeps other dotted base64 (ids, hashes) from matching.

import { createAnchoredDetector, type Detector } from './detector.js';

export const jwt: Detector = createAnchoredDetector({
	name: 'jwt',
	anchors: ['yJ'],
	anchorOffset: 1,
	// Parts bounded, so a long base64 run with many `eyJ` in it is not rescanned from each.
	pattern: /eyJ[A-Za-z0-9_-]{8,8192}={0,2}\.[A-Za-z0-9_-]{4,65536}={0,2}\.[A-Za-z0-9_-]{0,8192}={0,2}(?![A-Za-z0-9_-])/y,
	tokenStart: true,
	accept: (value) => hasJwtHeader(value.slice(0, value.indexOf('.'))),
});

function hasJwtHeader(part: string): boolean {
	try {
		const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
		return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
	} catch {
		return false;
	}
}
