// Inputs built to make regular expressions backtrack or rescan: each must come back
// (quickly; the test timeout is the only clock here) with the usual guarantees.

import { describe, expect, it } from 'vitest';
import { createMasker } from '../../../src/masking/create-masker.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';

const policy: MaskPolicy = { detectors: ['secrets', 'pii'], exclude: [], custom: [], fields: ['*_id'], strategy: 'redact', requests: 'record' };
const masker = createMasker(policy, { sessionSalt: 'adversarial' });

const inputs: [string, string][] = [
	['key words back to back', 'token'.repeat(60_000)],
	['key words in one long key', `x${'_token'.repeat(50_000)}: value`],
	['JWT prefixes back to back', 'eyJ'.repeat(100_000)],
	['JWT-like base64url run', `eyJ${'a'.repeat(300_000)}.${'b'.repeat(10)}`],
	['plus and a long digit run', `+${'1'.repeat(300_000)}`],
	['many phone-like groups', '+1 23 45 67 89 '.repeat(20_000)],
	['long local part before @', `${'a'.repeat(300_000)}@`],
	['many domain labels', `a@${'b.'.repeat(150_000)}`],
	['BEGIN markers without END', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n'.repeat(20_000)],
	['URL schemes with colons', `https://${'a:'.repeat(150_000)}`],
	['key = value repeated', 'password=a;'.repeat(50_000)],
	['vendor prefixes back to back', 'AKIAghp_xoxb-sk-k_glpat-npm_'.repeat(20_000)],
	['digits', '0'.repeat(600_000)],
	['dotted digits', '1.'.repeat(300_000)],
	['colons and hex', 'a:'.repeat(300_000)],
	['dashes', '-'.repeat(600_000)],
	['wide characters', '東京🔑'.repeat(100_000)],
	['quotes and escapes', '"password":"\\'.repeat(60_000)],
];

describe('adversarial input', () => {
	it.each(inputs)('%s', (_name, text) => {
		const result = masker.maskText(text);
		expect(typeof result.text).toBe('string');
		for (const finding of result.findings) expect(finding.count).toBeGreaterThan(0);
	});
});
