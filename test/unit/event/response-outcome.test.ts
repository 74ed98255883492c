// Tool errors are errors (issue 20): responseOutcome names what a response says happened,
// countErrors counts both kinds in a message or batch, and the byte test that lets callers
// skip parsing never hides an error. Responses are generated, not listed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countErrors, mayHoldError, mayHoldToolError, responseOutcome } from '../../../src/event/response-outcome.js';

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));
const text = fc.string({ maxLength: 40 });
const content = fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 3 });
const anyJson = fc.jsonValue({ maxDepth: 2 });

/** [the response, what it is]. */
const response: fc.Arbitrary<[Record<string, unknown>, 'ok' | 'error' | 'tool-error']> = fc.oneof(
	fc.record({ jsonrpc: fc.constant('2.0'), id, error: fc.record({ code: fc.integer(), message: text, data: fc.option(anyJson) }) }).map((message) => [message, 'error'] as [Record<string, unknown>, 'error']),
	fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.record({ content, isError: fc.constant(true), structuredContent: fc.option(fc.dictionary(text, anyJson)) }) }).map((message) => [message, 'tool-error'] as [Record<string, unknown>, 'tool-error']),
	// isError false, absent, or not the boolean true; "isError" may appear as text or a nested key.
	fc
		.record({ jsonrpc: fc.constant('2.0'), id, result: fc.record({ content, isError: fc.constantFrom(false, undefined, 'true', 1, null), structuredContent: fc.option(fc.record({ isError: fc.constant(true) })) }, { requiredKeys: ['content'] }) })
		.map((message) => [message, 'ok'] as [Record<string, unknown>, 'ok']),
);

describe('response outcome', () => {
	it('names a JSON-RPC error, a tool error and a plain result apart', () => {
		fc.assert(
			fc.property(response, ([message, expected]) => {
				expect(responseOutcome(message)).toBe(expected);
				expect(responseOutcome(JSON.parse(JSON.stringify(message)))).toBe(expected);
			}),
			{ seed: 20, numRuns: 500 },
		);
	});

	it('counts both kinds in a batch, tool errors inside errors', () => {
		fc.assert(
			fc.property(fc.array(response, { maxLength: 6 }), (items) => {
				const counts = countErrors(items.map(([message]) => message));
				expect(counts.toolErrors).toBe(items.filter(([, kind]) => kind === 'tool-error').length);
				expect(counts.errors).toBe(items.filter(([, kind]) => kind !== 'ok').length);
			}),
			{ seed: 21, numRuns: 300 },
		);
	});

	it('never skips an error: the byte test holds for every serialised error and tool error', () => {
		fc.assert(
			fc.property(response, fc.boolean(), ([message, kind], pretty) => {
				const bytes = Buffer.from(pretty ? JSON.stringify(message, null, 2) : JSON.stringify(message));
				if (kind !== 'ok') expect(mayHoldError(bytes)).toBe(true);
				if (kind === 'tool-error') expect(mayHoldToolError(bytes)).toBe(true);
			}),
			{ seed: 22, numRuns: 300 },
		);
	});

	it('does not read requests or notifications as answers', () => {
		expect(responseOutcome({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { isError: true } })).toBe('ok');
		expect(responseOutcome({ jsonrpc: '2.0', method: 'notifications/message', error: {} })).toBe('ok');
		expect(responseOutcome('garbage')).toBe('ok');
	});
});
