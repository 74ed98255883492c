// The auditor finding and moving through sessions in a real headless Chromium: full-text
// search over arguments and results, a time range, sortable columns and match counts on the
// list; inside a session, jumps between flagged rows (buttons, keys, badges), a row filter,
// and playback at 1×–50×; an axe-core accessibility pass and keyboard use on each page.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEvents, type EventSpec } from '../helpers/collector-fixtures.js';
import { accessibilityViolations, saveShot, startViewerRig, type ViewerRig } from '../helpers/viewer-browser.js';

/** Pages of a large timeline load in turn; on a busy machine that takes a while. */
const SLOW = { timeout: 30_000 };

let rig: ViewerRig;
let page: Page;
const ids: Record<string, string> = {};

const request = (id: number, tool: string, args: Record<string, unknown>, ts?: number): EventSpec => ({ method: 'tools/call', rpcId: String(id), tool, ts, payload: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } }) });
const result = (id: number, tool: string, body: Record<string, unknown>, ts?: number): EventSpec => ({ origin: 'server', target: 'client', method: 'tools/call', rpcId: String(id), tool, latencyUs: 1500, ts, payload: JSON.stringify({ jsonrpc: '2.0', id, ...body }) });
const text = (value: string, extra: Record<string, unknown> = {}) => ({ result: { content: [{ type: 'text', text: value }], ...extra } });
const note = (kind: 'decision' | 'mask', id: number, tool: string, details: Record<string, unknown>, ts?: number): EventSpec => ({ origin: 'proxy', target: null, kind, method: 'tools/call', rpcId: String(id), tool, ts, payload: JSON.stringify(details) });
const user = (sub: string, groups: string[], name: string) => ({ osUser: sub, host: `${sub}-laptop`, issuer: null, sub, email: `${sub}@example.com`, name, groups });

beforeAll(async () => {
	rig = await startViewerRig([
		{ sub: 'audrey', groups: ['auditors', 'approvers'], email: 'audrey@example.com' },
		{ sub: 'alice', groups: ['engineering'], email: 'alice@example.com' },
		{ sub: 'bob', groups: ['engineering'], email: 'bob@example.com' },
	]);
	ids.files = await rig.upload('alice', { server: 'filesystem', startedAt: '2026-11-20T09:00:00Z', endedAt: '2026-11-20T09:00:12Z', endReason: 'client closed', user: user('alice', ['engineering', 'oncall'], 'Alice Liddell') }, [
		request(1, 'read_file', { path: '/etc/passwd' }),
		result(1, 'read_file', text('root:x:0:0:root:/root:/bin/bash')),
		request(2, 'write_file', { path: '/tmp/notes.txt', content: 'Quarterly numbers' }),
		result(2, 'write_file', text('wrote 17 bytes')),
		request(3, 'read_file', { path: '/home/alice/.env' }),
		note('mask', 3, 'read_file', { findings: [{ detector: 'aws-access-key', path: '$.result.content[0].text', count: 1 }] }),
		result(3, 'read_file', text('AWS_KEY=[REDACTED:aws-access-key]')),
		request(4, 'read_file', { path: 42 }),
		result(4, 'read_file', text('MCP error -32602: Input validation error', { isError: true })),
	]);
	ids.database = await rig.upload('bob', { server: 'db-prod', startedAt: '2026-11-21T10:00:00Z', endedAt: '2026-11-21T10:05:00Z', endReason: 'server exited', user: user('bob', [], 'Bob Builder') }, [
		request(7, 'query', { sql: 'select * from invoices' }),
		result(7, 'query', { error: { code: -32000, message: 'permission denied for table invoices' } }),
		request(9, 'query', { sql: 'select 1' }),
		result(9, 'query', { error: { code: -32000, message: 'connection reset' } }),
		{ ...request(8, 'drop_table', { table: 'invoices' }), target: null },
		note('decision', 8, 'drop_table', { action: 'deny', rule: 'no-drops', message: 'Dropping tables is not allowed' }),
		{ ...result(8, 'drop_table', text("Blocked by policy rule 'no-drops'", { isError: true })), origin: 'proxy' },
	]);
	// 900 events: a masked call early on the first page, a tool error on a later page; an image whose bytes spell a search word.
	const large = callEvents(900, 'search');
	large[21] = result(11, 'search', { result: { content: [{ type: 'text', text: 'token [REDACTED:github-token]' }, { type: 'image', mimeType: 'image/png', data: 'passwd' }] } });
	large.splice(21, 0, note('mask', 11, 'search', { findings: [{ detector: 'github-token', count: 1 }] }));
	large[860] = result(430, 'search', text('index unavailable', { isError: true }));
	ids.large = await rig.upload('alice', { server: 'memory', startedAt: '2026-11-22T11:00:00Z', user: user('alice', ['engineering', 'oncall'], 'Alice Liddell') }, large);
	// Known times for playback: rows at 0.1 s, 0.3 s, 1 s, 3 s, 13 s and 60 s after the start.
	const start = Date.parse('2026-11-22T08:00:00Z') * 1000;
	const at = (seconds: number) => start + Math.round(seconds * 1e6);
	ids.playback = await rig.upload('audrey', { server: 'everything', startedAt: '2026-11-22T08:00:00Z', endedAt: '2026-11-22T08:01:01Z', endReason: 'client closed', user: user('audrey', ['auditors'], 'Audrey A') }, [
		{ method: 'initialize', rpcId: '0', ts: at(0.1), payload: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }) },
		{ origin: 'server', target: 'client', method: 'initialize', rpcId: '0', ts: at(0.2), payload: JSON.stringify({ jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 's', version: '1' } } }) },
		{ method: 'notifications/initialized', rpcId: null, ts: at(0.3), payload: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) },
		...[1, 3, 13, 60].flatMap((seconds, index) => [request(20 + index, 'echo', { message: `step ${index}` }, at(seconds)), result(20 + index, 'echo', text(`Echo: step ${index}`), at(seconds + 0.01))]),
	]);
	({ page } = await rig.signIn('audrey'));
}, 120_000);

