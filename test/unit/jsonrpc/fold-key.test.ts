import { describe, expect, it } from 'vitest';
import { foldKey, hasLoneSurrogate } from '../../../src/jsonrpc/fold-key.js';

// Keys a case-insensitive decoder (Go's encoding/json: ToUpper(ToLower(r)) per rune) takes
// for one another must fold alike; keys it tells apart may fold apart.
describe('foldKey', () => {
	it.each([
		['method', 'Method'],
		['method', 'METHOD'],
		['params', 'param\u017f'], // long s: ToUpper('ſ') is 'S'
		['kind', '\u212aind'], // Kelvin sign: ToLower is 'k'
		['id', '\u0130d'], // dotted capital I: simple ToLower is 'i'
		['id', '\u0131D'], // dotless i: ToUpper is 'I'
		['\u00df', '\u1e9e'], // ß and ẞ
		['\u03c3', '\u03c2'], // σ and final ς
		['\u03c3', '\u03a3'],
		['\u00b5', '\u03bc'], // micro sign and mu
		['\u1f80', '\u1f88'], // Greek with ypogegrammeni: simple upper, not 'ἈΙ'
		['\ud800', '\udfff'], // lone surrogates: both U+FFFD to Go
		['\ud800', '\ufffd'],
	])('%j folds like %j', (first, second) => {
		expect(foldKey(first)).toBe(foldKey(second));
	});

	it.each([
		['name', 'names'],
		['path', 'pat\u0127'],
		['\u00e9', 'e\u0301'], // no parser normalises keys
		['😀', '😁'],
	])('%j does not fold like %j', (first, second) => {
		expect(foldKey(first)).not.toBe(foldKey(second));
	});

	it('keeps ASCII keys to their lower case', () => {
		expect(foldKey('inputSchema')).toBe('inputschema');
		expect(foldKey('io.modelcontextprotocol/protocolVersion')).toBe('io.modelcontextprotocol/protocolversion');
	});

	it('finds lone surrogates, not pairs', () => {
		expect(hasLoneSurrogate('a\ud800b')).toBe(true);
		expect(hasLoneSurrogate('\udc00')).toBe(true);
		expect(hasLoneSurrogate('😀')).toBe(false);
		expect(hasLoneSurrogate('plain')).toBe(false);
	});
});
