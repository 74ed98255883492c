// The shape every detector has. A detector reports ranges of a string to mask; it never
// builds the masked text itself, so overlapping findings can be merged in one place.

import { startsToken } from '../boundaries.js';

/** Reports one range [start, end) of the text to mask, found by the named detector (default: the reporting detector). */
export type ReportRange = (start: number, end: number, detector?: string) => void;

/** One kind of secret or personal data, found in plain text. */
export interface Detector {
	/** Stable name, used in policies (`exclude: [jwt]`), findings and replacements. */
	readonly name: string;
	/** Other detector names this one reports for, when one scan serves several (see key-value-detector.ts). */
	readonly alsoReports?: readonly string[];
	/** Reports every range to mask; returns quickly (one literal search) when the text cannot match. */
	collect(text: string, report: ReportRange): void;
	/**
	 * Found in every text this detector reports anything in (a literal anchor, a character
	 * class), so a text it doesn't match can skip the detector: the masker tests all
	 * triggers in one regex before running any detector. Absent: the detector always runs.
	 */
	readonly trigger?: RegExp;
}

/**
 * A detector driven by literal anchors: each place an anchor occurs (found with indexOf,
 * which is several times faster than a regex scanning for alternatives) is tried with a
 * sticky pattern that starts with that anchor.
 */
export interface AnchoredDetectorOptions {
	name: string;
	/** Case-sensitive literals found at `anchorOffset` into every match. */
	anchors: readonly string[];
	/** Where the anchor sits in the match (default 0); a later, rarer part of the prefix is found faster. */
	anchorOffset?: number;
	/** Sticky (`y`); add `d` when `group` is used. Tried at each anchor position. */
	pattern: RegExp;
	/** Mask only this capture group instead of the whole match. */
	group?: number;
	/** The match must start a token (see startsToken), e.g. not `xghp_…`. */
	tokenStart?: boolean;
	/** Rejects a match that only looks like a secret (checksum, decoding, placeholders). */
	accept?: (value: string, match: RegExpExecArray, text: string) => boolean;
}

export function createAnchoredDetector(options: AnchoredDetectorOptions): Detector {
	const { name, anchors, pattern, group, tokenStart, accept } = options;
	const offset = options.anchorOffset ?? 0;
	if (!pattern.sticky) throw new Error(`detector '${name}': pattern ${pattern} needs the y flag`);
	return {
		name,
		trigger: new RegExp(anchors.map(escapeRegExp).join('|')),
		collect(text, report) {
			for (const anchor of anchors) {
				for (let found = text.indexOf(anchor, offset); found !== -1; found = text.indexOf(anchor, found + 1)) {
					const at = found - offset;
					if (tokenStart && !startsToken(text, at)) continue;
					pattern.lastIndex = at;
					const match = pattern.exec(text);
					if (match === null) continue;
					reportMatch({ text, match, group, accept, report });
					found = Math.max(found, pattern.lastIndex - 1);
				}
			}
		},
	};
}

/** A detector that scans with one global pattern (for shapes without a literal prefix). */
export interface ScanningDetectorOptions {
	name: string;
	/** Cheap precondition (literal checks); the pattern runs only when it holds. */
	mayMatch?: (text: string) => boolean;
	/** See Detector.trigger: must match every text the pattern (and mayMatch) could report in. */
	trigger: RegExp;
	/** Global (`g`); add `d` when `group` is used. */
	pattern: RegExp;
	group?: number;
	accept?: (value: string, match: RegExpExecArray, text: string) => boolean;
	/**
	 * A match that accept rejects may have swallowed the start of a real one (a date run
	 * into a card number: `2025-03-01 4111 1111…`): scan on from its second character
	 * instead of its end.
	 */
	retryInside?: boolean;
}

export function createScanningDetector(options: ScanningDetectorOptions): Detector {
	const { name, mayMatch, pattern, group, accept, trigger, retryInside } = options;
	if (!pattern.global) throw new Error(`detector '${name}': pattern ${pattern} needs the g flag`);
	return {
		name,
		trigger,
		collect(text, report) {
			if (mayMatch && !mayMatch(text)) return;
			pattern.lastIndex = 0;
			let match: RegExpExecArray | null;
			while ((match = pattern.exec(text)) !== null) {
				if (match[0].length === 0) pattern.lastIndex++;
				else if (!reportMatch({ text, match, group, accept, report }) && retryInside) pattern.lastIndex = match.index + 1;
			}
		},
	};
}

// Reports the match (or its group) unless accept rejects it; false when rejected.
function reportMatch(found: {
	text: string;
	match: RegExpExecArray;
	group: number | undefined;
	accept: AnchoredDetectorOptions['accept'];
	report: ReportRange;
}): boolean {
	const { text, match, group } = found;
	let start = match.index;
	let end = start + match[0].length;
	if (group !== undefined) {
		const range = match.indices?.[group];
		if (!range) return false;
		[start, end] = range;
	}
	if (found.accept && !found.accept(text.slice(start, end), match, text)) return false;
	if (end > start) found.report(start, end);
	return true;
}

/** A literal as a regex source. */
export function escapeRegExp(literal: string): string {
	return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when the text contains one of the literals. */
export function includesAny(text: string, literals: readonly string[]): boolean {
	for (const literal of literals) if (text.includes(literal)) return true;
	return false;
}
