// Known secrets (injected with `run --secret`, the stored login's tokens) are masked in
// every common encoding a server may echo them in (src/masking/known-secret.ts). The
// properties put a random secret into random text at a random offset, encode the whole
// text the way a server would, and check that what the masker lets through holds no
// character that depends on the secret alone. The oracle works from the encoded text,
// not from the masker's own list of forms.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../../src/masking/create-masker.js';
import { decodeEscapes } from '../../../src/masking/decode-escapes.js';
import { MIN_ENCODED_LENGTH, secretForms } from '../../../src/masking/known-secret.js';
import { defaultMask } from '../../../src/policy/default-policy.js';

const NAME = 'API_KEY';
const REPLACEMENT = `[REDACTED:${NAME}]`;

// Characters a secret may hold: letters, digits, punctuation, a space, non-ASCII.
const SECRET_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=:@!$&*()[]{} é€😀'];
const TEXT_CHARS = [...SECRET_CHARS, '\n', '"', '\\', '%', '\t'];
const secretArbitrary = fc.array(fc.constantFrom(...SECRET_CHARS), { minLength: MIN_ENCODED_LENGTH + 4, maxLength: 40 }).map((chars) => chars.join(''));
const textArbitrary = fc.array(fc.constantFrom(...TEXT_CHARS), { maxLength: 30 }).map((chars) => chars.join(''));

type Encoding = 'plain' | 'json' | 'json-ascii' | 'url' | 'url-lower' | 'uri' | 'form' | 'base64' | 'base64url' | 'hex' | 'hex-upper';
const ENCODINGS: Encoding[] = ['plain', 'json', 'json-ascii', 'url', 'url-lower', 'uri', 'form', 'base64', 'base64url', 'hex', 'hex-upper'];

/** The whole text as a server would write it, and the part of it that depends on the secret alone. */
function encode(encoding: Encoding, before: string, secret: string, after: string): { encoded: string; secretOnly: string } {
	const whole = before + secret + after;
	switch (encoding) {
		case 'plain':
			return { encoded: whole, secretOnly: secret };
		case 'json':
			return { encoded: JSON.stringify(whole), secretOnly: JSON.stringify(secret).slice(1, -1) };
		case 'json-ascii': {
			const ascii = (text: string) => JSON.stringify(text).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
			return { encoded: ascii(whole), secretOnly: ascii(secret).slice(1, -1) };
		}
		case 'url':
			return { encoded: encodeURIComponent(whole), secretOnly: encodeURIComponent(secret) };
		case 'url-lower': {
			const lower = (text: string) => encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
			return { encoded: lower(whole), secretOnly: lower(secret) };
		}
		case 'uri':
			return { encoded: encodeURI(whole), secretOnly: encodeURI(secret) };
		case 'form': {
			const form = (text: string) => new URLSearchParams({ q: text }).toString().slice(2);
			return { encoded: form(whole), secretOnly: form(secret) };
		}
		case 'hex':
		case 'hex-upper': {
			const hex = (text: string) => (encoding === 'hex' ? Buffer.from(text).toString('hex') : Buffer.from(text).toString('hex').toUpperCase());
			return { encoded: hex(whole), secretOnly: hex(secret) };
		}
		case 'base64':
		case 'base64url': {
			const encoded = Buffer.from(whole).toString(encoding);
			// Character i of base64 carries bits [6i, 6i+6) of the bytes; those wholly inside the secret's bits depend on it alone.
			const firstBit = Buffer.byteLength(before) * 8;
			const endBit = firstBit + Buffer.byteLength(secret) * 8;
			return { encoded, secretOnly: encoded.slice(Math.ceil(firstBit / 6), Math.floor(endBit / 6)) };
		}
	}
}

