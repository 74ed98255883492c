// Phone numbers without matching version strings, dates, timestamps or ids: a number
// counts when it is written the way only phone numbers are, or when a word such as
// "phone", "tel", "mobile" or "fax" stands just before it. Shapes that count on their own:
// - E.164 with "+", compact or grouped (`+33612345678`, `+44 20 7946 0958`);
// - North American `(415) 555-0134`, `415-555-0134`, `415.555.0134`, `415 555 0134`
//   (also Italian mobiles, `312 345 6789`);
// - a national trunk prefix `0` and groups, 9–12 digits in all: UK `020 7946 0958`,
//   `07700 900123`, DE `030 12345678`, `089/1234567`, FR `06 12 34 56 78`,
//   `06.12.34.56.78`, NL `06-12345678`, IT `06 1234 5678`, JP `03-1234-5678`,
//   AU `0412 345 678`, IN `098765 43210`, CH `044 668 18 00`, SE `08-123 456 78`;
// - an area code in parentheses: AU `(02) 9876 5432`, BR `(11) 91234-5678`;
// - Spanish `612 34 56 78`.
// False-positive guards: no digit, `+`, `.`, `/` or `-` right before (ids, paths,
// decimals), no `digit:` before and no digit after a separator other than a comma or a
// space (longer runs, times; a comma is a CSV delimiter), no plain number one space away
// on either side (tables of numbers); a trunk number needs a separator, never starts
// `00`, and three groups of four digits after a four-digit prefix (`0123 4567 8901`) are
// an id; ISBN-10s (`0-306-40615-2`) have a single digit after the 0 and do not match.

import { startsToken } from '../boundaries.js';
import type { Detector, ReportRange } from './detector.js';

// Compact (+33612345678) or in groups, each group after a separator or in parentheses, so
// a run of digits can be split only one way (no backtracking blow-up on long numbers).
const INTERNATIONAL = /(?<![\w+.\/-](?<!(?<!\\)\\[nrt]))\+(?:[1-9]\d{6,14}|[1-9]\d{0,3}(?:[ .-]?\(\d{1,5}\)|[ .-]\d{1,10}){1,6})(?![\w]|[.-]\d)/g;
const NORTH_AMERICAN = /(?<![\w.+\/-](?<!(?<!\\)\\[nrt]))(?:\([2-9]\d{2}\) ?\d{3}[-. ]\d{4}|[2-9]\d{2}([-.])\d{3}\1\d{4})(?![\w]|[.-]\d)/g;
// Word characters before are ruled out in collectPattern (startsToken), so `\n` escapes are not.
// Not inside a table of bare numbers (`12 345 678 9012`): no plain number and a space
// right before or after; a date or a time there is fine.
const NOT_AFTER = String.raw`(?<![\d+./-]|\d:|(?:^|[^\d/:.-])\d+ )`;
const NOT_BEFORE = String.raw`(?![\w]|[.:/-]\d| \d+(?![\d/:.-]))`;
const TRUNK = new RegExp(`${NOT_AFTER}0[1-9]\\d{0,4}(?:[ /-]\\d{2,8})(?:[ -]\\d{2,8}){0,3}${NOT_BEFORE}`, 'g');
const DOTTED_PAIRS = new RegExp(`${NOT_AFTER}0[1-9](?:\\.\\d{2}){4}${NOT_BEFORE}`, 'g');
const AREA_IN_PARENTHESES = new RegExp(`${NOT_AFTER}\\(0?\\d{2,4}\\) ?\\d{3,5}[ -]?\\d{4}${NOT_BEFORE}`, 'g');
const SPACED = new RegExp(`${NOT_AFTER}(?:[2-9]\\d{2} \\d{3} \\d{4}|[6-9]\\d{2} \\d{2} \\d{2} \\d{2})${NOT_BEFORE}`, 'g');
const ID_GROUPS = /^0\d{3} \d{4} \d{4}$/;
const LABELLED =
	/\b(?:phone|telephone|tel|mobile?|mob|cell|fax|call|whatsapp|sms|contact|t[eé]l[eé]fono|telefon|telefone|portable|handy|gsm|tlf|celular|cellulare)\b[^\n\d+\\]{0,20}(\+?\(?\d[\d ().-]{5,20}\d)(?![\w]|[.-]\d)/dgi;
// After a label the shape is free, so dates, addresses and versions must be ruled out.
const NOT_A_NUMBER_AFTER_LABEL = /\d{4}-\d{2}-\d{2}|^\d{1,3}(?:\.\d{1,3}){3}$|^\d+\.\d+\.\d+/;

export const phone: Detector = {
	name: 'phone',
	// INTERNATIONAL starts `+digit`, NORTH_AMERICAN holds three digits in a row, LABELLED a label.
	trigger: /\+[1-9]|\d{3}|\d\d[ .]\d\d|t[eé]l|phone|mob|cell|fax|call|whatsapp|sms|contact|portable|handy|gsm|tlf|celular/i,
	collect(text, report) {
		if (text.includes('+')) collectPattern(text, INTERNATIONAL, 0, report, 8, 15);
		collectPattern(text, LABELLED, 1, report, 7, 15);
		collectNationalShapes(text, report);
	},
};

// The national shapes, each tried only where one pre-scan finds a short digit run (maybe
// after `(`) followed by a separator and a digit: one pass over the text instead of one
// per shape.
const NUMBER_START = /(?<!\d)\d{2,6}(?:\) ?|[ ./-])\d/g;
const NORTH_AMERICAN_SHAPE = { pattern: sticky(NORTH_AMERICAN), minDigits: 10, maxDigits: 10 };
const TRUNK_SHAPE = { pattern: sticky(TRUNK), minDigits: 9, maxDigits: 12 };
// Which shapes can start where: at a `(` before the run, at a run that starts with the trunk `0`, at a run of three digits.
const AT_PARENTHESIS = [NORTH_AMERICAN_SHAPE, { pattern: sticky(AREA_IN_PARENTHESES), minDigits: 10, maxDigits: 12 }];
const AT_TRUNK = [TRUNK_SHAPE, { pattern: sticky(DOTTED_PAIRS), minDigits: 10, maxDigits: 10 }];
const AT_THREE_DIGITS = [NORTH_AMERICAN_SHAPE, { pattern: sticky(SPACED), minDigits: 9, maxDigits: 10 }];

