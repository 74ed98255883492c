// The words a timeline row says about an exchange (src/replay/exchange-gist.ts): results of
// every content type read in order and on one bounded line, the approval story from the
// decision events, masking told as request-in-the-record-only or response. Generated cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildExchanges } from '../../../src/replay/build-exchanges.js';
import { compactLine, exchangeGist, firstResultLine, isProtocolChatter, LINE_CHARS } from '../../../src/replay/exchange-gist.js';
import type { ReplayEvent } from '../../../src/event/event-forms.js';

const START = 1_795_000_000_000_000;

function event(seq: number, fields: Partial<ReplayEvent>): ReplayEvent {
	return { seq, ts: '', tsMicros: START + seq * 1000, origin: 'client', target: 'server', kind: 'message', method: null, id: null, tool: null, decision: null, masked: null, latencyMs: null, size: 0, hash: '', prevHash: '', ...fields };
}

function call(result: unknown, notes: ReplayEvent[] = [], args: unknown = { q: 'x' }) {
	const events = [
		...notes.filter((note) => note.seq < 1),
		event(1, { method: 'tools/call', id: 1, tool: 't', message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: args } } }),
		event(2, { origin: 'server', target: 'client', method: 'tools/call', id: 1, tool: 't', message: { jsonrpc: '2.0', id: 1, result } }),
		...notes.filter((note) => note.seq >= 1),
	].sort((a, b) => a.seq - b.seq);
	const [exchange] = buildExchanges(events).filter((item) => item.kind === 'request');
	return exchangeGist(exchange!);
}

const text = fc.string({ maxLength: 300 });
const content = fc.oneof(
	text.map((value) => ({ type: 'text', text: value })),
	fc.base64String({ maxLength: 200 }).map((data) => ({ type: 'image', data, mimeType: 'image/png' })),
	fc.record({ type: fc.constant('resource_link'), uri: fc.webUrl(), name: fc.string({ minLength: 1, maxLength: 30 }) }),
	fc.record({ type: fc.constant('resource'), resource: fc.record({ uri: fc.webUrl(), text }) }),
);

