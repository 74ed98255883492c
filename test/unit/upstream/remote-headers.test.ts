// `run --url --header "Name: value"` (src/upstream/remote-headers.ts): what is a header, which
// secrets it names, and the value sent once they are put in.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHeaderReferences, parseHeaderOption, resolveHeaders, secretReferences } from '../../../src/upstream/remote-headers.js';

const secretName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,11}$/);
const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((name) => !['accept', 'host', 'content-type', 'content-length', 'last-event-id', 'mcp-session-id', 'mcp-protocol-version'].includes(name.toLowerCase()));
// Text around the references: anything printable, without `${` so it cannot make a reference of its own.
const filler = fc.string({ maxLength: 12 }).map((text) => text.replace(/[\r\n\0]|\$\{/g, '').trim());

describe('--header', () => {
	it('puts every named secret in, and nothing else changes', () => {
		fc.assert(
			fc.property(headerName, fc.array(fc.tuple(filler, secretName), { maxLength: 4 }), filler, fc.string({ minLength: 1, maxLength: 20 }), (name, parts, tail, seed) => {
				const value = parts.map(([text, secret]) => `${text}\${${secret}}`).join('') + tail;
				const template = parseHeaderOption(`${name}: ${value}`);
				expect(template).toEqual({ name, value: value.trim() });
				const names = parts.map(([, secret]) => secret);
				expect(secretReferences(template)).toEqual(names);
				expect(checkHeaderReferences([template], names)).toBeUndefined();
				const secrets = [...new Set(names)].map((secret, index) => ({ name: secret, value: `${seed}-${index}` }));
				const sent = resolveHeaders([template], secrets)[name.toLowerCase()]!;
				expect(sent).not.toContain('${');
				const expectedValue = value.trim().replace(/\$\{([A-Z0-9_]+)\}/g, (_whole, secret: string) => secrets.find((entry) => entry.name === secret)!.value);
				expect(sent).toBe(expectedValue);
			}),
			{ seed: 1616, numRuns: 500 },
		);
	});

	it.each([
		['no colon', 'Authorization Bearer x', /expected "Name: value"/],
		['an empty name', ': x', /expected "Name: value"/],
		['a space in the name', 'X Team: blue', /expected "Name: value"/],
		['a header mcprec sets', 'Mcp-Session-Id: abc', /mcprec sets the 'Mcp-Session-Id' header itself/],
		['another one', 'accept: text/html', /mcprec sets the 'accept' header itself/],
	])('refuses %s', (_case, text, message) => {
		expect(() => parseHeaderOption(text)).toThrow(message);
	});

	it('names the header and the secret that --secret did not give', () => {
		const templates = [parseHeaderOption('X-A: ${ONE}'), parseHeaderOption('Authorization: Bearer ${TWO}')];
		expect(checkHeaderReferences(templates, ['ONE'])).toBe("header 'Authorization' uses ${TWO}, but --secret TWO was not given");
	});

	it('joins repeated headers as HTTP does, and keeps a value with a colon whole', () => {
		const headers = resolveHeaders([parseHeaderOption('X-List: a'), parseHeaderOption('x-list: b'), parseHeaderOption('X-Url: http://h:1/x')], []);
		expect(headers).toEqual({ 'x-list': 'a, b', 'x-url': 'http://h:1/x' });
	});
});
