// The facts of a held call, for every place that tells them (replay --plain, --json, the
// TUI's detail pane): when it was asked, how long it waited, who decided, on which channel
// and why. One wording, so the terminal and the viewer say the same thing.

import type { ApprovalStory } from './exchange-gist.js';
import { formatDuration } from './format-timeline.js';

/** A held call's story as data (`replay --json`). Times are ISO 8601 UTC. */
export interface ApprovalFacts {
	rule: string | null;
	requestedAt: string;
	/** null while it waits (or when the record ends first). */
	decidedAt: string | null;
	waitedMs: number | null;
	outcome: ApprovalStory['outcome'];
	decidedBy: string | null;
	channel: string | null;
	reason: string | null;
	approverReason: string | null;
}

export function approvalFacts(story: ApprovalStory): ApprovalFacts {
	return {
		rule: story.rule,
		requestedAt: isoTime(story.heldMicros),
		decidedAt: story.decidedMicros === null ? null : isoTime(story.decidedMicros),
		// Between the two times as written (whole milliseconds), so the three facts add up.
		waitedMs: story.decidedMicros === null ? null : Math.floor(story.decidedMicros / 1000) - Math.floor(story.heldMicros / 1000),
		outcome: story.outcome,
		decidedBy: story.decidedBy,
		channel: story.channel,
		reason: story.reason,
		approverReason: story.approverReason,
	};
}

/** Label and value pairs, in reading order, for text output. */
export function approvalFactLines(story: ApprovalStory): [string, string][] {
	const facts = approvalFacts(story);
	const lines: [string, string][] = [];
	if (facts.rule) lines.push(['rule', facts.rule]);
	lines.push(['requested', readableTime(story.heldMicros)]);
	lines.push(['waited', facts.waitedMs === null ? 'no decision in the record' : formatDuration(facts.waitedMs)]);
	lines.push(['decision', story.outcome === 'waiting' ? 'none yet' : story.outcome === 'denied' ? 'denied (the call was not forwarded)' : story.outcome]);
	if (story.outcome !== 'waiting') lines.push(['decided by', story.decidedBy ?? (story.channel === 'timeout' ? 'nobody (timed out)' : 'not recorded')]);
	if (story.channel) lines.push(['channel', story.channel]);
	if (story.approverReason) lines.push(['reason', story.approverReason]);
	else if (story.reason) lines.push(['reason', story.reason]);
	return lines;
}

/** One line: `held 22.50 s · approved by carol@example.com via viewer`. */
export function approvalLine(story: ApprovalStory): string {
	const waited = story.decidedMicros === null ? 'still waiting when the record ends' : `waited ${formatDuration((story.decidedMicros - story.heldMicros) / 1000)}`;
	if (story.outcome === 'waiting') return `held for approval · ${waited}`;
	const who = story.decidedBy ? ` by ${story.decidedBy}` : '';
	const channel = story.channel ? ` via ${story.channel}` : '';
	return `held · ${waited} · ${story.outcome}${who}${channel}`;
}

function isoTime(micros: number): string {
	return new Date(Math.floor(micros / 1000)).toISOString();
}

// `2026-12-05 15:00:34 UTC`: with its zone, as the viewer writes times.
function readableTime(micros: number): string {
	return `${isoTime(micros).slice(0, 19).replace('T', ' ')} UTC`;
}
