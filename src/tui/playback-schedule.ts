// When each recorded event appears during `--speed N` playback: recorded gaps divided by N,
// each wait capped so a session that sat idle for an hour does not stall the replay.

import type { ReplayEvent } from '../event/event-forms.js';

export interface PlaybackScheduleOptions {
	events: Pick<ReplayEvent, 'tsMicros'>[];
	/** The session's start, µs since the epoch: the first event waits for its gap from here. */
	startMicros: number;
	/** 1 = real time, 10 = ten times faster. */
	speed: number;
	/** The longest wait between two events, in wall-clock ms. */
	maxGapMs?: number;
}

export const DEFAULT_MAX_GAP_MS = 2000;

/** For each event, the wall-clock ms after playback starts at which it appears. */
export function playbackSchedule({ events, startMicros, speed, maxGapMs = DEFAULT_MAX_GAP_MS }: PlaybackScheduleOptions): number[] {
	if (!(speed > 0)) throw new RangeError(`playback speed must be a positive number, got ${speed}`);
	const due: number[] = [];
	let previous = startMicros;
	let elapsed = 0;
	for (const event of events) {
		const gapMs = Math.max(0, event.tsMicros - previous) / 1000 / speed;
		elapsed += Math.min(gapMs, maxGapMs);
		previous = Math.max(previous, event.tsMicros);
		due.push(elapsed);
	}
	return due;
}

/** How many events have appeared `elapsedMs` into playback. */
export function revealedCountAt(due: number[], elapsedMs: number): number {
	let low = 0;
	let high = due.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if (due[middle] <= elapsedMs) low = middle + 1;
		else high = middle;
	}
	return low;
}
