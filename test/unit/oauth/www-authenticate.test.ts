// The Bearer challenge of a 401 (src/oauth/www-authenticate.ts): generated challenges, in
// every spelling the grammar allows (RFC 9110 §11.6.1: token or quoted-string values,
// optional whitespace, other schemes around it), read back to the same parameters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerChallenge } from '../../../src/oauth/www-authenticate.js';

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/);
const tokenValue = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~:\/-]{1,24}$/);
const quotedValue = fc.string({ maxLength: 24 }).map((text) => text.replace(/[\r\n\0]/g, ''));
const space = fc.constantFrom('', ' ', '  ', '\t');

function quote(value: string): string {
	return `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}

describe('bearerChallenge', () => {
	it('reads back every parameter of a generated challenge, the first of a repeated name winning', () => {
		fc.assert(
			fc.property(
				fc.array(fc.tuple(name, fc.oneof(tokenValue.map((value) => ({ value, quoted: false })), quotedValue.map((value) => ({ value, quoted: true }))), space), { maxLength: 6 }),
				fc.constantFrom('Bearer', 'bearer', 'BEARER'),
				fc.option(fc.constantFrom('Basic realm="x"', 'Negotiate', 'DPoP algs="ES256"'), { nil: undefined }),
				fc.option(fc.constantFrom('Basic realm="after"', 'Other a=b'), { nil: undefined }),
				(parameters, scheme, before, after) => {
					const rendered = parameters.map(([key, { value, quoted }], index) => `${index === 0 ? ' ' : ','}${index === 0 ? '' : ' '}${key}=${quoted ? quote(value) : value}`).join('');
					const header = [before, `${scheme}${rendered}`, after].filter(Boolean).join(', ');
					const expected: Record<string, string> = {};
					for (const [key, { value }] of parameters) if (!(key.toLowerCase() in expected)) expected[key.toLowerCase()] = value;
					expect(bearerChallenge(header)).toEqual(expected);
				},
			),
			{ seed: 9728, numRuns: 500 },
		);
	});

	it.each([
		['no header', null],
		['another scheme only', 'Basic realm="api"'],
		['a scheme that only starts with bearer', 'BearerToken realm="x"'],
	])('finds no Bearer challenge in %s', (_case, header) => {
		expect(bearerChallenge(header)).toBeUndefined();
	});

	it('reads what the SDK middleware sends', () => {
		const header = 'Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp"';
		expect(bearerChallenge(header)).toEqual({ error: 'invalid_token', error_description: 'Missing Authorization header', resource_metadata: 'http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp' });
	});
});