function sticky(pattern: RegExp): RegExp {
	return new RegExp(pattern.source, 'y');
}

function collectNationalShapes(text: string, report: ReportRange): void {
	NUMBER_START.lastIndex = 0;
	let candidate: RegExpExecArray | null;
	while ((candidate = NUMBER_START.exec(text)) !== null) {
		const at = candidate.index;
		let end = -1;
		const tryShapes = (shapes: typeof AT_TRUNK, start: number) => {
			if (!startsToken(text, start)) return;
			for (const { pattern, minDigits, maxDigits } of shapes) {
				pattern.lastIndex = start;
				const match = pattern.exec(text);
				if (match === null) continue;
				const value = match[0];
				const digits = value.replace(/\D/g, '').length;
				if (digits < minDigits || digits > maxDigits || (pattern === TRUNK_SHAPE.pattern && ID_GROUPS.test(value))) continue;
				report(start, start + value.length);
				end = Math.max(end, start + value.length);
			}
		};
		if (text.charCodeAt(at - 1) === 40) tryShapes(AT_PARENTHESIS, at - 1);
		if (text.charCodeAt(at) === 48) tryShapes(AT_TRUNK, at);
		else if (candidate[0].length === 5) tryShapes(AT_THREE_DIGITS, at);
		// On after what was found, or from the digit after the separator (the next group may start a number).
		NUMBER_START.lastIndex = end !== -1 ? end : at + candidate[0].length - 1;
	}
}

function collectPattern(text: string, pattern: RegExp, group: number, report: ReportRange, minDigits: number, maxDigits: number): void {
	pattern.lastIndex = 0;
	let match: RegExpExecArray | null;
	while ((match = pattern.exec(text)) !== null) {
		const value = match[group];
		const digits = value.replace(/\D/g, '').length;
		if (digits < minDigits || digits > maxDigits || (pattern === LABELLED && NOT_A_NUMBER_AFTER_LABEL.test(value))) continue;
		const start = group === 0 ? match.index : match.indices![group][0];
		if (pattern !== LABELLED && !startsToken(text, start)) continue;
		report(start, start + value.length);
	}
}
