// What the detail pane prints for an exchange, including payloads far too big to show.

import { describe, expect, it } from 'vitest';
import { buildExchanges } from '../../src/replay/build-exchanges.js';
import type { ReplayEvent } from '../../src/event/event-forms.js';
import { detailLines } from '../../src/tui/detail-lines.js';
import { prettyJsonLines } from '../../src/tui/pretty-json-lines.js';

function event(seq: number, fields: Partial<ReplayEvent>): ReplayEvent {
	return {
		seq,
		ts: '',
		tsMicros: 5_000_000 + seq * 1000,
		origin: 'client',
		target: 'server',
		kind: 'message',
		method: null,
		id: null,
		tool: null,
		decision: null,
		masked: null,
		latencyMs: null,
		size: 100,
		hash: '',
		prevHash: '',
		...fields,
	};
}

const options = { width: 80, sessionId: '01a2', sessionStartMicros: 5_000_000 };

describe('detail pane text', () => {
	it('shows the request, then the response with its latency', () => {
		const [exchange] = buildExchanges([
			event(0, { method: 'tools/call', id: 7, tool: 'echo', message: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } } }),
			event(1, { origin: 'server', target: 'client', id: 7, latencyMs: 12.5, message: { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'Echo: hi' }] } } }),
		]);
		const text = detailLines(exchange, options).map((line) => line.text);
		expect(text).toEqual([
			'▶ request  ·  client→server  ·  seq 0  ·  +0.000s  ·  100 B',
			'arguments  message: "hi"',
			'result     Echo: hi',
			' ',
			'{',
			'  "jsonrpc": "2.0",',
			'  "id": 7,',
			'  "method": "tools/call",',
			'  "params": { "name": "echo", "arguments": { "message": "hi" } }',
			'}',
			' ',
			'◀ response  ·  server→client  ·  seq 1  ·  after 13 ms  ·  100 B',
			'{',
			'  "jsonrpc": "2.0",',
			'  "id": 7,',
			'  "result": { "content": [{ "type": "text", "text": "Echo: hi" }] }',
			'}',
		]);
	});

	it("tells a held call's story: asked when, waited how long, decided by whom, on which channel, why", () => {
		const note = (seq: number, details: Record<string, unknown>) => event(seq, { origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', id: 7, tool: 'delete_note', details });
		const exchanges = buildExchanges([
			note(0, { action: 'approve', status: 'held', rule: 'confirm-deletes', tool: 'delete_note' }),
			note(1, { step: 'asked', channel: 'out-of-band', authority: 'collector', approvalId: 'ab12' }),
			{ ...note(22_500, { action: 'approve', status: 'approved', rule: 'confirm-deletes', via: 'viewer', reason: 'approved by carol@example.com in the viewer: OPS-1', decidedBy: 'carol@example.com', approverReason: 'OPS-1' }) },
			event(22_501, { method: 'tools/call', id: 7, tool: 'delete_note', message: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_note', arguments: { id: 'n-1' } } } }),
			event(22_502, { origin: 'server', target: 'client', id: 7, latencyMs: 3, message: { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'deleted n-1' }] } } }),
		]);
		const text = detailLines(exchanges[0], options).map((line) => line.text);
		expect(text.slice(1, 11)).toEqual([
			'arguments  id: "n-1"',
			'result     deleted n-1',
			'held · waited 22.50 s · approved by carol@example.com via viewer',
			'  rule       confirm-deletes',
			`  requested  ${new Date(5_000).toISOString().slice(0, 19).replace('T', ' ')} UTC`,
			'  waited     22.50 s',
			'  decision   approved',
			'  decided by carol@example.com',
			'  channel    viewer',
			'  reason     OPS-1',
		]);
	});

	it('says when no response was recorded, and shows markers left by later stages', () => {
		const [exchange] = buildExchanges([event(0, { method: 'tools/call', id: 1, decision: { action: 'deny', rule: 'no-etc' }, message: { jsonrpc: '2.0', id: 1, method: 'tools/call' } })]);
		const text = detailLines(exchange, options).map((line) => line.text);
		expect(text).toContain('markers: blocked');
		expect(text).toContain('decision: {"action":"deny","rule":"no-etc"}');
		expect(text.at(-1)).toMatch(/^◀ response: none recorded/);
	});

	it('cuts a 64 MiB result to its first lines, saying how big it is and how to get all of it', () => {
		const size = 64 * 1024 * 1024;
		const lines = Array.from({ length: 200_000 }, (_, index) => ({ type: 'text', text: `line ${index} ${'x'.repeat(300)}` }));
		const [exchange] = buildExchanges([
			event(0, { origin: 'server', target: 'client', id: 2, size, message: { jsonrpc: '2.0', id: 2, result: { content: lines, blob: 'A'.repeat(size) } } }),
		]);
		const started = performance.now();
		const text = detailLines(exchange, options).map((line) => line.text);
		expect(performance.now() - started).toBeLessThan(2000);
		expect(text.length).toBeLessThan(2000 * 6);
		expect(text.slice(-2).join(' ')).toMatch(/^… cut after 2000 lines; this message is 64\.0 MiB\. All of it: mcprec replay 01a2 +--json$/);
		expect(text.every((line) => Array.from(line).length <= 80)).toBe(true);
	});

	it('cuts one huge string, keeping its start', () => {
		const { lines, truncated } = prettyJsonLines({ data: 'A'.repeat(10_000) }, { maxLines: 100, maxStringLength: 50 });
		expect(truncated).toBe(false);
		expect(lines[1]).toBe(`  "data": "${'A'.repeat(50)}…" (9,950 more characters)`);
	});

	it('matches JSON.stringify when nothing is cut and no width is given', () => {
		const value = { a: [1, { b: null, c: 'x"y' }, []], d: {}, e: true };
		expect(prettyJsonLines(value, { maxLines: 100, maxStringLength: 100 }).lines.join('\n')).toBe(JSON.stringify(value, null, 2));
	});

	it('shows control characters in stderr instead of sending them to the terminal', () => {
		const [exchange] = buildExchanges([event(0, { kind: 'stderr', origin: 'server', target: null, text: 'warn \u001b[2J\u001b[31mred\u0007' })]);
		const text = detailLines(exchange, options).map((line) => line.text);
		expect(text[1]).toBe('warn ␛[2J␛[31mred\\x07');
		expect(text.join('')).not.toContain('\u001b');
	});

	it('wraps long lines under their own indentation', () => {
		const [exchange] = buildExchanges([event(0, { kind: 'stderr', origin: 'server', target: null, text: `  ${'word '.repeat(40)}` })]);
		const text = detailLines(exchange, { ...options, width: 60 }).map((line) => line.text);
		expect(text.slice(1)).toEqual([
			`  ${'word '.repeat(10)}word`,
			`    ${'word '.repeat(10)}word`,
			`    ${'word '.repeat(10)}word`,
			`    ${'word '.repeat(6)}word`,
		]);
	});
});
