// Property tests: values from the corpus generator's makers (seeded by fast-check) are
// masked in every cell of every table or file shape they may stand in, and their broken
// twins (a wrong check digit) are not. Covers every SEPA country's IBAN, every card issuer
// and length, and the phone formats of every country the phone detector claims.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types (it runs under node alone to write documents.json)
import { createValueMakers } from '../../../fixtures/masking-corpus/generate-documents.mjs';
import { createMasker, type Masker } from '../../../src/masking/create-masker.js';
import type { MaskPolicy } from '../../../src/policy/policy-types.js';

interface Makers {
	card(style: 'bare' | 'spaces' | 'dashes'): string;
	cardDigits(): string;
	iban(country: string, grouped: boolean): string;
	sepaCountries: string[];
	phones: (() => { country: string; e164: string; national: string })[];
}

const makers = (seed: number) => createValueMakers(seed) as Makers;
const maskerFor = (detector: string): Masker => {
	const policy: MaskPolicy = { detectors: [detector], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' };
	return createMasker(policy, { sessionSalt: 'properties' });
};

// What may stand before and after a value: delimiters of CSV, TSV, SQL, Markdown and HTML
// tables, quotes, labels, and the `\n` escape of JSON written as text; with another column
// (words, digits, a quoted name) before and after.
const cell = fc.record({
	before: fc.constantFrom('', 'x', '10023', 'Doe', '"Doe, Jane"', '2025-03-01'),
	open: fc.constantFrom(',', ';', '\t', '|', ' | ', '"', "'", ': ', '=', '(', '<td>', '\\n', ' ', '\n'),
	close: fc.constantFrom(',', ';', '\t', '|', ' |', '"', "'", '.', ')', '</td>', '\\n', ' ', '\n', ''),
	after: fc.constantFrom('', 'EUR', '42', '12/27', 'paid'),
});
// A sentence's full stop or the end of the text ends the cell: nothing follows it there.
const place = (value: string, at: { before: string; open: string; close: string; after: string }) =>
	`${at.before}${at.open}${value}${at.close}${at.close === '' || at.close === '.' ? '' : at.after}`;
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

describe('generated values in table and file cells', () => {
	const card = maskerFor('credit-card');
	const iban = maskerFor('iban');
	const phone = maskerFor('phone');

	it('masks every valid card number, bare or grouped', () => {
		fc.assert(
			fc.property(seed, cell, fc.constantFrom('bare', 'spaces', 'dashes'), (value, at, style) => {
				// The documented guard: grouped digits with a plain number one space away are a table of numbers.
				fc.pre(style !== 'spaces' || (!(at.open === ' ' && /^\d+$/.test(at.before)) && !(at.close === ' ' && /^\d+$/.test(at.after))));
				const number = makers(value).card(style as 'bare');
				expect(card.maskText(place(number, at)).text).not.toContain(number);
			}),
			{ numRuns: 400 },
		);
	});

	it('leaves a card-shaped number with a wrong Luhn digit alone', () => {
		fc.assert(
			fc.property(seed, cell, fc.integer({ min: 1, max: 9 }), (value, at, shift) => {
				const valid = makers(value).cardDigits();
				const broken = valid.slice(0, -1) + String((Number(valid.at(-1)) + shift) % 10);
				const text = place(broken, at);
				expect(card.maskText(text).text).toBe(text);
			}),
			{ numRuns: 300 },
		);
	});

	it('masks the IBAN of every SEPA country, compact or grouped', () => {
		const countries = makers(1).sepaCountries;
		expect(countries.length).toBeGreaterThanOrEqual(41);
		fc.assert(
			fc.property(seed, cell, fc.constantFrom(...countries), fc.boolean(), (value, at, country, grouped) => {
				const account = makers(value).iban(country, grouped);
				expect(iban.maskText(place(account, at)).text).not.toContain(account);
			}),
			{ numRuns: 500 },
		);
	});

	it('leaves an IBAN with wrong check digits alone', () => {
		fc.assert(
			fc.property(seed, cell, fc.constantFrom(...makers(1).sepaCountries), fc.integer({ min: 1, max: 96 }), (value, at, country, shift) => {
				const account = makers(value).iban(country, false);
				const check = String(((Number(account.slice(2, 4)) - 2 + shift) % 97) + 2).padStart(2, '0');
				const text = place(account.slice(0, 2) + check + account.slice(4), at);
				expect(iban.maskText(text).text).toBe(text);
			}),
			{ numRuns: 300 },
		);
	});

	it('masks phone numbers of every claimed country in E.164 and national format', () => {
		const count = makers(1).phones.length;
		expect(new Set(makers(1).phones.map((make) => make().country)).size).toBeGreaterThanOrEqual(10);
		fc.assert(
			fc.property(seed, cell, fc.integer({ min: 0, max: count - 1 }), fc.boolean(), (value, at, index, international) => {
				// The documented guard: a plain number one space away is a table of numbers.
				fc.pre(!(at.open === ' ' && /^\d+$/.test(at.before)) && !(at.close === ' ' && /^\d+$/.test(at.after)));
				const entry = makers(value).phones[index]();
				const number = international ? entry.e164 : entry.national;
				expect(phone.maskText(place(number, at)).text, `${entry.country} ${number}`).not.toContain(number);
			}),
			{ numRuns: 600 },
		);
	});
});
