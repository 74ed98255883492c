// One line of the timeline: offset, arrow, method, tool, duration, status, markers.

import { Text } from 'ink';
import { useMemo } from 'react';
import { exchangeGist, firstResultLine } from '../replay/exchange-gist.js';
import { MARKER_COLORS, STATUS_COLORS, directionArrow, exchangeMarkers, exchangeName, exchangeSubject, statusText } from '../replay/exchange-labels.js';
import { fit, formatDuration, formatOffset, sanitizeText } from '../replay/format-timeline.js';
import type { TimelineExchange } from './reveal-exchanges.js';

export interface RowColumns {
	name: number;
	subject: number;
}

export interface ExchangeRowProps {
	exchange: TimelineExchange;
	columns: RowColumns;
	sessionStartMicros: number;
	selected: boolean;
	/** The list has the keys (the selection is shown in reverse video). */
	focused: boolean;
	matched: boolean;
}

export const OFFSET_WIDTH = 10;
export const DURATION_WIDTH = 9;
export const STATUS_WIDTH = 10;
/** Selection and match marks, offset, arrow, duration, status and the spaces between them. */
export const FIXED_ROW_WIDTH = 2 + OFFSET_WIDTH + 1 + 1 + 1 + 1 + 1 + DURATION_WIDTH + 1 + STATUS_WIDTH + 1;

export function ExchangeRow({ exchange, columns, sessionStartMicros, selected, focused, matched }: ExchangeRowProps) {
	const status = statusText(exchange);
	const markers = exchangeMarkers(exchange);
	const duration = exchange.durationMs === null ? '' : formatDuration(exchange.durationMs);
	const dim = exchange.kind === 'lifecycle' || exchange.kind === 'stderr';
	const inline = useMemo(() => inlineGist(exchange), [exchange]);
	return (
		<Text wrap="truncate-end" inverse={selected && focused} bold={selected && !focused}>
			<Text color="cyan">{selected ? '▸' : ' '}</Text>
			<Text color="magenta">{matched ? '•' : ' '}</Text>
			<Text dimColor>{fit(formatOffset(exchange.startedMicros - sessionStartMicros), OFFSET_WIDTH)}</Text>
			<Text> {directionArrow(exchange)} </Text>
			<Text dimColor={dim}>{fit(exchangeName(exchange), columns.name)}</Text>
			<Text> </Text>
			<Text bold={Boolean(exchange.tool)} dimColor={!exchange.tool}>
				{fit(exchangeSubject(exchange), columns.subject)}
			</Text>
			<Text> {duration.padStart(DURATION_WIDTH)} </Text>
			<Text color={STATUS_COLORS[exchange.status]}>{fit(status, STATUS_WIDTH)}</Text>
			{markers.map((marker) => (
				<Text key={marker} color={MARKER_COLORS[marker]}>
					{' '}
					[{marker}]
				</Text>
			))}
			{inline ? <Text dimColor> {inline}</Text> : null}
		</Text>
	);
}

// What the viewer shows inline: the arguments and the first line of the result (`a: 1 → hello`).
export function inlineGist(exchange: TimelineExchange): string {
	if (exchange.kind !== 'request') return '';
	const gist = exchangeGist(exchange);
	const answer = gist.blocked ? `blocked${gist.blocked.message ? `: ${gist.blocked.message}` : ''}` : gist.error !== null ? gist.error : exchange.response ? firstResultLine(gist.result) : '';
	return sanitizeText([gist.argumentsLine ?? '', answer ? `→ ${answer}` : ''].filter(Boolean).join(' '));
}
