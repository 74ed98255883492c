// US social security numbers written 123-45-6789, without the ranges the SSA never
// issues (area 000, 666, 900–999; group 00; serial 0000). Unformatted nine-digit numbers
// only count after the words "SSN" or "social security".

import { createScanningDetector, type Detector, includesAny } from './detector.js';

const formatted = createScanningDetector({
	name: 'us-ssn',
	mayMatch: (text) => text.includes('-'),
	trigger: /\d{3}-\d{2}-\d{4}/,
	pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
});

const labelled = createScanningDetector({
	name: 'us-ssn',
	mayMatch: (text) => includesAny(text, ['SSN', 'ssn', 'Ssn', 'ocial', 'OCIAL']),
	trigger: /ssn|ocial/i,
	pattern: /\b(?:ssn|social security(?: number)?)\W{1,12}((?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})(?!\d)/dgi,
	group: 1,
});

export const usSsn: Detector = {
	name: 'us-ssn',
	trigger: /\d{3}-\d{2}-\d{4}|ssn|ocial/i,
	collect(text, report) {
		formatted.collect(text, report);
		labelled.collect(text, report);
	},
};
