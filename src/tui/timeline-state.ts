// What the person is doing in the timeline, as one reducer: the selected exchange, which
// pane has the keys, how far the detail pane is scrolled, the `/` search, and whether the
// selection follows playback. Key presses go in, the next state comes out; nothing here
// touches the terminal, so key flows are tested as plain tables.

import type { KeyPress } from './key-presses.js';
import type { TimelineExchange } from './reveal-exchanges.js';
import { findMatches, firstMatch, nextMatch, parseQuery } from './search-match.js';
import { isProtocolChatter } from '../replay/exchange-gist.js';

export interface TimelineState {
	selected: number;
	focus: 'list' | 'detail';
	detailTop: number;
	/** Keep the newest exchange selected while playback adds rows (like `tail -f`). */
	follow: boolean;
	/** Exchanges visible when last seen; playback changes it. */
	count: number;
	search: {
		/** The query line is open for typing. */
		editing: boolean;
		text: string;
		/** Where the search began: matches are looked for from here, Esc returns here. */
		origin: number;
	};
	/** Bumped by space; the app toggles playback when it changes. */
	playToggles: number;
	/** Protocol housekeeping (initialize, the list methods, notifications, ping) is folded away unless `p` shows it. */
	showChatter: boolean;
	quit: boolean;
}

/** What the screen shows right now, which the keys act on. */
export interface TimelineView {
	/** The rows shown: every visible exchange, or those that are not protocol chatter. */
	exchanges: TimelineExchange[];
	/** Every visible exchange, chatter included. */
	all: TimelineExchange[];
	listRows: number;
	detailRows: number;
	/** Lines of the selected exchange's detail. */
	detailLines: number;
}

export type TimelineAction = { type: 'keys'; presses: KeyPress[]; view: TimelineView } | { type: 'grow'; count: number };

export function initialTimelineState({ follow, count }: { follow: boolean; count: number }): TimelineState {
	return { selected: 0, focus: 'list', detailTop: 0, follow, count, search: { editing: false, text: '', origin: 0 }, playToggles: 0, showChatter: false, quit: false };
}

/** The rows the list shows for `showChatter`. */
export function shownExchanges(all: TimelineExchange[], showChatter: boolean): TimelineExchange[] {
	return showChatter ? all : all.filter((exchange) => !isProtocolChatter(exchange));
}

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
	if (action.type === 'grow') {
		// Playback added rows (or, playing again from the top, removed them).
		if (action.count === state.count) return state;
		const counted = { ...state, count: action.count };
		if (state.follow || state.selected >= action.count) return select(counted, action.count - 1, action.count, state.follow);
		return counted;
	}
	let next = state;
	for (const press of action.presses) next = pressKey(next, press, action.view);
	return next;
}

function pressKey(state: TimelineState, press: KeyPress, view: TimelineView): TimelineState {
	if (state.quit) return state;
	const count = view.exchanges.length;
	const text = press.name === 'text' ? press.text : '';
	if (state.search.editing) return editSearch(state, press, view);
	if (text === 'q') return { ...state, quit: true };
	if (text === ' ') return { ...state, playToggles: state.playToggles + 1 };
	if (text === 'p') return toggleChatter(state, view);
	if (text === '/') return { ...state, search: { editing: true, text: '', origin: state.selected } };
	if (text === 'n' || text === 'N') {
		const matches = findMatches(view.exchanges, parseQuery(state.search.text));
		const index = nextMatch(matches, state.selected, text === 'n' ? 1 : -1);
		return index === undefined ? state : select(state, index, count);
	}
	if (state.focus === 'list') {
		if (press.name === 'up' || text === 'k') return select(state, state.selected - 1, count);
		if (press.name === 'down' || text === 'j') return select(state, state.selected + 1, count);
		if (press.name === 'pageUp') return select(state, state.selected - view.listRows, count);
		if (press.name === 'pageDown') return select(state, state.selected + view.listRows, count);
		if (press.name === 'home' || text === 'g') return select(state, 0, count);
		if (press.name === 'end' || text === 'G') return select(state, count - 1, count);
		if ((press.name === 'return' || press.name === 'tab') && count > 0) return { ...state, focus: 'detail' };
		if (press.name === 'escape' && state.search.text) return { ...state, search: { ...state.search, text: '' } };
		return state;
	}
	const max = Math.max(0, view.detailLines - view.detailRows);
	const page = Math.max(1, view.detailRows - 1);
	if (press.name === 'up' || text === 'k') return scrollTo(state, state.detailTop - 1, max);
	if (press.name === 'down' || text === 'j') return scrollTo(state, state.detailTop + 1, max);
	if (press.name === 'pageUp' || text === 'b') return scrollTo(state, state.detailTop - page, max);
	if (press.name === 'pageDown' || text === 'f') return scrollTo(state, state.detailTop + page, max);
	if (press.name === 'home' || text === 'g') return scrollTo(state, 0, max);
	if (press.name === 'end' || text === 'G') return scrollTo(state, max, max);
	if (press.name === 'escape' || press.name === 'tab' || press.name === 'backTab' || press.name === 'return') return { ...state, focus: 'list' };
	return state;
}

// Typing jumps to the first match from where the search began, as in `less` and vim.
function editSearch(state: TimelineState, press: KeyPress, view: TimelineView): TimelineState {
	const { search } = state;
	if (press.name === 'escape') return select({ ...state, search: { editing: false, text: '', origin: search.origin } }, search.origin, view.exchanges.length);
	if (press.name === 'return') return { ...state, search: { ...search, editing: false } };
	let text = search.text;
	if (press.name === 'backspace') text = Array.from(text).slice(0, -1).join('');
	else if (press.name === 'text') text += press.text;
	else return state;
	const next = { ...state, search: { ...search, text } };
	const index = firstMatch(view.exchanges, parseQuery(text), search.origin);
	return select(next, index ?? search.origin, view.exchanges.length);
}

// Folding or unfolding keeps the selected exchange selected (or the next one still shown).
function toggleChatter(state: TimelineState, view: TimelineView): TimelineState {
	const showChatter = !state.showChatter;
	const next = shownExchanges(view.all, showChatter);
	const key = view.exchanges[state.selected]?.key ?? -1;
	const found = next.findIndex((exchange) => exchange.key >= key);
	const selected = Math.max(0, found === -1 ? next.length - 1 : found);
	return { ...state, showChatter, count: next.length, selected, detailTop: 0, follow: state.follow && selected === next.length - 1 };
}

function select(state: TimelineState, index: number, count: number, follow?: boolean): TimelineState {
	const selected = Math.max(0, Math.min(index, count - 1));
	const following = follow ?? (count === 0 ? state.follow : selected === count - 1);
	if (selected === state.selected && following === state.follow) return state;
	return { ...state, selected, follow: following, detailTop: selected === state.selected ? state.detailTop : 0 };
}

function scrollTo(state: TimelineState, top: number, max: number): TimelineState {
	const detailTop = Math.max(0, Math.min(top, max));
	return detailTop === state.detailTop ? state : { ...state, detailTop };
}
