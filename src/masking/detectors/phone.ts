// Phone numbers without matching version strings, dates, timestamps or ids: a number
// counts when it is written the way only phone numbers are — E.164 with "+", the North
// American (415) 555-0134 / 415-555-0134 shapes — or when a word such as "phone", "tel",
// "mobile" or "fax" stands just before it (for national formats like 030 1234567).

import type { Detector, ReportRange } from './detector.js';

// Compact (+33612345678) or in groups, each group after a separator or in parentheses, so
// a run of digits can be split only one way (no backtracking blow-up on long numbers).
const INTERNATIONAL = /(?<![\w+.\/-])\+(?:[1-9]\d{6,14}|[1-9]\d{0,3}(?:[ .-]?\(\d{1,5}\)|[ .-]\d{1,10}){1,6})(?![\w]|[.-]\d)/g;
const NORTH_AMERICAN = /(?<![\w.+\/-])(?:\([2-9]\d{2}\) ?\d{3}[-. ]\d{4}|[2-9]\d{2}([-.])\d{3}\1\d{4})(?![\w]|[.-]\d)/g;
const LABELLED =
	/\b(?:phone|telephone|tel|mobile|mob|cell|fax|call|whatsapp|sms|contact|t[eé]l[eé]fono|telefon|portable)\b[^\n\d+\\]{0,20}(\+?\(?\d[\d ().-]{5,20}\d)(?![\w]|[.-]\d)/dgi;
// After a label the shape is free, so dates, addresses and versions must be ruled out.
const NOT_A_NUMBER_AFTER_LABEL = /\d{4}-\d{2}-\d{2}|^\d{1,3}(?:\.\d{1,3}){3}$|^\d+\.\d+\.\d+/;

export const phone: Detector = {
	name: 'phone',
	// INTERNATIONAL starts `+digit`, NORTH_AMERICAN holds three digits in a row, LABELLED a label.
	trigger: /\+[1-9]|\d{3}|t[eé]l|phone|mob|cell|fax|call|whatsapp|sms|contact|portable/i,
	collect(text, report) {
		collectPattern(text, INTERNATIONAL, 0, report, 8, 15);
		collectPattern(text, NORTH_AMERICAN, 0, report, 10, 10);
		collectPattern(text, LABELLED, 1, report, 7, 15);
	},
};

function collectPattern(text: string, pattern: RegExp, group: number, report: ReportRange, minDigits: number, maxDigits: number): void {
	pattern.lastIndex = 0;
	let match: RegExpExecArray | null;
	while ((match = pattern.exec(text)) !== null) {
		const value = match[group];
		const digits = value.replace(/\D/g, '').length;
		if (digits < minDigits || digits > maxDigits || (pattern === LABELLED && NOT_A_NUMBER_AFTER_LABEL.test(value))) continue;
		const start = group === 0 ? match.index : match.indices![group][0];
		report(start, start + value.length);
	}
}
