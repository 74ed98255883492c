// Payment card numbers: 13–19 digits, optionally grouped with spaces or dashes, with a
// known issuer prefix and a valid Luhn digit. Grouped numbers must use one separator.
// A number may follow any delimiter of a table or file (`,` `;` `|` tab, quotes, `=`, `:`
// after a label); it may not continue a decimal (`0.4111…`, `0,4111…`), a path or an id
// (`/4111…`, `ord-4111…`), a time (`12:4111…`) or a word.

import { isEscapeBefore, isWordCode } from '../boundaries.js';
import { passesLuhn } from '../luhn.js';
import { createScanningDetector, type Detector } from './detector.js';

const GROUP_AFTER = /^\d{1,7}(?![\d/:.-])/;
const GROUP_BEFORE = /(?:^|[^\d/:.-])\d{1,7}$/;
const DECIMAL_ZERO = /(?:^|[^\d.,])-?0,$/;
// Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro.
const ISSUER = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]|7[01]|720)|3[47]|6(?:011|5|4[4-9]|2)|35(?:2[89]|[3-8])|3(?:0[0-5]|[68])|5[06-9]|6[37])/;

export const creditCard: Detector = createScanningDetector({
	name: 'credit-card',
	trigger: /[2-6]\d{3}/,
	// Bare, or in groups with one separator (so a bare number never swallows the next cell: `4111…1111 42`).
	pattern: /(?<!\d)[2-6]\d{3}(?:\d{9,15}|([ -])(?:\d{4,6}\1)*\d{1,7})(?!\d|[./:-]\d)/g,
	retryInside: true,
	accept: (value, match, text) => {
		if (!mayStartCard(text, match.index)) return false;
		const digits = value.replace(/[ -]/g, '');
		if (digits.length < 13 || digits.length > 19) return false;
		const separators = value.replace(/\d/g, '');
		if (separators.length > 0) {
			if (new Set(separators).size > 1 || !/^\d{4}([ -])(?:\d{4,6}\1)*\d{1,7}$/.test(value)) return false;
			// Part of a longer run of grouped numbers (a table, a list of ids); a date or time next to it is fine.
			const end = match.index + value.length;
			const separator = separators[0] === ' ' ? ' ' : '-';
			if (text[end] === separator && GROUP_AFTER.test(text.slice(end + 1, end + 9))) return false;
			if (text[match.index - 1] === separator && GROUP_BEFORE.test(text.slice(Math.max(0, match.index - 9), match.index - 1))) return false;
		}
		return ISSUER.test(digits) && passesLuhn(digits);
	},
});

// See the header: which character may stand right before a card number.
function mayStartCard(text: string, index: number): boolean {
	if (index === 0 || isEscapeBefore(text, index)) return true;
	const code = text.charCodeAt(index - 1);
	if (isWordCode(code)) return false;
	const previous = text.charCodeAt(index - 2);
	switch (text[index - 1]) {
		case '.':
		case '/':
		case '\\':
		case '+':
			return false;
		case '-': // `- 4111…` (a list item), not `ord-4111…`
			return !isWordCode(previous);
		case ':': // `card:4111…`, not `12:4111…`
			return !(previous >= 48 && previous <= 57);
		case ',': // `10023,4111…` is a CSV row, `0,4111…` a decimal
			return !DECIMAL_ZERO.test(text.slice(Math.max(0, index - 4), index));
		default:
			return true;
	}
}
