// The scrolling list of exchanges, keeping the selection in view.

import { Box, Text } from 'ink';
import { useMemo, useRef } from 'react';
import { exchangeMarkers, exchangeName, exchangeSubject } from '../replay/exchange-labels.js';
import { ExchangeRow, FIXED_ROW_WIDTH, type RowColumns } from './exchange-row.js';
import type { TimelineExchange } from './reveal-exchanges.js';

export interface ExchangeListProps {
	exchanges: TimelineExchange[];
	selected: number;
	focused: boolean;
	/** Rows of exchanges shown (the pane is three lines taller). */
	rows: number;
	width: number;
	sessionStartMicros: number;
	matchSet: ReadonlySet<number>;
	/** Right of the title: position, playback and search state. */
	status: string;
	emptyText: string;
}

export function ExchangeList({ exchanges, selected, focused, rows, width, sessionStartMicros, matchSet, status, emptyText }: ExchangeListProps) {
	// Scroll only as far as needed to keep the selection visible, like a pager.
	const topRef = useRef(0);
	const maxTop = Math.max(0, exchanges.length - rows);
	let top = Math.min(topRef.current, maxTop);
	if (selected < top) top = selected;
	if (selected >= top + rows) top = selected - rows + 1;
	topRef.current = top;
	const shown = exchanges.slice(top, top + rows);
	const longestName = useMemo(() => exchanges.reduce((longest, exchange) => Math.max(longest, exchangeName(exchange).length), 0), [exchanges]);
	const columns = rowColumns(width - 2, shown, longestName);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} width={width} height={rows + 3}>
			<Text wrap="truncate-end">
				<Text bold>Exchanges</Text>
				<Text dimColor>  {status}</Text>
			</Text>
			{shown.length === 0 ? (
				<Text dimColor wrap="truncate-end">
					{emptyText}
				</Text>
			) : (
				shown.map((exchange, offset) => (
					<ExchangeRow
						key={exchange.key}
						exchange={exchange}
						columns={columns}
						sessionStartMicros={sessionStartMicros}
						selected={top + offset === selected}
						focused={focused}
						matched={matchSet.has(top + offset)}
					/>
				))
			)}
		</Box>
	);
}

// The method comes first (up to 34 characters), then the tool or subject as wide as the
// widest shown (up to the rest, less any markers); what is left shows arguments and result.
const LIFECYCLE_SUBJECT = 32;

function rowColumns(innerWidth: number, shown: TimelineExchange[], longestName: number): RowColumns {
	const markerWidth = Math.max(0, ...shown.map((exchange) => exchangeMarkers(exchange).reduce((sum, marker) => sum + marker.length + 3, 0)));
	const free = Math.max(8, innerWidth - FIXED_ROW_WIDTH - markerWidth);
	const name = Math.max(6, Math.min(longestName, 34, free - 8));
	// Lifecycle rows count up to LIFECYCLE_SUBJECT characters: the session's start (its
	// policy) would otherwise push every call's arguments and result off the screen; opened, it shows whole.
	const longestSubject = Math.max(4, ...shown.map((exchange) => Math.min(Array.from(exchangeSubject(exchange)).length, exchange.kind === 'lifecycle' ? LIFECYCLE_SUBJECT : Infinity)));
	return { name, subject: Math.max(0, Math.min(free - name, longestSubject)) };
}
