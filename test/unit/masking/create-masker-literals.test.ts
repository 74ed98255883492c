import { describe, expect, it } from 'vitest';
import { createMasker } from '../../../src/masking/create-masker.js';
import { defaultMask } from '../../../src/policy/default-policy.js';

describe('injected secrets', () => {
	it.each(['partial', 'hash'] as const)('are fully redacted even with strategy %s', (strategy) => {
		const masker = createMasker({ ...defaultMask(), strategy }, { sessionSalt: 's', extraLiterals: [{ name: 'API_TOKEN', value: 'zq81-local-value-7731' }] });
		expect(masker.maskText('token=zq81-local-value-7731 ok').text).toBe('token=[REDACTED:API_TOKEN] ok');
	});
});
