// The interactive timeline of one recorded session: header, exchange list, detail pane, keys.

import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { Exchange } from '../replay/build-exchanges.js';
import type { ReplayEvent } from '../event/event-forms.js';
import type { SessionRow } from '../store/session-queries.js';
import { detailLines } from './detail-lines.js';
import { DetailPane } from './detail-pane.js';
import { ExchangeList } from './exchange-list.js';
import { keyPresses } from './key-presses.js';
import { revealExchanges } from './reveal-exchanges.js';
import { SearchInput } from './search-input.js';
import { SessionHeader } from './session-header.js';
import { StatusBar } from './status-bar.js';
import { MIN_COLUMNS, MIN_ROWS, timelineLayout } from './timeline-layout.js';
import { initialTimelineState, shownExchanges, timelineReducer, type TimelineView } from './timeline-state.js';
import { usePlayback, type Playback } from './use-playback.js';
import { useSearch, type SearchMatches } from './use-search.js';
import { useTerminalSize } from './use-terminal-size.js';

export interface ReplayAppProps {
	session: SessionRow;
	events: ReplayEvent[];
	exchanges: Exchange[];
	/** Play back N times faster than recorded; without it the whole session shows at once. */
	speed?: number;
}

export function ReplayApp({ session, events, exchanges, speed }: ReplayAppProps) {
	const { exit } = useApp();
	const { columns, rows } = useTerminalSize();
	const playback = usePlayback({ events, startMicros: session.started_at, speed });
	const revealed = useMemo(() => revealExchanges(exchanges, playback.revealedSeq), [exchanges, playback.revealedSeq]);
	const [state, dispatch] = useReducer(timelineReducer, { follow: speed !== undefined, count: shownExchanges(revealed, false).length }, initialTimelineState);
	const visible = useMemo(() => shownExchanges(revealed, state.showChatter), [revealed, state.showChatter]);
	const folded = revealed.length - visible.length;
	// Updating during render (not in an effect) keeps a frame with the stale selection off the screen.
	if (state.count !== visible.length) dispatch({ type: 'grow', count: visible.length });
	const search = useSearch(visible, state.search.text);
	const layout = timelineLayout({ columns, rows, exchangeCount: exchanges.length });
	const selectedExchange = visible[state.selected];
	const lines = useMemo(
		() => detailLines(selectedExchange, { width: layout.paneWidth, sessionId: session.id, sessionStartMicros: session.started_at }),
		[selectedExchange, layout.paneWidth, session.id, session.started_at],
	);
	const view: TimelineView = { exchanges: visible, all: revealed, listRows: layout.listRows, detailRows: layout.detailRows, detailLines: lines.length };

	useInput((input, key) => dispatch({ type: 'keys', presses: keyPresses(input, key), view }));

	const toggles = useRef(state.playToggles);
	useEffect(() => {
		if (state.playToggles === toggles.current) return;
		toggles.current = state.playToggles;
		playback.toggle();
	}, [state.playToggles, playback]);

	useEffect(() => {
		if (state.quit) exit();
	}, [state.quit, exit]);

	if (layout.tooSmall) {
		return (
			<Text wrap="wrap">
				The terminal is too small for the timeline ({columns}×{rows}); make it at least {MIN_COLUMNS}×{MIN_ROWS}, or press q.
			</Text>
		);
	}
	return (
		<Box flexDirection="column" width={columns} height={layout.height}>
			<SessionHeader session={session} width={columns} />
			<ExchangeList
				exchanges={visible}
				selected={state.selected}
				focused={state.focus === 'list'}
				rows={layout.listRows}
				width={columns}
				sessionStartMicros={session.started_at}
				matchSet={search.matchSet}
				status={listStatus({ selected: state.selected, count: visible.length, total: exchanges.length - (state.showChatter ? 0 : folded), folded, playback, search, searchText: state.search.text, editing: state.search.editing, speed })}
				emptyText={exchanges.length === 0 ? 'No events were recorded in this session.' : 'Waiting for the first event…'}
			/>
			<DetailPane lines={lines} top={Math.min(state.detailTop, Math.max(0, lines.length - layout.detailRows))} rows={layout.detailRows} width={columns} focused={state.focus === 'detail'} />
			{state.search.editing ? <SearchInput text={state.search.text} matchCount={search.matches.length} /> : <StatusBar focus={state.focus} />}
		</Box>
	);
}

interface ListStatusOptions {
	selected: number;
	count: number;
	total: number;
	/** Protocol messages folded away (p shows them). */
	folded: number;
	playback: Playback;
	search: SearchMatches;
	searchText: string;
	editing: boolean;
	speed?: number;
}

// `3/15 · ▶ playing 2× · search "echo": match 1 of 2`
function listStatus({ selected, count, total, folded, playback, search, searchText, editing, speed }: ListStatusOptions): string {
	const parts = [count === 0 ? `0/${total}` : `${selected + 1}/${count}${count < total ? ` (of ${total})` : ''}`];
	if (folded > 0) parts.push(`${folded} protocol folded (p shows)`);
	if (playback.playing) parts.push(`▶ playing ${playback.speed}×`);
	else if (playback.active) parts.push(`⏸ paused at ${playback.speed}× (space resumes)`);
	else if (speed !== undefined) parts.push('■ played to the end (space plays again)');
	if (search.query && !editing) {
		const position = search.matches.indexOf(selected);
		const where = search.matches.length === 0 ? 'no match' : position >= 0 ? `match ${position + 1} of ${search.matches.length}` : `${search.matches.length} matches`;
		parts.push(`search "${searchText}": ${where} (n/N)`);
	}
	return parts.join(' · ');
}
