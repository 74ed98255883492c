// The words the approval pages use for durations, and the reasons they keep: the server's
// `durationInWords` and the copy in viewer.js (which keeps the clocks running) must say the
// same thing for every duration, or a page would change its words on the first tick.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationInWords, formatTime } from '../../../src/server/viewer/approvals-page.js';
import { MAX_REASON_CHARS, parseReason } from '../../../src/server/approval-routes.js';
import { VIEWER_SCRIPT } from '../../../src/server/viewer/viewer-assets.js';
import { ApiError } from '../../../src/server/api-error.js';

// The browser's copy, taken from the script as served.
const source = /function inWords\(ms\) \{[\s\S]*?\n\}/.exec(VIEWER_SCRIPT)?.[0];
const browserWords = new Function(`${source}; return inWords;`)() as (ms: number) => string;

const UNIT_SECONDS: Record<string, number> = { day: 86400, hour: 3600, minute: 60, second: 1 };

describe('approval durations in words', () => {
	it('reads the same on the server and in the browser, for any duration', () => {
		expect(source).toBeDefined();
		fc.assert(
			fc.property(fc.integer({ min: -10_000, max: 40 * 86_400_000 }), (ms) => {
				expect(browserWords(ms)).toBe(durationInWords(ms));
			}),
			{ seed: 2023, numRuns: 2000 },
		);
	});

	it('names at most two neighbouring units, whole, largest first, never more than the duration', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 40 * 86_400_000 }), (ms) => {
				const words = durationInWords(ms);
				const parts = [...words.matchAll(/(\d+) (day|hour|minute|second)s?/g)];
				expect(parts.length).toBeGreaterThanOrEqual(1);
				expect(parts.length).toBeLessThanOrEqual(2);
				expect(words).toBe(parts.map((part) => `${part[1]} ${part[2]}${part[1] === '1' ? '' : 's'}`).join(' '));
				const seconds = parts.reduce((sum, part) => sum + Number(part[1]) * UNIT_SECONDS[part[2]!]!, 0);
				expect(seconds).toBeLessThanOrEqual(Math.floor(ms / 1000));
				// The largest unit is the largest that fits.
				const largest = UNIT_SECONDS[parts[0]![2]!]!;
				if (ms >= 1000) expect(Math.floor(ms / 1000)).toBeLessThan(largest * (largest === 86400 ? Infinity : largest === 3600 ? 24 : 60));
			}),
			{ seed: 2024, numRuns: 2000 },
		);
		expect(durationInWords(579_000)).toBe('9 minutes 39 seconds');
		expect(durationInWords(3_600_000)).toBe('1 hour');
		expect(durationInWords(-5)).toBe('0 seconds');
	});

	it('writes times with their zone', () => {
		expect(formatTime(Date.UTC(2026, 11, 5, 14, 50, 12))).toBe('2026-12-05 14:50:12 UTC');
	});
});

describe('approver reasons', () => {
	it('keeps any text up to the limit, trimmed; empty is none; longer or not text is refused, never cut', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: MAX_REASON_CHARS + 50 }), (text) => {
				const trimmed = text.trim();
				if (trimmed.length > MAX_REASON_CHARS) expect(() => parseReason(text)).toThrow(ApiError);
				else expect(parseReason(text)).toBe(trimmed === '' ? null : trimmed);
			}),
			{ seed: 2025, numRuns: 500 },
		);
		expect(parseReason(undefined)).toBeNull();
		expect(parseReason(null)).toBeNull();
		for (const value of [12, true, ['a'], { text: 'a' }]) expect(() => parseReason(value)).toThrow(/'reason' must be text/);
	});
});
