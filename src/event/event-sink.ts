// What the parts of a session see of its recording, one small interface each. The proxy
// hands events to an EventSink and nothing more on the forwarding path; health, backlog and
// commits are watched where they decide something (record or refuse, back-pressure, the
// journal's restart, sharing a held session). The Recorder (recorder/recorder.ts) is all of
// them; tests give only the part they drive.

import type { SessionCounters, SessionEvent } from './event.js';

/** Takes a session's events in order and numbers them. */
export interface EventSink {
	/** Keeps the event and returns its seq. Never throws, never blocks on the store. */
	record(event: SessionEvent): number;
}

/** Whether the store takes writes: nothing is forwarded that it would refuse (DESIGN §3, record.onError). */
export interface RecordingHealth {
	/** False while the store cannot take writes; `failureReason` says why. */
	readonly healthy: boolean;
	readonly failureReason: string | undefined;
}

/** How far the store is behind the events recorded (DESIGN §8, bounded memory). */
export interface RecordingBacklog {
	/** Events recorded but not yet committed. */
	readonly backlog: number;
	/** Payload bytes of the events recorded but not yet committed. */
	readonly backlogBytes: number;
	/** True from a high watermark until the backlog is down to the low ones: stop reading meanwhile. */
	readonly congested: boolean;
	/** Runs `listener` each time `congested` turns false; returns a function that removes it. */
	onRelief(listener: () => void): () => void;
}

/** How far the recording got: what was recorded and what the store committed. */
export interface CommitWatch {
	/** The seq of the last event recorded (-1 before the first). */
	readonly recordedThrough: number;
	/** The seq of the last event committed to the store (-1 before the first). */
	readonly committedThrough: number;
	/** Runs `listener` after each commit that moved `committedThrough`; returns a function that removes it. */
	onCommitted(listener: () => void): () => void;
}

/** What the events recorded so far add up to: they follow from the events alone (event.ts countEvent). */
export interface RecordedCounters {
	countersSoFar(): SessionCounters;
}
