// Step-up authorization (src/oauth/authorized-fetch.ts): the scopes asked for again are the
// ones held plus the ones a 403 insufficient_scope challenge names (SEP-2350), for generated
// scope lists in any whitespace spelling, with repeats and overlaps.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unionOfScopes } from '../../../src/oauth/authorized-fetch.js';

const scope = fc.stringMatching(/^[A-Za-z0-9:._\/-]{1,12}$/);
const gap = fc.constantFrom(' ', '  ', '\t', ' \t ');
const spelled = (scopes: string[], gaps: string[], edges: [string, string]) => edges[0] + scopes.map((item, index) => `${index === 0 ? '' : gaps[index % gaps.length]}${item}`).join('') + edges[1];
const list = fc.tuple(fc.array(scope, { maxLength: 6 }), fc.array(gap, { minLength: 1, maxLength: 3 }), fc.tuple(fc.constantFrom('', ' '), fc.constantFrom('', ' ')));

describe('unionOfScopes', () => {
	it('keeps every held scope first, in order, then adds each asked one not held, each once, single-spaced', () => {
		fc.assert(
			fc.property(list, list, fc.boolean(), ([held, heldGaps, heldEdges], [asked, askedGaps, askedEdges], heldMissing) => {
				const union = unionOfScopes(heldMissing ? undefined : spelled(held, heldGaps, heldEdges), spelled(asked, askedGaps, askedEdges));
				const expected: string[] = [];
				for (const item of [...(heldMissing ? [] : held), ...asked]) if (!expected.includes(item)) expected.push(item);
				expect(union).toBe(expected.join(' '));
			}),
			{ seed: 2350, numRuns: 500 },
		);
	});

	it('is empty when neither side names a scope', () => {
		expect(unionOfScopes(undefined, undefined)).toBe('');
		expect(unionOfScopes(' ', '\t')).toBe('');
	});
});