describe('exchange gist', () => {
	it('keeps every content part, in order, and reads the first line within bounds and without control characters', () => {
		fc.assert(
			fc.property(fc.array(content, { maxLength: 5 }), fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }))), (parts, structured) => {
				const gist = call({ content: parts, ...(structured ? { structuredContent: structured } : {}) });
				const kinds = { text: 'text', image: 'image', resource_link: 'link', resource: 'resource' } as Record<string, string>;
				expect(gist.result.map((part) => part.type)).toEqual([...parts.map((part) => kinds[part.type]), ...(structured ? ['structured'] : [])]);
				const line = firstResultLine(gist.result);
				expect(line.length).toBeLessThanOrEqual(LINE_CHARS);
				expect(line).not.toMatch(/[\u0000-\u001f]/);
				const firstText = parts.find((part) => part.type === 'text') as { text: string } | undefined;
				if (firstText && firstText.text.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(firstText.text) && firstText.text.length < LINE_CHARS) expect(line).toBe(firstText.text);
			}),
			{ seed: 2020, numRuns: 300 },
		);
	});

	it('writes any arguments on one bounded line', () => {
		fc.assert(
			fc.property(fc.jsonValue({ maxDepth: 3 }), (args) => {
				const line = compactLine(args);
				expect(line.length).toBeLessThanOrEqual(LINE_CHARS);
				expect(line).not.toMatch(/[\u0000-\u001f]/);
			}),
			{ seed: 2021, numRuns: 300 },
		);
		expect(compactLine({ message: 'hi', count: 2, deep: { a: [1] } })).toBe('message: "hi", count: 2, deep: {"a":[1]}');
	});

	it('tells the approval story: held at, waited, decision, who, channel, reason', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 600_000_000 }), fc.constantFrom('approved', 'denied'), fc.constantFrom('viewer', 'cli', 'timeout', 'elicitation'), fc.boolean(), fc.option(fc.string({ minLength: 1, maxLength: 80 })), (waitMicros, status, via, withField, words) => {
				const held = event(0, { origin: 'proxy', target: null, kind: 'decision', id: 1, tool: 't', tsMicros: START, details: { action: 'approve', status: 'held', rule: 'confirm' } });
				const reason = via === 'timeout' ? 'no decision within 120s' : `${status} by audrey@example.com`;
				const decided = event(3, { origin: 'proxy', target: null, kind: 'decision', id: 1, tool: 't', tsMicros: START + waitMicros, details: { action: 'approve', status, rule: 'confirm', via, reason, ...(withField && via !== 'timeout' ? { decidedBy: 'audrey@example.com' } : {}), ...(words !== null ? { approverReason: words } : {}) } });
				const story = call({ content: [] }, [held, decided]).approval!;
				expect(story).toEqual({ rule: 'confirm', heldMicros: START, decidedMicros: START + waitMicros, outcome: status, channel: via, decidedBy: via === 'timeout' ? null : 'audrey@example.com', reason, approverReason: words });
			}),
			{ seed: 2022, numRuns: 100 },
		);
	});

	it('says which masking reached the server and which did not', () => {
		const gist = call({ content: [{ type: 'text', text: '[REDACTED:jwt]' }] }, [
			event(1.5, { origin: 'proxy', target: null, kind: 'mask', id: 1, details: { findings: [{ detector: 'api-key', path: '$.params.arguments.key', count: 1 }], recordOnly: true } }),
			event(3, { origin: 'proxy', target: null, kind: 'mask', id: 1, details: { findings: [{ detector: 'jwt', count: 2 }] } }),
		]);
		expect(gist.masks).toEqual([
			{ detectors: [{ detector: 'api-key', path: '$.params.arguments.key', count: 1 }], recordOnly: true, where: 'request' },
			{ detectors: [{ detector: 'jwt', count: 2 }], recordOnly: false, where: 'response' },
		]);
	});

	it('folds the protocol’s housekeeping and nothing else', () => {
		const exchanges = buildExchanges(
			['initialize', 'ping', 'tools/list', 'resources/templates/list', 'tools/call', 'resources/read', 'sampling/createMessage'].map((method, index) => event(index, { method, id: index, message: { jsonrpc: '2.0', id: index, method } })),
		);
		expect(exchanges.map((exchange) => [exchange.method, isProtocolChatter(exchange)])).toEqual([
			['initialize', true],
			['ping', true],
			['tools/list', true],
			['resources/templates/list', true],
			['tools/call', false],
			['resources/read', false],
			['sampling/createMessage', false],
		]);
	});
	it('shows a call still held when the record ends (uploaded while it waits) as one waiting call, not loose notes', () => {
		const held = event(3, { origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', id: 7, tool: 'delete_note', details: { action: 'approve', status: 'held', rule: 'confirm-deletes', tool: 'delete_note' } });
		const asked = event(4, { origin: 'proxy', target: null, kind: 'decision', method: 'tools/call', id: 7, tool: 'delete_note', details: { step: 'asked', channel: 'out-of-band', authority: 'collector', approvalId: 'ab12' } });
		const masked = event(5, { origin: 'proxy', target: null, kind: 'mask', id: 9, details: { findings: [] } });
		const exchanges = buildExchanges([event(1, { method: 'ping', id: 1, message: { jsonrpc: '2.0', id: 1, method: 'ping' } }), held, asked, masked]);
		const waiting = exchanges.filter((exchange) => exchange.tool === 'delete_note');
		expect(waiting).toHaveLength(1);
		expect(waiting[0]).toMatchObject({ kind: 'request', status: 'pending', method: 'tools/call', notes: [held, asked] });
		expect(exchangeGist(waiting[0]!).approval).toMatchObject({ rule: 'confirm-deletes', outcome: 'waiting', decidedMicros: null });
		// Notes of no held call stay as they were.
		expect(exchanges.find((exchange) => exchange.key === 5)).toMatchObject({ kind: 'other' });
	});
});
