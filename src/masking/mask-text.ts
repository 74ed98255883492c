// Masks one string: every enabled detector reports ranges, overlapping ranges are merged
// (named after the detector with the highest priority), and the text is rebuilt once.

import type { Detector } from './detectors/detector.js';
import type { Replace } from './replacement.js';

/** Shorter strings cannot hold any secret the detectors know. */
export const MIN_MASKABLE_LENGTH = 4;

export interface TextEngine {
	/** In priority order. */
	detectors: readonly Detector[];
	replace: Replace;
}

export interface MaskedText {
	text: string;
	/** Masked ranges per detector name; empty when nothing was masked. */
	counts: Map<string, number>;
}

interface Range {
	start: number;
	end: number;
	priority: number;
}

export function maskRanges(engine: TextEngine, text: string): MaskedText {
	const counts = new Map<string, number>();
	if (text.length < MIN_MASKABLE_LENGTH) return { text, counts };
	const ranges: Range[] = [];
	const { detectors } = engine;
	for (let priority = 0; priority < detectors.length; priority++) {
		const detector = detectors[priority];
		if (!detector.mayMatch(text)) continue;
		detector.collect(text, (start, end) => {
			if (end > start) ranges.push({ start, end, priority });
		});
	}
	if (ranges.length === 0) return { text, counts };
	ranges.sort((a, b) => a.start - b.start || a.priority - b.priority);
	const pieces: string[] = [];
	let written = 0;
	let current = { ...ranges[0] };
	const flush = () => {
		const name = detectors[current.priority].name;
		pieces.push(text.slice(written, current.start), engine.replace(name, text.slice(current.start, current.end)));
		written = current.end;
		counts.set(name, (counts.get(name) ?? 0) + 1);
	};
	for (let index = 1; index < ranges.length; index++) {
		const range = ranges[index];
		if (range.start < current.end) {
			current.end = Math.max(current.end, range.end);
			current.priority = Math.min(current.priority, range.priority);
		} else {
			flush();
			current = { ...range };
		}
	}
	flush();
	pieces.push(text.slice(written));
	return { text: pieces.join(''), counts };
}
