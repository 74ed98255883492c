// The replay timeline on a terminal shows what the record holds, and the record holds no
// secret (issue 14 item 1): a session whose server had a token on its command line, in a
// notification's method and on its stderr replays with each masked, on the timeline and in
// the detail pane of every exchange a search for the mask finds.

import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, mcprecBin } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';
import { hasTmux, shellQuote, TmuxTerminal } from './tmux-terminal.js';

const TOKEN = 'ghp_TuiReplayQ7x2Lm9Kp4Zr8Wv3Nb6Tc1Yd5Hf';
const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const terminals: TmuxTerminal[] = [];
let home: string;

describe.runIf(hasTmux())('mcprec replay on a terminal, of a session with secrets', () => {
	beforeAll(async () => {
		home = makeHome('mcprec-tui-masked-');
		const session = startRaw(['node', fixture('raw-server.mjs'), '--api-key', TOKEN], home);
		try {
			session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'tui-masked', version: '1' } }));
			await session.response(1);
			session.send(request(2, 'raw/emit', { line: JSON.stringify({ jsonrpc: '2.0', method: `notifications/${TOKEN}`, params: {} }) }));
			session.send(request(3, 'tools/call', { name: 'stderr', arguments: { lines: [`connecting with ${TOKEN}`] } }));
			session.send(request(4, 'tools/call', { name: 'argv' }));
			await session.response(4);
			await session.waitForStderr(/connecting with/);
			session.end();
			await session.exit(20_000);
		} finally {
			session.kill();
		}
	}, 60_000);

	afterEach(() => {
		for (const terminal of terminals.splice(0)) terminal.close();
	});

	afterAll(() => {
		fs.rmSync(home, { recursive: true, force: true });
	});

	it('shows the masks, never the token, on the timeline and in each exchange found by searching for them', async () => {
		const command = ['env -u CI -u CONTINUOUS_INTEGRATION', `MCPREC_HOME=${shellQuote(home)}`, 'TERM=xterm-256color', shellQuote(process.execPath), shellQuote(mcprecBin), 'replay last', '; echo "EXITED:$?"; sleep 600'].join(' ');
		const terminal = TmuxTerminal.start({ directory: home, name: 'masked', columns: 160, rows: 50, command });
		terminals.push(terminal);
		await terminal.waitFor('the timeline', (text) => text.includes('Exchanges') && text.includes('↑↓/jk'));
		// The notification is protocol chatter, folded until p.
		terminal.keys('p');
		let screen = await terminal.waitFor('the protocol messages', (text) => !text.includes('protocol folded') && text.includes('↑↓/jk'));
		expect(screen).toContain('notifications/[REDACTED:');
		expect(screen).toContain('connecting with [REDACTED:github-token]');
		expect(screen).toContain('"--api-key", "[REDACTED:github-token]"');
		expect(screen).not.toContain(TOKEN);
		terminal.keys('/');
		await terminal.waitFor('the search line', (text) => text.includes('Esc cancel'));
		terminal.type('REDACTED');
		terminal.keys('Enter');
		screen = await terminal.waitFor('a match', (text) => /search "REDACTED": match \d+ of \d+/.test(text));
		const [, first, total] = /match (\d+) of (\d+)/.exec(screen)!.map(Number);
		// The notification, the stderr line, the argv answer and the start event at least.
		expect(total).toBeGreaterThanOrEqual(3);
		expect(screen).not.toContain(TOKEN);
		// n goes round every match once (the search starts at the selection, so anywhere in the cycle).
		for (let step = 1; step < total; step++) {
			const expected = ((first - 1 + step) % total) + 1;
			terminal.keys('n');
			screen = await terminal.waitFor(`match ${expected}`, (text) => text.includes(`match ${expected} of ${total}`));
			expect(screen, `match ${expected}`).not.toContain(TOKEN);
		}
	}, 60_000);
});
