// The shape every detector has. A detector reports ranges of a string to mask; it never
// builds the masked text itself, so overlapping findings can be merged in one place.

/** Reports one range [start, end) of the text to mask. */
export type ReportRange = (start: number, end: number) => void;

/** One kind of secret or personal data, found in plain text. */
export interface Detector {
	/** Stable name, used in policies (`exclude: [jwt]`), findings and replacements. */
	readonly name: string;
	/** Cheap literal checks (indexOf); false means the detector cannot match this text. */
	mayMatch(text: string): boolean;
	/** Reports every range to mask. */
	collect(text: string, report: ReportRange): void;
}

/** A regular-expression detector: a literal prefilter, a global pattern, an optional check. */
export interface PatternDetectorOptions {
	name: string;
	/** The text must contain one of these literals (case-sensitive) for the pattern to run. */
	anchors: readonly string[];
	/** Must have the `g` flag; add `d` when `group` is used. */
	pattern: RegExp;
	/** Mask only this capture group instead of the whole match. */
	group?: number;
	/** Rejects a match that only looks like a secret (checksum, decoding, placeholders). */
	accept?: (value: string, match: RegExpExecArray, text: string) => boolean;
}

export function createPatternDetector(options: PatternDetectorOptions): Detector {
	const { name, anchors, pattern, group, accept } = options;
	if (!pattern.global) throw new Error(`detector '${name}': pattern ${pattern} needs the g flag`);
	return {
		name,
		mayMatch: (text) => includesAny(text, anchors),
		collect(text, report) {
			pattern.lastIndex = 0;
			let match: RegExpExecArray | null;
			while ((match = pattern.exec(text)) !== null) {
				if (match[0].length === 0) {
					pattern.lastIndex++;
					continue;
				}
				let start = match.index;
				let end = start + match[0].length;
				if (group !== undefined) {
					const range = match.indices?.[group];
					if (!range) continue;
					[start, end] = range;
				}
				const value = text.slice(start, end);
				if (accept && !accept(value, match, text)) continue;
				report(start, end);
			}
		},
	};
}

export function includesAny(text: string, literals: readonly string[]): boolean {
	for (const literal of literals) if (text.includes(literal)) return true;
	return false;
}
