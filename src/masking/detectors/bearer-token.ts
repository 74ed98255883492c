// Credentials in HTTP Authorization values: `Bearer <token>` anywhere (curl commands,
// logs, headers dumps) and `Basic <base64 user:password>`. The scheme word stays visible.

import { TOKEN_START } from '../boundaries.js';
import { createPatternDetector, type Detector } from './detector.js';

export const bearerToken: Detector = createPatternDetector({
	name: 'bearer-token',
	anchors: ['earer ', 'EARER ', 'asic ', 'ASIC '],
	pattern: new RegExp(`${TOKEN_START}(bearer|basic)\\s+([A-Za-z0-9._~+/-]{12,4096}={0,2})(?![A-Za-z0-9._~+/=-])`, 'dgi'),
	group: 2,
	accept: (value, match) => {
		if (match[1].toLowerCase() === 'bearer') return /\d/.test(value) && /[A-Za-z]/.test(value) && !/^[a-z]+(?:[-_.][a-z]+)*$/.test(value);
		// Basic: must decode to "user:password".
		const decoded = Buffer.from(value, 'base64').toString('latin1');
		return /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(decoded);
	},
});
