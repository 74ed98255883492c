// Exact secret values the proxy itself knows (secrets it injected into the upstream's
// environment or headers). They are masked whatever the policy says, also in their
// JSON-escaped form, since a server may echo them inside JSON written as text.

import { escapeRegExp, type Detector } from './detector.js';

/** Literals shorter than this would mask ordinary words; they are ignored. */
export const MIN_LITERAL_LENGTH = 4;

export function createLiteralDetector(literal: { name: string; value: string }): Detector {
	const forms = [literal.value];
	const escaped = JSON.stringify(literal.value).slice(1, -1);
	if (escaped !== literal.value) forms.push(escaped);
	return {
		name: literal.name,
		trigger: new RegExp(forms.map(escapeRegExp).join('|')),
		collect(text, report) {
			for (const form of forms) {
				for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + form.length)) report(at, at + form.length);
			}
		},
	};
}
