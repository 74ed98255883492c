// International bank account numbers, compact or in groups of four, validated by the
// country length and the ISO 13616 mod-97 check digits. A grouped match may run on into
// the next word (`DE89 3704 0044 0532 0130 00 EUR`): then the part of the country's
// length is checked, and it must end where a group ends.

import { ibanLength, isValidIban } from '../iban.js';
import type { Detector } from './detector.js';

// Not inside a longer token, except right after a `\n` escape of JSON written as text.
const CANDIDATE = /(?<![A-Za-z0-9](?<!(?<!\\)\\[nrt]))[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;

export const iban: Detector = {
	name: 'iban',
	trigger: /[A-Z]{2}\d{2}/,
	collect(text, report) {
		CANDIDATE.lastIndex = 0;
		for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
			const value = match[0];
			const length = ibanLength(value.slice(0, 2));
			if (length === undefined) continue;
			// The first `length` letters and digits, and where they end in the text.
			let compact = '';
			let end = 0;
			while (end < value.length && compact.length < length) {
				if (value[end] !== ' ') compact += value[end];
				end++;
			}
			if (compact.length !== length || (end < value.length && value[end] !== ' ')) continue;
			if (isValidIban(compact)) report(match.index, match.index + end);
		}
	},
};