afterAll(async () => {
	await rig?.close();
});

const rowIds = () => page.getByTestId('session-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session-id')));
const matchCount = () => page.getByTestId('match-count').textContent();

async function search(words: string): Promise<(string | null)[]> {
	await page.goto(`${rig.collector.url}/`);
	await page.getByTestId('search').fill(words);
	await page.getByTestId('search').press('Enter');
	await page.waitForURL(/\?/);
	return rowIds();
}

describe('finding sessions', () => {
	it('searches the (masked) arguments, results and errors, as word prefixes in any case, and says how many match', async () => {
		expect(await search('passwd')).toEqual([ids.files]);
		expect(await matchCount()).toBe('1 session matches');
		expect(new URL(page.url()).searchParams.get('q')).toBe('passwd');
		expect(await page.getByTestId('search').inputValue()).toBe('passwd');
		expect(await search('INVOICES')).toEqual([ids.database]);
		expect(await search('permission denied')).toEqual([ids.database]);
		expect(await search('quart')).toEqual([ids.files]);
		expect(await search('redacted')).toEqual([ids.large, ids.files]);
		expect(await matchCount()).toBe('2 sessions match');
		expect(await search('redacted aws')).toEqual([ids.files]);
		expect(await search('step 3')).toEqual([ids.playback]);
		expect(await search('input valid')).toEqual([ids.files]);
		expect(await search('nothing-like-this')).toEqual([]);
		expect(await page.getByTestId('empty').textContent()).toContain('No sessions match these filters.');
		expect(await matchCount()).toBe('0 sessions match');
		// Combined with the other filters, kept in the URL.
		await page.goto(`${rig.collector.url}/?q=redacted&user=ALI&outcome=tool-errors`);
		expect(await rowIds()).toEqual([ids.large, ids.files]);
		await page.goto(`${rig.collector.url}/?q=redacted&server=mem`);
		expect(await rowIds()).toEqual([ids.large]);
		await saveShot(page, 'session-list-search');
		// The API answers the same search.
		const listed = await rig.api('GET', '/api/v1/sessions?q=Passwd', 'audrey');
		expect(listed.body.sessions.map((session: { id: string }) => session.id)).toEqual([ids.files]);
		expect((await rig.api('GET', '/api/v1/sessions?q=%2F%2F', 'audrey')).status).toBe(400);
	});

	it('opens a found session with its rows filtered by the same words', async () => {
		await search('passwd');
		await page.click(`[data-session-id="${ids.files}"] a`);
		await page.waitForURL(new RegExp(`/sessions/${ids.files}\\?q=passwd$`));
		expect(await page.getByTestId('row-filter').inputValue()).toBe('passwd');
		await expect.poll(() => page.getByTestId('row-filter-status').textContent(), SLOW).toBe('1 of 4 rows match');
		const visible = await page.locator('[data-testid=exchange]:visible .subject').allTextContents();
		expect(visible).toEqual(['read_file']);
		await page.getByTestId('row-filter').fill('');
		await expect.poll(() => page.locator('[data-testid=exchange]:visible').count(), SLOW).toBe(4);
	});

	it('picks a time range with the date-time inputs (UTC)', async () => {
		await page.goto(`${rig.collector.url}/`);
		expect(await page.getByText('Times are UTC.').count()).toBe(1);
		await page.getByTestId('from').fill('2026-11-21T00:00');
		await page.getByTestId('to').fill('2026-11-22T09:00');
		await page.click('form[data-testid=filters] button[type=submit]');
		await page.waitForURL(/from=/);
		expect(await rowIds()).toEqual([ids.playback, ids.database]);
		const url = new URL(page.url());
		expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual(['2026-11-21T00:00', '2026-11-22T09:00']);
		expect(await page.getByTestId('from').inputValue()).toBe('2026-11-21T00:00');
		expect(await matchCount()).toBe('2 sessions match');
		// The end is exclusive, the start inclusive; a time with a zone works too.
		await page.goto(`${rig.collector.url}/?from=2026-11-22T08:00:00Z&to=2026-11-22T11:00`);
		expect(await rowIds()).toEqual([ids.playback]);
		await page.goto(`${rig.collector.url}/?to=yesterday-ish`);
		expect(await page.getByRole('alert').textContent()).toContain("'to'");
	});

	it('sorts by a column header, both ways, keeping the filters; shows duration, end reason, groups and counts', async () => {
		await page.goto(`${rig.collector.url}/`);
		expect(await matchCount()).toBe('4 sessions in all');
		expect(await rowIds()).toEqual([ids.large, ids.playback, ids.database, ids.files]);
		expect(await page.locator('th[data-sort=start]').getAttribute('aria-sort')).toBe('descending');
		await page.getByTestId('sort-duration').click();
		await page.waitForURL(/sort=duration/);
		expect(await rowIds()).toEqual([ids.database, ids.playback, ids.files, ids.large]);
		expect(await page.locator('th[data-sort=duration]').getAttribute('aria-sort')).toBe('descending');
		const row = page.locator(`[data-session-id="${ids.database}"]`);
		expect(await row.getByTestId('duration').textContent()).toBe('5 min 0 s');
		expect(await row.getByTestId('end-reason').textContent()).toBe('server exited');
		expect(await page.locator(`[data-session-id="${ids.files}"]`).getByTestId('groups').textContent()).toBe('engineering, oncall');
		expect(await page.locator(`[data-session-id="${ids.large}"]`).getByTestId('calls').textContent()).toBe('450');
		await page.getByTestId('sort-duration').click();
		await page.waitForURL(/dir=asc/);
		expect(await rowIds()).toEqual([ids.large, ids.files, ids.playback, ids.database]);
		await page.getByTestId('sort-user').click();
		await page.waitForURL(/sort=user/);
		// Ties (alice twice) in the id order of the same direction.
		expect(await rowIds()).toEqual([ids.files, ids.large, ids.playback, ids.database]);
		await page.getByTestId('sort-errors').click();
		await page.waitForURL(/sort=errors/);
		expect((await rowIds()).slice(0, 1)).toEqual([ids.database]);
		// A filter applied while sorted keeps the order; a sort keeps the filters.
		await page.fill('input[name=user]', 'alice');
		await page.click('form[data-testid=filters] button[type=submit]');
		await page.waitForURL(/user=alice/);
		expect(new URL(page.url()).searchParams.get('sort')).toBe('errors');
		expect(await matchCount()).toBe('2 sessions match');
		await page.getByTestId('sort-calls').click();
		await page.waitForURL(/sort=calls/);
		expect(new URL(page.url()).searchParams.get('user')).toBe('alice');
		expect(await rowIds()).toEqual([ids.large, ids.files]);
		// Paging in a sorted order.
		await page.goto(`${rig.collector.url}/?sort=server&dir=desc`);
		expect(await rowIds()).toEqual([ids.large, ids.files, ids.playback, ids.database]);
		const paged = await rig.api('GET', '/api/v1/sessions?sort=server&dir=desc&limit=3', 'audrey');
		const rest = await rig.api('GET', `/api/v1/sessions?sort=server&dir=desc&limit=3&cursor=${paged.body.nextCursor}`, 'audrey');
		expect([...paged.body.sessions, ...rest.body.sessions].map((session: { id: string }) => session.id)).toEqual([ids.large, ids.files, ids.playback, ids.database]);
		await saveShot(page, 'session-list-sorted');
	});
});

