// Exact secret values mcprec itself knows (secrets it injected into the server, the stored
// login's tokens) are masked whatever the policy says, and in every common form a server
// may echo them in: as they are, JSON-escaped, URL-encoded, base64 and base64url, hex.
// Base64 writes 3 bytes as 4 characters, so a secret inside a larger encoded text comes out
// differently at each of the 3 offsets it may start at: each offset has its own form, made
// of the characters that depend on the secret's bytes alone, and the one character at each
// end that mixes the secret's first or last bits with its neighbour's is masked with it.
// What no form can catch (a secret split across messages, encrypted or compressed) is in
// the README's masking section.

import { escapeRegExp, type Detector } from './detectors/detector.js';

/** Values shorter than this get no encoded forms: a few base64 or hex characters occur by chance in any large blob. */
export const MIN_ENCODED_LENGTH = 8;

/** One way a secret may be written. */
export interface SecretForm {
	text: string;
	/** How it was written (for tests and messages): plain, json, url, form, base64@1, hex… */
	encoding: string;
	/** Characters next to the form that still carry some of the secret's bits are masked too, when in this alphabet. */
	partial?: { before: boolean; after: boolean; alphabet: RegExp };
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;
const BASE64URL_CHAR = /[A-Za-z0-9_-]/;

/** Every form of `value` the masker looks for, longest first, without duplicates. */
export function secretForms(value: string): SecretForm[] {
	const forms: SecretForm[] = [{ text: value, encoding: 'plain' }];
	forms.push({ text: JSON.stringify(value).slice(1, -1), encoding: 'json' });
	// Python's json.dumps (ensure_ascii) writes every non-ASCII character as \uXXXX.
	forms.push({ text: JSON.stringify(value).slice(1, -1).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`), encoding: 'json-ascii' });
	if (value.length >= MIN_ENCODED_LENGTH) {
		for (const [encoding, text] of [
			['url', encodeURIComponent(value)],
			['url', encodeURI(value)],
			['form', new URLSearchParams({ v: value }).toString().slice(2)],
			['form', encodeURIComponent(value).replace(/%20/g, '+')],
		] as const) {
			forms.push({ text, encoding }, { text: text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()), encoding });
		}
		const bytes = Buffer.from(value, 'utf8');
		forms.push({ text: bytes.toString('hex'), encoding: 'hex' }, { text: bytes.toString('hex').toUpperCase(), encoding: 'hex' });
		for (let offset = 0; offset < 3; offset++) {
			forms.push(base64Form(bytes, offset, 'base64'), base64Form(bytes, offset, 'base64url'));
		}
	}
	const seen = new Set<string>();
	return forms
		.filter((form) => form.text.length > 0 && !seen.has(form.text) && seen.add(form.text))
		.sort((a, b) => b.text.length - a.text.length);
}

// The characters of the base64 text that encode the secret's bits alone when it starts at
// `offset` (0, 1 or 2) bytes into a 3-byte group: bits [8·offset, 8·(offset+length)) of the
// padded input; character i covers bits [6i, 6i+6).
function base64Form(bytes: Buffer, offset: number, encoding: 'base64' | 'base64url'): SecretForm {
	const padded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(2)]);
	const encoded = padded.toString(encoding);
	const firstBit = 8 * offset;
	const endBit = 8 * (offset + bytes.length);
	const first = Math.ceil(firstBit / 6);
	const end = Math.floor(endBit / 6);
	return {
		text: encoded.slice(first, end),
		encoding: `${encoding}@${offset}`,
		partial: { before: firstBit % 6 !== 0, after: endBit % 6 !== 0, alphabet: encoding === 'base64' ? BASE64_CHAR : BASE64URL_CHAR },
	};
}

/** A detector for one known secret in all its forms; it reports under the secret's name. */
export function createKnownSecretDetector(secret: { name: string; value: string }): Detector {
	const forms = secretForms(secret.value);
	return {
		name: secret.name,
		trigger: new RegExp(forms.map((form) => escapeRegExp(form.text)).join('|')),
		collect(text, report) {
			for (const form of forms) {
				const length = form.text.length;
				for (let at = text.indexOf(form.text); at !== -1; at = text.indexOf(form.text, at + length)) {
					let start = at;
					let end = at + length;
					if (form.partial?.before && start > 0 && form.partial.alphabet.test(text[start - 1])) start--;
					if (form.partial?.after && end < text.length && form.partial.alphabet.test(text[end])) end++;
					report(start, end);
				}
			}
		},
	};
}
