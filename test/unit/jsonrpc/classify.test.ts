import { describe, expect, it } from 'vitest';
import { classifyLine, idKey, PARSE_LIMIT_BYTES } from '../../../src/jsonrpc/classify.js';

const classify = (text: string) => {
	const { parsed: _parsed, verbatim: _verbatim, items, ...rest } = classifyLine(Buffer.from(text));
	return items ? { ...rest, items: items.map(({ parsed: _p, ...item }) => item) } : rest;
};

describe('classifyLine', () => {
	it.each([
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', expected: { shape: 'request', method: 'tools/list', id: 1 } },
		{ line: '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo"}}', expected: { shape: 'request', method: 'tools/call', id: 'a', tool: 'echo' } },
		{ line: '{"jsonrpc":"2.0","method":"notifications/initialized"}', expected: { shape: 'notification', method: 'notifications/initialized' } },
		{ line: '{"jsonrpc":"2.0","id":7,"result":{}}', expected: { shape: 'response', id: 7, isError: false } },
		{ line: '{"jsonrpc":"2.0","id":7,"error":{"code":-1,"message":"x"}}', expected: { shape: 'response', id: 7, isError: true } },
		{ line: '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}', expected: { shape: 'response', id: null, isError: true } },
	])('$expected.shape: $line', ({ line, expected }) => {
		expect(classify(line)).toEqual(expected);
	});

	it.each([
		{ line: 'garbage', shape: 'unparseable' },
		{ line: '{"jsonrpc":"2.0","id":1', shape: 'unparseable' },
		{ line: '{"foo":1}', shape: 'invalid' },
		{ line: '{"jsonrpc":"1.0","id":1,"method":"x"}', shape: 'invalid' },
		{ line: '{"jsonrpc":"2.0","id":{"x":1},"method":"x"}', shape: 'invalid' },
		{ line: '{"jsonrpc":"2.0","method":5}', shape: 'invalid' },
		{ line: '[]', shape: 'invalid' },
		{ line: '42', shape: 'invalid' },
	])('refuses $line as $shape with a reason', ({ line, shape }) => {
		const result = classifyLine(Buffer.from(line));
		expect(result.shape).toBe(shape);
		expect(result.problem).toBeTruthy();
	});

	it('leaves an ASCII line without escapes unparsed, keeping its text; parses others', () => {
		const plain = classifyLine(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/list"}'));
		expect(plain).toMatchObject({ shape: 'request', verbatim: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
		expect(plain.parsed).toBeUndefined();
		const wide = classifyLine(Buffer.from('{"jsonrpc":"2.0","id":"é","method":"m"}'));
		expect(wide).toMatchObject({ shape: 'request', id: 'é', parsed: { id: 'é' } });
		expect(wide.verbatim).toBeUndefined();
		const escaped = classifyLine(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"m","params":{"t":"a\\nb"}}'));
		expect(escaped).toMatchObject({ shape: 'request', parsed: { params: { t: 'a\nb' } } });
		expect(escaped.verbatim).toBeUndefined();
	});

	it('classifies each element of a batch', () => {
		const result = classify('[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b"},{"jsonrpc":"2.0","id":2,"result":1}]');
		expect(result).toEqual({
			shape: 'batch',
			items: [
				{ shape: 'request', method: 'a', id: 1, tool: undefined },
				{ shape: 'notification', method: 'b', tool: undefined },
				{ shape: 'response', id: 2, isError: false },
			],
		});
	});

	it('scans huge lines for their envelope without parsing them', () => {
		const text = 'x'.repeat(PARSE_LIMIT_BYTES + 10);
		const response = classifyLine(Buffer.from(`{"result":{"content":[{"type":"text","text":"${text}\\"}"}]},"jsonrpc":"2.0","id":42}`));
		expect(response).toMatchObject({ shape: 'response', id: 42, isError: false });
		expect(response.parsed).toBeUndefined();
		const request = classifyLine(Buffer.from(`{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"a":"${text}"}}`));
		expect(request).toMatchObject({ shape: 'request', id: 'big', method: 'tools/call' });
		expect(classifyLine(Buffer.from(`{"jsonrpc":"2.0","id":1,"result":"${text}`)).shape).toBe('unparseable');
		expect(classifyLine(Buffer.from(`{"jsonrpc":"2.0","id":1,"result":"${text}"}}`)).shape).toBe('unparseable');
	});

	it('reads the tool and each batch element of a huge line, as of a small one', () => {
		const text = 'x'.repeat(PARSE_LIMIT_BYTES + 10);
		const call = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{"content":"${text}"},"name":"admin_reset"}}`;
		expect(classify(call)).toEqual({ shape: 'request', method: 'tools/call', id: 3, tool: 'admin_reset' });
		const batch = classify(`[${call},{"jsonrpc":"2.0","method":"tools/call","params":{"name":"write_file"}}]`);
		expect(batch).toEqual({
			shape: 'batch',
			items: [
				{ shape: 'request', method: 'tools/call', id: 3, tool: 'admin_reset' },
				{ shape: 'notification', method: 'tools/call', tool: 'write_file' },
			],
		});
		expect(classify(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"x":"${text}" /* */}`).shape).toBe('unparseable');
	});

	// A line whose meaning could differ between parsers is invalid, whatever its size; the
	// id an answer goes to is the one every parser reads (null when the id is in doubt).
	it.each([
		{ line: '{"jsonrpc":"2.0","id":30,"method":"ping","Method":"tools/call","params":{"name":"write_file"}}', id: 30, method: 'ping', problem: "the keys 'method' and 'Method'" },
		{ line: '{"jsonrpc":"2.0","id":30,"method":"tools/call","method":"ping"}', id: 30, method: 'ping', problem: "the key 'method' twice" },
		{ line: '{"jsonrpc":"2.0","id":31,"ID":32,"method":"ping"}', id: null, method: 'ping', problem: "the keys 'id' and 'ID'" },
		{ line: `{"jsonrpc":"2.0","id":33,"method":"tools/call","params":{"name":"hidden","arguments":{"pad":"${'p'.repeat(PARSE_LIMIT_BYTES)}"},"Name":"x"}}`, id: 33, method: 'tools/call', problem: "the keys 'name' and 'Name'" },
		{ line: '{"jsonrpc":"2.0","id":34,"method":"ping",\r"x":1}', id: 34, method: 'ping', problem: 'a carriage return' },
	])('refuses $problem as ambiguous', ({ line, id, method, problem }) => {
		expect(classify(line.replace('\\r', '\r'))).toEqual({ shape: 'invalid', ambiguous: true, id, method, problem: expect.stringContaining(`ambiguous JSON: ${problem}`) });
	});

	it('refuses an ambiguous batch whole, keeping the id of each request every parser reads', () => {
		const line = '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","Name":"write_file"}},{"jsonrpc":"2.0","id":3,"id":4,"method":"ping"}]';
		expect(classify(line)).toEqual({
			shape: 'invalid',
			ambiguous: true,
			problem: expect.stringContaining("the keys 'name' and 'Name'"),
			items: [
				{ shape: 'request', method: 'tools/call', id: 1 },
				{ shape: 'request', method: 'tools/call', id: 2 },
				{ shape: 'request', method: 'ping', id: null },
			],
		});
	});

	it('refuses a message that is both a request and a response', () => {
		expect(classify('{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}')).toMatchObject({ shape: 'invalid', id: 1 });
		expect(classify('{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}')).toMatchObject({ shape: 'invalid', id: 1 });
	});

	it('keeps 1 and "1" apart in id keys', () => {
		expect(idKey(1)).not.toBe(idKey('1'));
		expect(idKey(null)).toBe('null');
	});
});
