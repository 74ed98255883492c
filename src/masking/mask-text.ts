// Masks one string: every enabled detector reports ranges, overlapping ranges are merged
// (named after the detector with the highest priority), and the text is rebuilt once.

import { decodeEscapes } from './decode-escapes.js';
import type { Detector } from './detectors/detector.js';
import type { Replace } from './replacement.js';

/** Shorter strings cannot hold any secret the detectors know. */
export const MIN_MASKABLE_LENGTH = 4;
/** Longer strings skip the trigger test (TextEngine.mayMatch) and go to the detectors. */
const TRIGGER_TEST_MAX_LENGTH = 512;

export interface TextEngine {
	detectors: readonly Detector[];
	/** Every detector name, highest priority first: merged ranges are named after the first. */
	names: readonly string[];
	/** Indexes into `detectors` of those that must see the original text (custom patterns, literals), not its narrowed copy. */
	needsOriginal: ReadonlySet<number>;
	replace: Replace;
	/** False when no detector can report anything in the text (see Detector.trigger); absent: always run them. */
	mayMatch?: (original: string, narrowed: string) => boolean;
}

export interface MaskedText {
	text: string;
	/** Masked ranges per detector name. */
	counts: Map<string, number>;
	/**
	 * False when a masked range held a double quote or split a backslash escape, so that
	 * JSON written as text may have lost its shape. Replacements themselves never contain
	 * quotes or backslashes.
	 */
	jsonSafe: boolean;
}

// One character outside Latin-1 makes V8 store the whole string with two bytes per
// character, and every regex and indexOf over it several times slower. Detectors look for
// ASCII shapes, so they run on a copy where each such character is replaced by SUB
// (U+001A): same length, same offsets, one byte per character.
const WIDE = /[^\x00-\xff]/;
const WIDE_ALL = /[^\x00-\xff]/g;
const SAMPLE_LENGTH = 4096;

export function narrow(text: string): string {
	if (!WIDE.test(text)) return text;
	// Fixing up a copy per character is fastest when they are few (a ✓ here and there) and
	// slow when most are wide (CJK text); there a plain copy loop wins.
	const sampled = text.slice(0, SAMPLE_LENGTH).match(WIDE_ALL)?.length ?? 0;
	if (sampled < SAMPLE_LENGTH / 32) {
		// Not text.replace(): its result is a rope that every detector's first search must
		// flatten, at ten times the cost of this copy (each code unit's low byte) and fix-up.
		const bytes = Buffer.from(text, 'latin1');
		WIDE_ALL.lastIndex = 0;
		for (let match = WIDE_ALL.exec(text); match !== null; match = WIDE_ALL.exec(text)) bytes[match.index] = 26;
		return bytes.toString('latin1');
	}
	const bytes = Buffer.allocUnsafe(text.length);
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		bytes[index] = code < 256 ? code : 26;
	}
	return bytes.toString('latin1');
}

/** The text with every finding replaced; undefined when nothing was found (no allocation for the common case). */
export function maskRanges(engine: TextEngine, text: string): MaskedText | undefined {
	if (text.length < MIN_MASKABLE_LENGTH) return undefined;
	const narrowed = narrow(text);
	// Text with JSON escapes is read twice: as it is, and decoded (decode-escapes.ts), so that
	// an escaped secret, or one glued to an escape (`caf\u00e9ghp_…`), is found all the same.
	const decoded = text.includes('\\') ? decodeEscapes(text) : undefined;
	const decodedNarrowed = decoded === undefined ? undefined : narrow(decoded.text);
	// Most short strings (ids, names, labels) hold no trigger at all: one regex instead of
	// every detector. A long text usually holds some trigger, and there the detectors' own
	// literal searches are cheaper than a first pass that would rarely spare them.
	if (text.length <= TRIGGER_TEST_MAX_LENGTH && engine.mayMatch && !engine.mayMatch(text, narrowed) && (decoded === undefined || !engine.mayMatch(decoded.text, decodedNarrowed!))) {
		return undefined;
	}
	// Flat [start, end, priority] triples: no object per range on the hot path.
	const ranges: number[] = [];
	collectRanges(engine, text, narrowed, ranges);
	if (decoded !== undefined) {
		const found: number[] = [];
		collectRanges(engine, decoded.text, decodedNarrowed!, found);
		for (let index = 0; index < found.length; index += 3) ranges.push(decoded.toRaw(found[index]), decoded.toRaw(found[index + 1]), found[index + 2]);
	}
	if (ranges.length === 0) return undefined;
	return rebuild(engine, text, ranges);
}

function collectRanges(engine: TextEngine, text: string, narrowed: string, ranges: number[]): void {
	const { detectors, names } = engine;
	let ownPriority = 0;
	const report = (start: number, end: number, name?: string) => {
		if (end > start) ranges.push(start, end, name === undefined ? ownPriority : names.indexOf(name));
	};
	for (let index = 0; index < detectors.length; index++) {
		const detector = detectors[index];
		ownPriority = names.indexOf(detector.name);
		detector.collect(engine.needsOriginal.has(index) ? text : narrowed, report);
	}
}

function rebuild(engine: TextEngine, text: string, flat: number[]): MaskedText {
	const ranges: { start: number; end: number; priority: number }[] = [];
	for (let index = 0; index < flat.length; index += 3) ranges.push({ start: flat[index], end: flat[index + 1], priority: flat[index + 2] });
	ranges.sort((a, b) => a.start - b.start || a.priority - b.priority);
	const counts = new Map<string, number>();
	const pieces: string[] = [];
	let written = 0;
	let jsonSafe = true;
	let current = ranges[0];
	const flush = () => {
		const name = engine.names[current.priority];
		const value = text.slice(current.start, current.end);
		pieces.push(text.slice(written, current.start), engine.replace(name, value));
		written = current.end;
		counts.set(name, (counts.get(name) ?? 0) + 1);
		if (jsonSafe) jsonSafe = !value.includes('"') && backslashesBefore(text, current.start) % 2 === 0 && backslashesBefore(text, current.end, current.start) % 2 === 0;
	};
	for (let index = 1; index < ranges.length; index++) {
		const range = ranges[index];
		if (range.start < current.end) {
			current.end = Math.max(current.end, range.end);
			current.priority = Math.min(current.priority, range.priority);
		} else {
			flush();
			current = range;
		}
	}
	flush();
	pieces.push(text.slice(written));
	return { text: pieces.join(''), counts, jsonSafe };
}

// How many backslashes run up to `index` (not before `floor`): an odd count means the
// character at `index` is escaped, so a range may not start or end there.
function backslashesBefore(text: string, index: number, floor = 0): number {
	let count = 0;
	while (index - count > floor && text.charCodeAt(index - count - 1) === 92) count++;
	return count;
}
