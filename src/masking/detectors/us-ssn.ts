// US social security numbers written 123-45-6789, without the ranges the SSA never
// issues (area 000, 666, 900–999; group 00; serial 0000). Unformatted nine-digit numbers
// only count after the words "SSN" or "social security".

import { createPatternDetector, type Detector } from './detector.js';

const formatted = createPatternDetector({
	name: 'us-ssn',
	anchors: ['-'],
	pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
});

const labelled = createPatternDetector({
	name: 'us-ssn',
	anchors: ['SSN', 'ssn', 'Ssn', 'ocial', 'OCIAL'],
	pattern: /\b(?:ssn|social security(?: number)?)\W{1,12}((?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})(?!\d)/dgi,
	group: 1,
});

export const usSsn: Detector = {
	name: 'us-ssn',
	mayMatch: (text) => formatted.mayMatch(text) || labelled.mayMatch(text),
	collect(text, report) {
		if (formatted.mayMatch(text)) formatted.collect(text, report);
		if (labelled.mayMatch(text)) labelled.collect(text, report);
	},
};
