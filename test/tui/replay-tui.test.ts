// `mcprec replay` on a terminal, driven in tmux the way a person would: look at the
// timeline, move, open an exchange, search, play back, resize, quit.

import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, mcprecBin, readSessions } from '../helpers/mcprec.js';
import { recordEverythingSession } from './record-session.js';
import { hasTmux, selectedRow, shellQuote, TmuxTerminal } from './tmux-terminal.js';

const terminals: TmuxTerminal[] = [];
let home: string;
let sessionId: string;

function openReplay(name: string, args: string[] = [], size = { columns: 120, rows: 40 }): TmuxTerminal {
	// CI variables would switch ink to its non-interactive mode; a person's terminal has none.
	const command = [
		'env -u CI -u CONTINUOUS_INTEGRATION',
		`MCPREC_HOME=${shellQuote(home)}`,
		'TERM=xterm-256color',
		shellQuote(process.execPath),
		shellQuote(mcprecBin),
		'replay last',
		...args.map(shellQuote),
		'; echo "EXITED:$?"; sleep 600',
	].join(' ');
	const terminal = TmuxTerminal.start({ directory: home, name, ...size, command });
	terminals.push(terminal);
	return terminal;
}

// ink writes a frame in pieces and tmux may be read in between: a frame counts as drawn
// once its last line, the status bar with the key hints, is there too.
const frameDrawn = (screen: string) => screen.includes('↑↓/jk');
const timelineShown = (screen: string) => screen.includes('Exchanges') && screen.includes('tools/call') && frameDrawn(screen);

// Presses `j` until the selected row contains `text`, one press per rendered move.
async function moveDownTo(terminal: TmuxTerminal, text: string): Promise<string> {
	for (let presses = 0; presses < 30; presses++) {
		const before = selectedRow(terminal.screen());
		if (before?.includes(text)) return before;
		terminal.keys('j');
		await terminal.waitFor('the selection to move down', (screen) => selectedRow(screen) !== before);
	}
	throw new Error(`no row containing '${text}' reached; the screen was:\n${terminal.screen()}`);
}

