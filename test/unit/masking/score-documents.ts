// Scores a masker over the generated document corpus (fixtures/masking-corpus): which
// planted values it removed (recall) and which of its masks hit a planted value
// (precision), per format and per detector. Used by documents-corpus.test.ts.

import type { Masker } from '../../../src/masking/create-masker.js';

export interface CorpusDocument {
	format: string;
	title: string;
	text: string;
	planted: { detector: string; value: string }[];
	lookalikes: { kind: string; value: string }[];
}

export interface Tally {
	planted: number;
	caught: number;
	masks: number;
	trueMasks: number;
	/** Look-alikes in the documents (every one must survive: a mask on one is a false positive). */
	lookalikes: number;
}

export interface Score {
	byFormat: Map<string, Tally>;
	byDetector: Map<string, Tally>;
	total: Tally;
	misses: string[];
	falseAlarms: string[];
}

const REDACTED = /\[REDACTED:([a-z0-9-]+)\]/g;

/** Masks each document as the text of a tools/call result (what a server returns) and tallies the outcome. */
export function scoreDocuments(masker: Masker, documents: readonly CorpusDocument[]): Score {
	const byFormat = new Map<string, Tally>();
	const byDetector = new Map<string, Tally>();
	const total = emptyTally();
	const misses: string[] = [];
	const falseAlarms: string[] = [];
	const tallyOf = (map: Map<string, Tally>, name: string) => {
		let tally = map.get(name);
		if (!tally) map.set(name, (tally = emptyTally()));
		return tally;
	};
	for (const document of documents) {
		const message = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: document.text }] } };
		// As the masking stage does it: a line without escapes is only parsed when its text may hold something.
		const line = JSON.stringify(message);
		if (line.includes('\\') || masker.mayFindIn(line)) masker.maskMessage(message);
		const masked = message.result.content[0].text;
		const format = tallyOf(byFormat, document.format);
		format.lookalikes += document.lookalikes.length;
		total.lookalikes += document.lookalikes.length;
		// Recall: every occurrence of a planted value must be gone, not a piece of it left.
		for (const { detector, value } of document.planted) {
			const tallies = [format, tallyOf(byDetector, detector), total];
			for (const tally of tallies) tally.planted++;
			if (leaks(value, document.text, masked)) misses.push(`${document.title}: ${detector} ${JSON.stringify(value)}`);
			else for (const tally of tallies) tally.caught++;
		}
		// Precision: each mask must overlap a planted value.
		const spans = plantedSpans(document);
		const ranges = maskedRanges(document.text, masked);
		if (ranges === null) throw new Error(`${document.title}: the masked text no longer lines up with the original:\n${masked}`);
		for (const range of ranges) {
			const hit = spans.some(([start, end]) => range.start < end && start < range.end);
			for (const tally of [format, tallyOf(byDetector, range.detector), total]) {
				tally.masks++;
				if (hit) tally.trueMasks++;
			}
			if (!hit) falseAlarms.push(`${document.title}: ${range.detector} masked ${JSON.stringify(document.text.slice(range.start, range.end))} in …${JSON.stringify(document.text.slice(Math.max(0, range.start - 40), range.end + 20))}`);
		}
	}
	return { byFormat, byDetector, total, misses, falseAlarms };
}

export function recall(tally: Tally): number {
	return tally.planted === 0 ? 1 : tally.caught / tally.planted;
}

export function precision(tally: Tally): number {
	return tally.masks === 0 ? 1 : tally.trueMasks / tally.masks;
}

/** The per-format and per-detector table, as Markdown. */
export function formatScoreTable(score: Score): string {
	const row = (name: string, tally: Tally, lookalikes: boolean) =>
		`| ${name} | ${tally.caught}/${tally.planted} | ${recall(tally).toFixed(3)} | ${tally.trueMasks}/${tally.masks} | ${precision(tally).toFixed(3)} |${lookalikes ? ` ${tally.lookalikes} |` : ''}`;
	const table = (title: string, map: Map<string, Tally>, lookalikes: boolean) => [
		`| ${title} | caught/planted | recall | true/all masks | precision |${lookalikes ? ' look-alikes |' : ''}`,
		`|---|---|---|---|---|${lookalikes ? '---|' : ''}`,
		...[...map].sort(([a], [b]) => a.localeCompare(b)).map(([name, tally]) => row(name, tally, lookalikes)),
		row('**all**', score.total, lookalikes),
	];
	return [...table('format', score.byFormat, true), '', ...table('detector', score.byDetector, false)].join('\n');
}

function emptyTally(): Tally {
	return { planted: 0, caught: 0, masks: 0, trueMasks: 0, lookalikes: 0 };
}

// A value counts as masked only if no piece of it is left: each of its lines (keys span
// several) is cut into 12-character windows, and none may appear in the masked text more
// often than in the rest of the original (a PEM header's base64 is shared with certificates).
export function leaks(value: string, original: string, masked: string): boolean {
	const rest = original.split(value).join('');
	for (const line of value.split(/\r?\n|\\n/)) {
		const part = line.trim();
		if (part.length === 0) continue;
		const windows = part.length <= 12 ? [part] : [];
		for (let at = 0; at + 12 <= part.length; at += 12) windows.push(part.slice(at, at + 12));
		if (part.length > 12) windows.push(part.slice(-12));
		for (const window of windows) if (occurrences(masked, window) > occurrences(rest, window)) return true;
	}
	return false;
}

function occurrences(text: string, value: string): number {
	return text.split(value).length - 1;
}

function plantedSpans(document: CorpusDocument): [number, number][] {
	const spans: [number, number][] = [];
	for (const { value } of document.planted) {
		for (let at = document.text.indexOf(value); at !== -1; at = document.text.indexOf(value, at + 1)) spans.push([at, at + value.length]);
	}
	return spans;
}

// The original ranges behind each `[REDACTED:name]` of the masked text: the text between
// replacements is copied from the original in order, so each piece is found after the
// previous range (a range is never empty). Null when the pieces cannot be lined up.
function maskedRanges(original: string, masked: string): { start: number; end: number; detector: string }[] | null {
	const pieces: string[] = [];
	const detectors: string[] = [];
	let last = 0;
	for (const match of masked.matchAll(REDACTED)) {
		pieces.push(masked.slice(last, match.index));
		detectors.push(match[1]);
		last = match.index + match[0].length;
	}
	pieces.push(masked.slice(last));
	if (!original.startsWith(pieces[0])) return null;
	const ranges: { start: number; end: number; detector: string }[] = [];
	let at = pieces[0].length;
	for (let index = 0; index < detectors.length; index++) {
		const piece = pieces[index + 1];
		const isLast = index === detectors.length - 1;
		const next = isLast ? original.length - piece.length : original.indexOf(piece, at + 1);
		if (next <= at || !original.startsWith(piece, next)) return null;
		ranges.push({ start: at, end: next, detector: detectors[index] });
		at = next + piece.length;
	}
	return ranges;
}