describe('known secrets in their encodings', () => {
	it.each(ENCODINGS)('%s: a random secret at a random offset in random text leaves nothing of itself', (encoding) => {
		fc.assert(
			fc.property(secretArbitrary, textArbitrary, textArbitrary, (secret, before, after) => {
				const masker = createMasker(defaultMask(), { sessionSalt: 's', extraLiterals: [{ name: NAME, value: secret }] });
				const { encoded, secretOnly } = encode(encoding, before, secret, after);
				const masked = masker.maskText(`result: ${encoded} (done)`).text;
				expect(masked).toContain(REPLACEMENT);
				expect(masked).not.toContain(secretOnly);
			}),
			{ seed: 1414, numRuns: 300 },
		);
	});

	it.each([0, 1, 2])('base64 at offset %i: the characters that mix the secret with its neighbours are masked too, the others kept', (offset) => {
		const secret = 'zq81-local-value-7731';
		const before = 'x'.repeat(offset + 3);
		const after = 'tail!';
		const masker = createMasker(defaultMask(), { sessionSalt: 's', extraLiterals: [{ name: NAME, value: secret }] });
		const encoded = Buffer.from(before + secret + after).toString('base64');
		const firstBit = before.length * 8;
		const endBit = firstBit + secret.length * 8;
		// Characters touching the secret's bits at all.
		const firstTouched = Math.floor(firstBit / 6);
		const endTouched = Math.ceil(endBit / 6);
		expect(masker.maskText(encoded).text).toBe(`${encoded.slice(0, firstTouched)}${REPLACEMENT}${encoded.slice(endTouched)}`);
	});

	it('makes no encoded forms of a short secret (a few base64 or hex characters occur anywhere by chance)', () => {
		expect(secretForms('abc12').map((form) => form.encoding)).toEqual(expect.not.arrayContaining(['hex', 'base64@0']));
		expect(secretForms('abcdefgh12').map((form) => form.encoding)).toEqual(expect.arrayContaining(['hex', 'base64@0', 'base64@1', 'base64@2']));
	});

	it('leaves text without the secret alone', () => {
		const masker = createMasker(defaultMask(), { sessionSalt: 's', extraLiterals: [{ name: NAME, value: 'zq81-local-value-7731' }] });
		const text = `${Buffer.from('zq81-local-value-7730').toString('base64')} ${Buffer.from('other').toString('hex')} zq81-local`;
		expect(masker.maskText(text)).toEqual({ text, findings: [] });
	});
});

describe('escaped text is read decoded', () => {
	it('maps every decoded position back to where its character starts in the original', () => {
		fc.assert(
			fc.property(textArbitrary, (text) => {
				const raw = JSON.stringify(text).slice(1, -1).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
				const decoded = decodeEscapes(raw);
				if (decoded === undefined) {
					expect(raw).toBe(text);
					return;
				}
				expect(decoded.text).toBe(text);
				expect(decoded.toRaw(text.length)).toBe(raw.length);
				for (let index = 0; index < text.length; index++) {
					const start = decoded.toRaw(index);
					const end = decoded.toRaw(index + 1);
					expect(JSON.parse(`"${raw.slice(start, end)}"`)).toBe(text[index]);
				}
			}),
			{ seed: 1415, numRuns: 500 },
		);
	});

	it('finds a secret glued to an escape (Python writes café as caf\\u00e9) and masks the escaped one whole', () => {
		const masker = createMasker(defaultMask(), { sessionSalt: 's' });
		const token = 'ghp_R8x2Lq0vNw4Tz7Kp1Ys9Hc3Md6Fb5Ja0Ue2W';
		expect(masker.maskText(`caf\\u00e9${token}`).text).toBe('caf\\u00e9[REDACTED:github-token]');
		const escaped = [...token].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
		expect(masker.maskText(`{"a":"x ${escaped} y"}`).text).toBe('{"a":"x [REDACTED:github-token] y"}');
		// Not an escape JSON knows: left as it is.
		expect(masker.maskText('C:\\Users\\q\\ok').text).toBe('C:\\Users\\q\\ok');
	});
});