describe.runIf(hasTmux())('mcprec replay on a terminal', () => {
	beforeAll(async () => {
		home = makeHome('mcprec-tui-');
		await recordEverythingSession(home);
		sessionId = readSessions(home).at(-1)!.id as string;
	});

	afterEach(() => {
		for (const terminal of terminals.splice(0)) terminal.close();
	});

	afterAll(() => {
		fs.rmSync(home, { recursive: true, force: true });
	});

	it('shows the session and every exchange with its method, tool, duration and status; tool calls with arguments and result, protocol messages folded until p', async () => {
		const terminal = openReplay('list', [], { columns: 160, rows: 40 });
		const folded = await terminal.waitFor('the timeline', timelineShown);
		const foldedRow = (text: string) => folded.split('\n').find((line) => line.includes(text)) ?? '';
		expect(foldedRow('echo')).toMatch(/→ tools\/call\s+echo\s+\d[\d.]* m?s ok\s+message: "hello from the tui test" → Echo: hello from the tui test/);
		expect(folded).not.toContain('initialize');
		expect(folded).not.toContain('tools/list');
		expect(folded).toMatch(/\d+ protocol folded \(p shows\)/);
		expect(foldedRow('invalid message')).toMatch(/this line is not json\s+error/);
		terminal.keys('p');
		const screen = await terminal.waitFor('the protocol messages', (text) => text.includes('→ initialize') && frameDrawn(text));
		const lines = screen.split('\n');
		expect(lines[0]).toContain(sessionId);
		expect(lines[0]).toContain('everything');
		expect(lines[1]).toMatch(/started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
		expect(lines[1]).toContain('4 requests');
		expect(lines[1]).toMatch(/\d+ errors? \(1 tool\)/);
		const row = (text: string) => lines.find((line) => line.includes(text)) ?? '';
		const duration = String.raw`\d[\d.]* m?s`;
		expect(row('→ initialize')).toMatch(new RegExp(String.raw`\+\d+\.\d{3}s\s+→ initialize\s+${duration} ok`));
		expect(row('→ tools/list')).toMatch(new RegExp(`${duration} ok`));
		expect(row('→ tools/call')).toMatch(new RegExp(String.raw`→ tools/call\s+echo\s+${duration} ok`));
		expect(row('get-sum')).toMatch(new RegExp(String.raw`→ tools/call\s+get-sum\s+${duration} tool error`));
		expect(row('notifications/initialized')).toContain('→');
		expect(row('invalid message')).toMatch(/this line is not json\s+error/);
		expect(selectedRow(screen)).toContain('lifecycle');
		expect(lines.some((line) => line.includes('q quit'))).toBe(true);
		terminal.keys('p');
		await terminal.waitFor('the protocol messages folded again', (text) => !text.includes('→ initialize') && text.includes('protocol folded') && frameDrawn(text));
	});

	it('moving down and pressing Enter shows the selected exchange, request and response', async () => {
		const terminal = openReplay('detail');
		await terminal.waitFor('the timeline', timelineShown);
		expect(await moveDownTo(terminal, 'tools/call')).toContain('echo');
		terminal.keys('Enter');
		const screen = await terminal.waitFor('the detail pane to take the keys', (text) => text.includes('Esc back to the list'));
		// In words first, then the messages.
		expect(screen).toContain('arguments  message: "hello from the tui test"');
		expect(screen).toContain('result     Echo: hello from the tui test');
		expect(screen).toContain('▶ request');
		expect(screen).toContain('"name": "echo"');
		expect(screen).toContain('"message": "hello from the tui test"');
		expect(screen).toMatch(/◀ response {2}· {2}server→client/);
		expect(screen).toContain('"text": "Echo: hello from the tui test"');

		// The tools/list result is longer than the pane: j now scrolls it, not the list.
		// (Esc and the next key go separately: sent together, a terminal reads them as Alt+key.)
		terminal.keys('Escape');
		await terminal.waitFor('the list to take the keys again', (text) => text.includes('Enter/Tab to scroll'));
		terminal.keys('p', 'g');
		await terminal.waitFor('the top of the list', (text) => (selectedRow(text)?.includes('lifecycle') ?? false) && text.includes('→ initialize'));
		await moveDownTo(terminal, '→ tools/list');
		terminal.keys('Tab');
		await terminal.waitFor('the tools/list result', (text) => text.includes('"tools": [') && text.includes('Esc back to the list'));
		terminal.keys('j', 'j');
		const scrolled = await terminal.waitFor('the detail pane to scroll', (text) => /lines 3–\d+ of \d+/.test(text));
		expect(selectedRow(scrolled)).toContain('→ tools/list');
		terminal.keys('Escape');
		await terminal.waitFor('the list to take the keys again', (text) => text.includes('Enter/Tab to scroll'));
		terminal.keys('j');
		await terminal.waitFor('the list to move again', (text) => !(selectedRow(text)?.includes('→ tools/list') ?? true));
	});

	it('/ searches methods, tools and payloads; n and N go through the matches', async () => {
		const terminal = openReplay('search');
		await terminal.waitFor('the timeline', timelineShown);
		// Searching looks at the rows shown: the protocol messages too, once unfolded.
		terminal.keys('p');
		await terminal.waitFor('the protocol messages', (text) => text.includes('→ initialize') && frameDrawn(text));
		terminal.keys('/');
		await terminal.waitFor('the search line', (screen) => screen.includes('Esc cancel'));
		terminal.type('echo');
		terminal.keys('Enter');
		let screen = await terminal.waitFor('the search to be kept', (text) => /search "echo": match \d of 2/.test(text));
		expect(selectedRow(screen)).toMatch(/tools\/call\s+echo/);
		expect(screen).toContain('"text": "Echo: hello from the tui test"');

		// tools/list matches too: its result lists the echo tool.
		terminal.keys('N');
		screen = await terminal.waitFor('the previous match', (text) => selectedRow(text)?.includes('→ tools/list') ?? false);
		expect(screen).toContain('match 1 of 2');
		terminal.keys('n');
		await terminal.waitFor('the next match', (text) => selectedRow(text)?.includes('tools/call') ?? false);

		// A field query, and Esc returning to where the search began.
		terminal.keys('g', '/');
		await terminal.waitFor('the search line', (text) => text.includes('Esc cancel'));
		terminal.type('method:initialize');
		await terminal.waitFor('the initialize request', (text) => selectedRow(text)?.includes('→ initialize') ?? false);
		terminal.keys('Escape');
		await terminal.waitFor('the selection back at the top', (text) => (selectedRow(text)?.includes('lifecycle') ?? false) && !text.includes('Esc cancel'));
	});

	it('q quits, leaving the terminal as it was', async () => {
		const terminal = openReplay('quit');
		await terminal.waitFor('the timeline', timelineShown);
		terminal.keys('q');
		const screen = await terminal.waitFor('mcprec to exit', (text) => text.includes('EXITED:'));
		expect(screen).toContain('EXITED:0');
		expect(screen).not.toContain('Exchanges');
	});

	it('Ctrl-C quits too, even with the search line open', async () => {
		const terminal = openReplay('interrupt');
		await terminal.waitFor('the timeline', timelineShown);
		terminal.keys('/');
		await terminal.waitFor('the search line', (text) => text.includes('Esc cancel'));
		terminal.keys('C-c');
		const screen = await terminal.waitFor('mcprec to exit', (text) => text.includes('EXITED:'));
		expect(screen).toContain('EXITED:0');
		expect(screen).not.toContain('Exchanges');
	});

	it('--speed plays the session back in recorded time; space pauses and resumes', async () => {
		// At 0.05× the echo call is due seconds in: the server's start-up alone is a (capped) 2 s wait.
		const terminal = openReplay('playback', ['--speed', '0.05']);
		let screen = await terminal.waitFor('playback to start', (text) => text.includes('▶ playing 0.05×'));
		expect(screen).not.toContain('tools/call');
		terminal.keys('Space');
		screen = await terminal.waitFor('playback to pause', (text) => text.includes('⏸ paused'));
		terminal.keys('Space');
		await terminal.waitFor('playback to resume', (text) => text.includes('▶ playing'));
		screen = await terminal.waitFor('the echo call to appear', (text) => text.includes('tools/call'), 30_000);
		// The selection follows the newest exchange while playing.
		const rows = screen.split('\n').filter((line) => /^│[▸ ][• ] *\+\d/.test(line));
		expect(rows.at(-1)?.startsWith('│▸')).toBe(true);
		terminal.keys('q');
		await terminal.waitFor('mcprec to exit', (text) => text.includes('EXITED:0'));
	});

	it('fits the terminal and redraws when it is resized', async () => {
		const terminal = openReplay('resize');
		await terminal.waitFor('the timeline', timelineShown);
		terminal.resize(80, 24);
		const screen = await terminal.waitFor('a redraw at 80×24', (text) => {
			const lines = text.split('\n');
			return lines.some((line) => line.startsWith('╰') && line.length === 80) && lines.filter((line) => line.startsWith('╭')).length === 2 && frameDrawn(text);
		});
		const lines = screen.split('\n');
		expect(lines.length).toBeLessThanOrEqual(24);
		expect(lines.filter((line) => line.startsWith('mcprec replay'))).toHaveLength(1);
		expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
		expect(lines.some((line) => line.includes('↑↓/jk'))).toBe(true);
		terminal.resize(140, 45);
		await terminal.waitFor('a redraw at 140×45', (text) => text.split('\n').some((line) => line.startsWith('╰') && line.length === 140));
	});
});