describe('moving through a session', () => {
	const current = () => page.locator('.current-row').getAttribute('data-seq');

	it('jumps to the next and previous flagged row with buttons and keys, loading later pages as needed', async () => {
		await page.goto(`${rig.collector.url}/sessions/${ids.large}`);
		expect(await page.getByTestId('load-more').count()).toBe(1);
		await page.getByTestId('next-flag').click();
		await expect.poll(current, SLOW).toBe('20');
		expect(await page.getByTestId('flag-status').textContent()).toMatch(/^flagged row 1 of 1\+: #20 masked/);
		await page.keyboard.press('n');
		// The tool error sits beyond the first page: the jump loads it.
		await expect.poll(current, SLOW).toBe('859');
		expect(await page.locator('#seq-859 summary .status').textContent()).toBe('tool error');
		expect(await page.evaluate(() => document.activeElement?.closest('[data-testid=exchange]')?.getAttribute('data-seq'))).toBe('859');
		expect(new URL(page.url()).hash).toBe('#seq-859');
		await page.keyboard.press('n');
		await expect.poll(() => page.getByTestId('flag-status').textContent(), SLOW).toBe('No flagged row after #859.');
		await page.keyboard.press('p');
		await expect.poll(current, SLOW).toBe('20');
		await page.getByTestId('next-flag').click();
		await expect.poll(current, SLOW).toBe('859');
		await page.getByTestId('previous-flag').click();
		await expect.poll(current, SLOW).toBe('20');
		await saveShot(page, 'session-flag-jump');
	});

	it('follows an outcome badge to its rows, from the list and from the session header', async () => {
		await page.goto(`${rig.collector.url}/?server=memory`);
		await page.locator(`[data-session-id="${ids.large}"] a[data-flag=errors]`).click();
		await page.waitForURL(new RegExp(`/sessions/${ids.large}\\?flag=errors$`));
		await expect.poll(current, SLOW).toBe('859');
		await page.getByTestId('session-header').locator('a[data-flag=masked]').click();
		// From the error row there is no masked row further on; the header badge looks from the current row.
		await expect.poll(() => page.getByTestId('flag-status').textContent(), SLOW).toBe('No masked row after #859.');
		await page.goto(`${rig.collector.url}/sessions/${ids.large}`);
		await page.getByTestId('session-header').locator('a[data-flag=masked]').click();
		await expect.poll(current, SLOW).toBe('20');
	});

	it('filters the rows of a session by words, across every page, and folds protocol chatter by default', async () => {
		await page.goto(`${rig.collector.url}/sessions/${ids.large}`);
		await page.getByTestId('row-filter').fill('unavailable');
		await expect.poll(() => page.getByTestId('row-filter-status').textContent(), SLOW).toBe('1 of 450 rows match');
		expect(await page.locator('[data-testid=exchange]:visible').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-seq')))).toEqual(['859']);
		await page.getByTestId('row-filter').fill('index UNAVAILABLE');
		await expect.poll(() => page.getByTestId('row-filter-status').textContent(), SLOW).toBe('1 of 450 rows match');
		await page.getByTestId('row-filter').fill('index nowhere');
		await expect.poll(() => page.getByTestId('row-filter-status').textContent(), SLOW).toBe('0 of 450 rows match');

		await page.goto(`${rig.collector.url}/sessions/${ids.playback}`);
		const chatter = page.getByTestId('chatter');
		expect(await chatter.evaluate((element: HTMLDetailsElement) => element.open)).toBe(false);
		expect(await chatter.locator('[data-testid=exchange]').first().isVisible()).toBe(false);
		// Filtering for chatter opens its fold.
		await page.keyboard.press('/');
		expect(await page.evaluate(() => document.activeElement?.id)).toBe('row-filter');
		await page.keyboard.type('clientInfo');
		await expect.poll(() => page.getByTestId('row-filter-status').textContent(), SLOW).toBe('1 of 6 rows match');
		expect(await chatter.locator('[data-testid=exchange]').first().isVisible()).toBe(true);
		await page.keyboard.press('Escape');
		await expect.poll(() => page.locator('[data-testid=exchange]:visible').count(), SLOW).toBe(4);
	});

	it('moves row to row with j and k and opens a row with Enter', async () => {
		await page.goto(`${rig.collector.url}/sessions/${ids.files}`);
		await page.keyboard.press('j');
		await page.keyboard.press('j');
		const focused = () => page.evaluate(() => document.activeElement?.closest('[data-testid=exchange]')?.getAttribute('data-seq'));
		expect(await focused()).toBe('2');
		await page.keyboard.press('Enter');
		expect(await page.locator('#seq-2').evaluate((element: HTMLDetailsElement) => element.open)).toBe(true);
		expect(await page.locator('#seq-2').getByTestId('arguments').textContent()).toContain('Quarterly numbers');
		await page.keyboard.press('k');
		expect(await focused()).toBe('0');
	});

	it('plays the session back at the chosen speed, like replay --speed: recorded gaps divided, each wait at most 2 s', async () => {
		// Its own browser profile: the fake clock governs every page of a context.
		const { context, page: player } = await rig.signIn('audrey');
		try {
			await context.clock.install({ time: new Date('2026-12-01T00:00:00Z') });
			await player.goto(`${rig.collector.url}/sessions/${ids.playback}`);
			const shownRows = () => player.locator('[data-testid=exchange]:not(.playback-hidden)').evaluateAll((rows) => rows.filter((row) => !row.closest('.playback-hidden')).map((row) => row.getAttribute('data-seq')));
			// Time stands still from here on, and moves only as the test says.
			await context.clock.pauseAt(new Date('2026-12-01T00:01:00Z'));
			await player.getByTestId('speed').selectOption('10');
			await player.getByTestId('play').click();
			await expect.poll(() => player.getByTestId('playback-status').textContent(), SLOW).toMatch(/^▶ playing at 10× · \d of 6 rows$/);
			// At 10×: rows due at 10, 30, 100, 300, 1300 and 3300 ms (the 47 s gap capped at 2 s).
			await player.clock.runFor(50);
			expect(await shownRows()).toEqual(['0', '2']);
			await player.clock.runFor(200);
			expect(await shownRows()).toEqual(['0', '2', '3']);
			await player.clock.runFor(100);
			expect(await shownRows()).toHaveLength(4);
			await player.getByTestId('play').click();
			expect(await player.getByTestId('playback-status').textContent()).toBe('⏸ paused at 10× · 4 of 6 rows');
			await player.clock.runFor(5000);
			expect(await shownRows()).toHaveLength(4);
			await player.getByTestId('play').click();
			await player.clock.runFor(1000);
			expect(await shownRows()).toHaveLength(5);
			await player.clock.runFor(1900);
			expect(await shownRows()).toHaveLength(5);
			await player.clock.runFor(60);
			await expect.poll(() => player.getByTestId('playback-status').textContent(), SLOW).toBe('■ played to the end at 10× · 6 of 6 rows');
			expect(await shownRows()).toEqual(['0', '2', '3', '5', '7', '9']);
			await saveShot(player, 'session-playback');

			// 50×: the same session in a fifth of the time.
			await player.getByTestId('speed').selectOption('50');
			await player.getByTestId('play').click();
			await player.clock.runFor(61);
			expect(await shownRows()).toHaveLength(4);
			await player.clock.runFor(200);
			expect(await shownRows()).toHaveLength(5);
			await player.clock.runFor(1000);
			expect(await player.getByTestId('playback-status').textContent()).toBe('■ played to the end at 50× · 6 of 6 rows');
		} finally {
			await context.close();
		}
	});
});

describe('counting', () => {
	it('counts a list longer than a page after the page shows, and pages through it', async () => {
		for (let index = 0; index < 51; index++) await rig.upload('bob', { server: 'bulk', startedAt: new Date(Date.parse('2026-11-01T00:00:00Z') + index * 60_000).toISOString() }, []);
		await page.goto(`${rig.collector.url}/?server=BULK`);
		expect(await page.getByTestId('session-row').count()).toBe(50);
		await expect.poll(matchCount, SLOW).toBe('51 sessions match');
		await page.goto(`${rig.collector.url}/`);
		await expect.poll(matchCount, SLOW).toBe('55 sessions in all');
		await page.goto(`${rig.collector.url}/?server=bulk&sort=start&dir=asc`);
		await page.getByTestId('older').click();
		await page.waitForURL(/cursor=/);
		expect(await page.getByTestId('session-row').count()).toBe(1);
		await expect.poll(matchCount, SLOW).toBe('51 sessions match');
	});
});

describe('accessibility', () => {
	it('passes an automated WCAG 2.1 AA check (contrast, names, labels) on the list, the search results and a session', async () => {
		await page.goto(`${rig.collector.url}/`);
		expect(await accessibilityViolations(page)).toEqual([]);
		await page.goto(`${rig.collector.url}/?q=redacted&sort=duration`);
		expect(await accessibilityViolations(page)).toEqual([]);
		await page.goto(`${rig.collector.url}/sessions/${ids.files}`);
		await page.locator('#seq-4 > summary').click();
		expect(await accessibilityViolations(page)).toEqual([]);
		await saveShot(page, 'session-open-row');
		await page.goto(`${rig.collector.url}/sessions/${ids.database}`);
		expect(await accessibilityViolations(page)).toEqual([]);
	});

	it('lets a keyboard reach the search box, search, and open a result', async () => {
		await page.goto(`${rig.collector.url}/`);
		for (let presses = 0; presses < 20; presses++) {
			if (await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'search')) break;
			await page.keyboard.press('Tab');
		}
		expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search');
		await page.keyboard.type('invoices');
		await page.keyboard.press('Enter');
		await page.waitForURL(/q=invoices/);
		expect(await rowIds()).toEqual([ids.database]);
		for (let presses = 0; presses < 60; presses++) {
			await page.keyboard.press('Tab');
			if (await page.evaluate(() => document.activeElement?.closest('[data-testid=session-row]') !== null)) break;
		}
		await page.keyboard.press('Enter');
		await page.waitForURL(new RegExp(`/sessions/${ids.database}\\?q=invoices$`));
	});
});
