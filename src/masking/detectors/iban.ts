// International bank account numbers, compact or in groups of four, validated by the
// country length and the ISO 13616 mod-97 check digits.

import { isValidIban } from '../iban.js';
import { createScanningDetector, type Detector } from './detector.js';

export const iban: Detector = createScanningDetector({
	name: 'iban',
	trigger: /[A-Z]{2}\d{2}/,
	pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g,
	accept: (value) => isValidIban(value.replace(/ /g, '')),
});
