// Text masking works on ranges and never emits quotes or backslashes, so JSON written as
// text survives it unless a masked range held a quote or split an escape (mask-text.ts
// tells). Only then is the document parsed: if the masked text no longer parses, the
// document is masked as parsed JSON instead and printed again with its indentation —
// changed formatting beats corrupt JSON.

import { maskJsonTree, type MaskFinding, type TreeMasking } from './mask-json.js';

export interface MaskedDocument {
	original: string;
	masked: string;
	/** From mask-text: no range could have changed the JSON structure. */
	jsonSafe: boolean;
	findings: MaskFinding[];
	/** Path of the text leaf; findings inside the document are reported at this path. */
	path: string;
	masking: TreeMasking;
}

export function keepJsonValid(document: MaskedDocument): { text: string; findings: MaskFinding[] } {
	const { original, masked, findings, path } = document;
	if (document.jsonSafe || !looksLikeJsonDocument(original) || parses(masked)) return { text: masked, findings };
	let parsed: unknown;
	try {
		parsed = JSON.parse(original);
	} catch {
		return { text: masked, findings };
	}
	const counts = new Map<string, number>();
	for (const finding of maskJsonTree(parsed, path, document.masking)) counts.set(finding.detector, (counts.get(finding.detector) ?? 0) + finding.count);
	// What was found spanned several values (only a custom pattern can do that): nothing to mask value by value.
	if (counts.size === 0) return { text: original, findings: [] };
	return {
		text: JSON.stringify(parsed, null, indentationOf(original)),
		findings: [...counts].map(([detector, count]) => ({ detector, path, count })),
	};
}

function looksLikeJsonDocument(text: string): boolean {
	const first = text.trimStart()[0];
	return first === '{' || first === '[';
}

function parses(text: string): boolean {
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}

function indentationOf(text: string): string | undefined {
	const match = /\n([ \t]+)["{[\]}]/.exec(text);
	return match?.[1];
}
