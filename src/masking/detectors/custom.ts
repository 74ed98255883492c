// Detectors from the policy's `mask.custom` list: the whole match of the pattern is masked.

import type { CustomDetector } from '../../policy/policy-types.js';
import type { Detector } from './detector.js';

export function createCustomDetector(custom: CustomDetector): Detector {
	const flags = custom.pattern.flags.replace(/[gy]/g, '');
	const pattern = new RegExp(custom.pattern.source, `${flags}g`);
	return {
		name: custom.name,
		// The pattern itself: it reports nothing in a text it doesn't match.
		trigger: new RegExp(custom.pattern.source, flags),
		collect(text, report) {
			pattern.lastIndex = 0;
			let match: RegExpExecArray | null;
			while ((match = pattern.exec(text)) !== null) {
				if (match[0].length === 0) {
					pattern.lastIndex++;
					continue;
				}
				report(match.index, match.index + match[0].length);
			}
		},
	};
}
