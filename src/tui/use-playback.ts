// `--speed N` playback: reveals events on the recorded clock, N times faster. Without a speed
// the whole session shows at once; space then plays it again from the top in real time.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReplayEvent } from '../event/event-forms.js';
import { playbackSchedule, revealedCountAt } from './playback-schedule.js';

export interface PlaybackOptions {
	events: ReplayEvent[];
	startMicros: number;
	speed?: number;
}

export interface Playback {
	/** Events with a seq up to this one have appeared (Infinity: the whole session). */
	revealedSeq: number;
	revealedCount: number;
	playing: boolean;
	/** Playback is in progress or paused part-way. */
	active: boolean;
	speed: number;
	/** Space: pause, resume, or play again from the top. */
	toggle: () => void;
}

interface Clock {
	playing: boolean;
	/** Playback ms already played before the current run started. */
	playedMs: number;
	/** performance.now() when the current run started. */
	resumedAt: number;
}

export function usePlayback({ events, startMicros, speed }: PlaybackOptions): Playback {
	const rate = speed ?? 1;
	const due = useMemo(() => playbackSchedule({ events, startMicros, speed: rate }), [events, startMicros, rate]);
	const [revealedCount, setRevealedCount] = useState(speed === undefined ? events.length : 0);
	const [playing, setPlaying] = useState(speed !== undefined && events.length > 0);
	const clock = useRef<Clock>({ playing, playedMs: 0, resumedAt: performance.now() });

	// One timer at a time, set for the next event; a late timer reveals everything already due.
	useEffect(() => {
		if (!playing) return;
		const elapsed = () => clock.current.playedMs + performance.now() - clock.current.resumedAt;
		let timer: NodeJS.Timeout | undefined;
		const step = () => {
			const count = revealedCountAt(due, elapsed());
			setRevealedCount(count);
			if (count >= due.length) {
				clock.current = { playing: false, playedMs: 0, resumedAt: 0 };
				setPlaying(false);
				return;
			}
			timer = setTimeout(step, Math.max(0, due[count] - elapsed()));
		};
		step();
		return () => clearTimeout(timer);
	}, [playing, due]);

	const toggle = useCallback(() => {
		const now = performance.now();
		const current = clock.current;
		if (current.playing) {
			clock.current = { playing: false, playedMs: current.playedMs + now - current.resumedAt, resumedAt: now };
			setPlaying(false);
			return;
		}
		if (events.length === 0) return;
		const finished = revealedCount >= events.length;
		clock.current = { playing: true, playedMs: finished ? 0 : current.playedMs, resumedAt: now };
		if (finished) setRevealedCount(0);
		setPlaying(true);
	}, [events.length, revealedCount]);

	const all = revealedCount >= events.length;
	return {
		revealedSeq: all ? Number.POSITIVE_INFINITY : revealedCount === 0 ? -1 : events[revealedCount - 1].seq,
		revealedCount,
		playing,
		active: playing || !all,
		speed: rate,
		toggle,
	};
}
