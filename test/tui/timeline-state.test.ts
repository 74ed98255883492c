// Key flows of the timeline as transcripts: key presses in, selection / focus / search out.

import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/replay/build-exchanges.js';
import { buildExchanges } from '../../src/replay/build-exchanges.js';
import type { ReplayEvent } from '../../src/event/event-forms.js';
import { keyPresses, type KeyPress } from '../../src/tui/key-presses.js';
import { initialTimelineState, shownExchanges, timelineReducer, type TimelineState, type TimelineView } from '../../src/tui/timeline-state.js';

const noKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
} as Key;

let seq = 0;
function message(origin: 'client' | 'server', body: Record<string, unknown>, extra: Partial<ReplayEvent> = {}): ReplayEvent {
	seq += 1;
	return {
		seq,
		ts: '',
		tsMicros: 1_000_000 + seq * 1000,
		origin,
		target: origin === 'client' ? 'server' : 'client',
		kind: 'message',
		method: (body.method as string | undefined) ?? null,
		id: (body.id as number | undefined) ?? null,
		tool: null,
		message: { jsonrpc: '2.0', ...body },
		decision: null,
		masked: null,
		latencyMs: null,
		size: 10,
		hash: '',
		prevHash: '',
		...extra,
	};
}

// initialize, tools/list (result mentions echo), tools/call echo, tools/call add, ping
const exchanges: Exchange[] = buildExchanges([
	message('client', { id: 1, method: 'initialize', params: {} }),
	message('server', { id: 1, result: { serverInfo: { name: 'everything' } } }),
	message('client', { id: 2, method: 'tools/list' }),
	message('server', { id: 2, result: { tools: [{ name: 'echo' }, { name: 'add' }] } }),
	message('client', { id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } }, { tool: 'echo' }),
	message('server', { id: 3, result: { content: [{ type: 'text', text: 'Echo: hi' }] } }, { tool: 'echo' }),
	message('client', { id: 4, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } }, { tool: 'add' }),
	message('server', { id: 4, result: { content: [{ type: 'text', text: '3' }] } }, { tool: 'add' }),
	message('client', { id: 5, method: 'ping' }),
]);

const view: TimelineView = { exchanges, all: exchanges, listRows: 2, detailRows: 5, detailLines: 12 };

/** Feeds key presses like a person typing, each chunk as ink would deliver it. */
function press(state: TimelineState, ...chunks: (string | Partial<Key>)[]): TimelineState {
	for (const chunk of chunks) {
		const presses: KeyPress[] = typeof chunk === 'string' ? keyPresses(chunk, noKey) : keyPresses('', { ...noKey, ...chunk });
		state = timelineReducer(state, { type: 'keys', presses, view });
	}
	return state;
}

const start = initialTimelineState({ follow: false, count: exchanges.length });

describe('timeline keys', () => {
	it('p folds and unfolds the protocol messages, keeping the selected exchange (or the next one shown) selected', () => {
		const folded = shownExchanges(exchanges, false);
		expect(folded.map((exchange) => exchange.method)).toEqual(['tools/call', 'tools/call']);
		// From the unfolded list on tools/list (folded away): the next one shown, tools/call echo.
		let state = press({ ...start, showChatter: true }, 'j', 'p');
		expect(state).toMatchObject({ showChatter: false, selected: 0, count: 2 });
		// Folded, on tools/call add; unfolding keeps it.
		const foldedView = { ...view, exchanges: folded };
		state = timelineReducer({ ...state, selected: 1 }, { type: 'keys', presses: keyPresses('p', noKey), view: foldedView });
		expect(state).toMatchObject({ showChatter: true, selected: 3, count: 5 });
		expect(shownExchanges(exchanges, true)[state.selected]!.tool).toBe('add');
	});

	it.each([
		{ keys: ['j'], selected: 1 },
		{ keys: ['j', 'j', 'k'], selected: 1 },
		{ keys: ['k'], selected: 0 },
		{ keys: ['G'], selected: 4 },
		{ keys: ['G', 'j'], selected: 4 },
		{ keys: ['G', 'g'], selected: 0 },
		{ keys: [{ downArrow: true }, { downArrow: true }], selected: 2 },
		{ keys: [{ pageDown: true }], selected: 2 },
		{ keys: [{ end: true }, { pageUp: true }], selected: 2 },
		// Keys typed ahead arrive in one chunk and still count one by one.
		{ keys: ['jjj'], selected: 3 },
	])('$keys selects exchange $selected', ({ keys, selected }) => {
		expect(press(start, ...keys).selected).toBe(selected);
	});

	it('Enter gives the keys to the detail pane, which then scrolls within its text; Esc gives them back', () => {
		let state = press(start, 'j', { return: true });
		expect(state.focus).toBe('detail');
		state = press(state, 'j', 'j');
		expect(state).toMatchObject({ selected: 1, detailTop: 2 });
		state = press(state, 'G');
		expect(state.detailTop).toBe(12 - 5);
		state = press(state, { pageDown: true }, 'g');
		expect(state.detailTop).toBe(0);
		state = press(state, { escape: true }, 'j');
		expect(state).toMatchObject({ focus: 'list', selected: 2, detailTop: 0 });
	});

	it('Tab toggles between the panes', () => {
		expect(press(start, { tab: true }).focus).toBe('detail');
		expect(press(start, { tab: true }, { tab: true }).focus).toBe('list');
	});

	it('/ search jumps to the first row showing the text, n and N visit every match', () => {
		let state = press(start, '/', 'e', 'c', 'h', 'o');
		expect(state.search).toMatchObject({ editing: true, text: 'echo' });
		expect(state.selected).toBe(2);
		state = press(state, { return: true });
		expect(state.search.editing).toBe(false);
		state = press(state, 'N');
		expect(state.selected).toBe(1); // tools/list: its result lists the echo tool
		state = press(state, 'N');
		expect(state.selected).toBe(2); // wraps around
		state = press(state, 'n', 'n');
		expect(state.selected).toBe(2);
	});

	it('a whole query typed in one chunk (or pasted) with its Enter is still a search', () => {
		const state = press(start, '/tool:add\r');
		expect(state).toMatchObject({ selected: 3, search: { editing: false, text: 'tool:add' } });
	});

	it('q inside the search line is text; Esc returns to where the search began', () => {
		let state = press(start, 'j', '/', 'method:ping', 'q');
		expect(state.quit).toBe(false);
		expect(state.search.text).toBe('method:pingq');
		state = press(state, { backspace: true });
		expect(state.selected).toBe(4);
		state = press(state, { escape: true });
		expect(state).toMatchObject({ selected: 1, search: { editing: false, text: '' } });
		expect(press(state, 'q').quit).toBe(true);
	});

	it('space asks for play / pause', () => {
		expect(press(start, ' ', ' ').playToggles).toBe(2);
	});

	it('while playing, the selection follows new exchanges until the person moves up', () => {
		let state = initialTimelineState({ follow: true, count: 0 });
		state = timelineReducer(state, { type: 'grow', count: 3 });
		expect(state.selected).toBe(2);
		state = press(state, 'k');
		state = timelineReducer(state, { type: 'grow', count: 5 });
		expect(state).toMatchObject({ selected: 1, follow: false });
		state = press(state, 'G');
		state = timelineReducer(state, { type: 'grow', count: 6 });
		expect(state.selected).toBe(5);
	});
});
