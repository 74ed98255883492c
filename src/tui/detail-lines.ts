// The detail pane's text for one exchange: a heading per message, then the message
// pretty-printed (or the stderr / lifecycle text), wrapped to the pane and cut sensibly
// when a payload is huge.

import type { ReplayEvent } from '../event/event-forms.js';
import { directionArrow, exchangeMarkers, exchangeName } from '../replay/exchange-labels.js';
import { formatBytes, formatDuration, formatOffset, sanitizeText } from '../replay/format-timeline.js';
import { prettyJsonLines } from './pretty-json-lines.js';
import { approvalFactLines, approvalLine } from '../replay/approval-facts.js';
import { exchangeGist, firstResultLine } from '../replay/exchange-gist.js';
import type { TimelineExchange } from './reveal-exchanges.js';

export interface DetailLine {
	text: string;
	tone?: 'heading' | 'error' | 'muted' | 'warning';
}

export interface DetailLinesOptions {
	/** Characters per line; longer lines wrap. */
	width: number;
	sessionId: string;
	sessionStartMicros: number;
	/** Lines shown per message before it is cut. */
	maxLinesPerMessage?: number;
	/** Characters shown of one long string (a file's content, a base64 image). */
	maxStringLength?: number;
}

export const DEFAULT_MAX_LINES_PER_MESSAGE = 2000;
export const DEFAULT_MAX_STRING_LENGTH = 4000;

export function detailLines(exchange: TimelineExchange | undefined, options: DetailLinesOptions): DetailLine[] {
	if (!exchange) return [{ text: 'Nothing selected yet.', tone: 'muted' }];
	const lines: DetailLine[] = [];
	const first = exchange.request ?? exchange.event;
	const title = exchange.kind === 'request' ? '▶ request' : `${directionArrow(exchange)} ${exchangeName(exchange)}`;
	lines.push({ text: heading(title, first, formatOffset(first.tsMicros - options.sessionStartMicros)), tone: exchange.status === 'error' && !exchange.response ? 'error' : 'heading' });
	const markers = exchangeMarkers(exchange);
	if (markers.length > 0) lines.push({ text: `markers: ${markers.join(', ')}`, tone: 'warning' });
	if (exchange.kind === 'request') lines.push(...summaryLines(exchange));
	lines.push(...annotations(first), ...body(first, options));
	if (exchange.kind === 'request') {
		lines.push({ text: ' ' });
		const response = exchange.response;
		if (response) {
			const after = exchange.durationMs === null ? '' : `after ${formatDuration(exchange.durationMs)}`;
			lines.push({ text: heading('◀ response', response, after), tone: exchange.status === 'error' || exchange.status === 'tool-error' ? 'error' : 'heading' });
			lines.push(...annotations(response), ...body(response, options));
		} else if (exchange.awaitingResponse) {
			lines.push({ text: '◀ response: not played back yet', tone: 'muted' });
		} else {
			lines.push({ text: '◀ response: none recorded', tone: 'muted' });
		}
	}
	return wrapLines(lines, options.width);
}

function heading(title: string, event: ReplayEvent, when: string): string {
	const direction = event.target ? `${event.origin}→${event.target}` : event.origin;
	return [title, direction, `seq ${event.seq}`, when, formatBytes(event.size)].filter(Boolean).join('  ·  ');
}

// What happened, in words, before the raw messages: the arguments, the first line of what
// came back, and a held call's story (asked when, waited how long, decided by whom, how, why).
function summaryLines(exchange: TimelineExchange): DetailLine[] {
	const gist = exchangeGist(exchange);
	const lines: DetailLine[] = [];
	if (gist.argumentsLine !== null) lines.push({ text: `arguments  ${sanitizeText(gist.argumentsLine)}` });
	if (gist.blocked) lines.push({ text: `blocked    by rule '${gist.blocked.rule ?? '?'}'${gist.blocked.message ? `: ${sanitizeText(gist.blocked.message)}` : ''}`, tone: 'warning' });
	else if (gist.error !== null) lines.push({ text: `error      ${sanitizeText(gist.error)}`, tone: 'error' });
	else if (exchange.response) lines.push({ text: `${exchange.status === 'tool-error' ? 'tool error' : 'result    '} ${sanitizeText(firstResultLine(gist.result)) || '(empty)'}`, tone: exchange.status === 'tool-error' ? 'error' : undefined });
	if (gist.approval) {
		lines.push({ text: approvalLine(gist.approval), tone: 'heading' });
		for (const [label, value] of approvalFactLines(gist.approval)) lines.push({ text: `  ${label.padEnd(10)} ${sanitizeText(value)}` });
	}
	if (lines.length > 0) lines.push({ text: ' ' });
	return lines;
}

// Decisions and mask reports attached to a message (guardrails, approvals, masking).
function annotations(event: ReplayEvent): DetailLine[] {
	const lines: DetailLine[] = [];
	if (event.decision !== null && event.decision !== undefined) lines.push({ text: `decision: ${JSON.stringify(event.decision)}`, tone: 'warning' });
	if (event.masked !== null && event.masked !== undefined) lines.push({ text: `masked: ${JSON.stringify(event.masked)}`, tone: 'warning' });
	return lines;
}

function body(event: ReplayEvent, options: DetailLinesOptions): DetailLine[] {
	const maxLines = options.maxLinesPerMessage ?? DEFAULT_MAX_LINES_PER_MESSAGE;
	const maxStringLength = options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH;
	const value = event.message !== undefined ? event.message : event.details;
	let texts: string[];
	let truncated: boolean;
	if (value !== undefined) {
		({ lines: texts, truncated } = prettyJsonLines(value, { maxLines, maxStringLength, width: options.width }));
	} else {
		const raw = event.text ?? '';
		const all = raw.slice(0, maxLines * maxStringLength).split('\n');
		truncated = all.length > maxLines || raw.length > maxLines * maxStringLength;
		texts = all.slice(0, maxLines).map((line) => {
			const clean = sanitizeText(line);
			return clean.length > maxStringLength ? `${clean.slice(0, maxStringLength)}… (${clean.length - maxStringLength} more characters)` : clean;
		});
	}
	const lines: DetailLine[] = texts.map((text) => ({ text: text || ' ' }));
	if (truncated) {
		lines.push({
			text: `… cut after ${maxLines} lines; this message is ${formatBytes(event.size)}. All of it: mcprec replay ${options.sessionId} --json`,
			tone: 'warning',
		});
	}
	return lines;
}

// Wraps to the pane width at a space when there is one in the second half of the line,
// continuing a wrapped line under its own indentation.
function wrapLines(lines: DetailLine[], width: number): DetailLine[] {
	if (width < 8) return lines;
	const wrapped: DetailLine[] = [];
	for (const line of lines) {
		const characters = Array.from(line.text);
		if (characters.length <= width) {
			wrapped.push(line);
			continue;
		}
		const indent = ' '.repeat(Math.min((/^ */.exec(line.text)?.[0].length ?? 0) + 2, Math.floor(width / 2)));
		let start = 0;
		while (start < characters.length) {
			const prefix = start === 0 ? '' : indent;
			const room = width - prefix.length;
			let end = Math.min(characters.length, start + room);
			if (end < characters.length) {
				const space = characters.lastIndexOf(' ', end);
				if (space >= start + room / 2) end = space + 1;
			}
			wrapped.push({ ...line, text: prefix + characters.slice(start, end).join('').trimEnd() });
			start = end;
		}
	}
	return wrapped;
}
