// JSON Web Tokens: three base64url parts whose first part decodes to a JSON header with
// "alg". The decoding check keeps other dotted base64 (ids, hashes) from matching.

import { TOKEN_START } from '../boundaries.js';
import { createPatternDetector, type Detector } from './detector.js';

export const jwt: Detector = createPatternDetector({
	name: 'jwt',
	anchors: ['eyJ'],
	pattern: new RegExp(`${TOKEN_START}eyJ[A-Za-z0-9_-]{8,}={0,2}\\.[A-Za-z0-9_-]{4,}={0,2}\\.[A-Za-z0-9_-]*={0,2}(?![A-Za-z0-9_-])`, 'g'),
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
