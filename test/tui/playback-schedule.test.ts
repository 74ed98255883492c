import { describe, expect, it } from 'vitest';
import { playbackSchedule, revealedCountAt } from '../../src/tui/playback-schedule.js';

const events = [0.5, 1.5, 61.5, 61.6].map((seconds) => ({ tsMicros: 1_000_000 + seconds * 1_000_000 }));

describe('playback schedule', () => {
	it('divides recorded gaps by the speed and caps long idle gaps at 2 s', () => {
		expect(playbackSchedule({ events, startMicros: 1_000_000, speed: 1 }).map(Math.round)).toEqual([500, 1500, 3500, 3600]);
		expect(playbackSchedule({ events, startMicros: 1_000_000, speed: 10 }).map(Math.round)).toEqual([50, 150, 2150, 2160]);
	});

	it('counts the events due at a moment of playback', () => {
		const due = playbackSchedule({ events, startMicros: 1_000_000, speed: 1 });
		expect([0, 499, 500, 2000, 10_000].map((ms) => revealedCountAt(due, ms))).toEqual([0, 0, 1, 2, 4]);
	});

	it('refuses a speed that is not positive', () => {
		expect(() => playbackSchedule({ events, startMicros: 0, speed: 0 })).toThrow('positive');
	});
});
