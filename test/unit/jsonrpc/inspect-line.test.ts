// inspectLine in memory: lines every parser reads alike give classification's members as
// JSON.parse would; lines parsers may read differently name why; lines that are not JSON
// are refused as JSON.parse refuses them, whatever their size.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyObject } from '../../../src/jsonrpc/classify.js';
import { inspectLine, MAX_NESTING } from '../../../src/jsonrpc/inspect-line.js';

const inspect = (text: string | Buffer) => inspectLine(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
const CALL = (params: string) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${params}}`;

describe('inspectLine: what classification reads', () => {
	it.each([
		CALL('{"name":"write_file","arguments":{"path":"/etc/x"}}'),
		'{"jsonrpc":"2.0","id":"a\\"b","method":"m\\u00e9","params":{"name":"\\u0061dmin"}}',
		'{"result":{"content":[{"type":"text","text":"line\\nbreak"}]},"jsonrpc":"2.0","id":7}',
		'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}}',
		'{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1.5e-3}}',
		CALL('{"arguments":{"name":"inner"},"name":"outer"}'),
		CALL('{"name":5}'),
		CALL('{"name":{"x":1}}'),
		CALL('[{"name":"a"}]'),
		CALL('"echo"'),
		'{"jsonrpc":"2.0","method":"x","id":[1]}',
		'{"jsonrpc":"2.0","method":["x"],"id":1}',
		'{"jsonrpc":{"v":"2.0"},"id":1,"result":1}',
		'{"a":{"b":{"c":[[[{"id":9}]]]}},"jsonrpc":"2.0","id":3,"method":"m"}',
		'{"jsonrpc":"2.0","id":-9007199254740991,"method":"ping","params":{"big":1e300,"neg":-0}}',
		'{"jsonrpc":"2.0","id":"ключ","method":"tools/call","params":{"name":"読む","arguments":{"Name":"x","NAME2":"y"}}}',
		'{}',
	])('reads %s as JSON.parse does', (text) => {
		const inspection = inspect(text);
		expect(inspection).toMatchObject({ ok: true, isArray: false, ambiguity: undefined });
		if (!inspection.ok) return;
		expect(classifyObject(inspection.messages[0])).toEqual(classifyObject(JSON.parse(text)));
	});

	it('reads each element of a batch, and elements that are not objects as nothing', () => {
		const text = `[${CALL('{"name":"a"}')},{"jsonrpc":"2.0","method":"n"},7,[1],{"jsonrpc":"2.0","id":2,"result":{}}]`;
		const inspection = inspect(text);
		expect(inspection.ok && inspection.isArray).toBe(true);
		if (!inspection.ok) return;
		expect(inspection.messages.map((message) => classifyObject(message))).toEqual((JSON.parse(text) as unknown[]).map((item) => classifyObject(item)));
	});

	it('reads a top level that is no object as one message that is none', () => {
		expect(inspect('"text"')).toEqual({ ok: true, isArray: false, messages: [undefined], ambiguity: undefined, loneSurrogate: false });
		expect(inspect(' 42 ')).toEqual({ ok: true, isArray: false, messages: [undefined], ambiguity: undefined, loneSurrogate: false });
		expect(inspect('[]')).toEqual({ ok: true, isArray: true, messages: [], ambiguity: undefined, loneSurrogate: false });
	});

	it('notes a lone surrogate in a value (not refused here), not a pair', () => {
		for (const text of ['"\\ud800"', '"a\\udc00b"', '"\\ud83d\\u0041"', '"\\ude00\\ud83d"', '["x","\\ud83d"]']) {
			expect(inspect(text)).toMatchObject({ ok: true, ambiguity: undefined, loneSurrogate: true });
		}
		for (const text of ['"\\ud83d\\ude00"', '"\\uD83D\\uDE00 and \\u00e9"', '"😀"']) expect(inspect(text)).toMatchObject({ ok: true, loneSurrogate: false });
	});

	it('reads a 64 MiB line without making it a string, tool name included', () => {
		const padding = 'x'.repeat(64 << 20);
		const line = Buffer.from(CALL(`{"arguments":{"content":"${padding}","path":"/etc/passwd"},"name":"admin_reset"}`));
		const inspection = inspect(line);
		expect(inspection.ok && classifyObject(inspection.messages[0])).toEqual({ shape: 'request', method: 'tools/call', id: 1, tool: 'admin_reset' });
	});
});

// Each row: a line JSON.parse accepts whose meaning another parser could read otherwise,
// why, and whether the id itself is in doubt (an answer then goes to id null).
const ambiguousRows: { case: string; line: string; problem: RegExp; idInDoubt?: boolean; index?: number }[] = [
	{ case: 'case-variant method beside method', line: '{"jsonrpc":"2.0","id":30,"method":"ping","Method":"tools/call","params":{"name":"write_file"}}', problem: /the keys 'method' and 'Method' in one object of the message/ },
	{ case: 'method twice', line: '{"jsonrpc":"2.0","id":30,"method":"tools/call","method":"ping"}', problem: /the key 'method' twice/ },
	{ case: 'id twice', line: '{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}', problem: /the key 'id' twice/, idInDoubt: true },
	{ case: 'ID beside id', line: '{"jsonrpc":"2.0","id":1,"ID":"mcprec-1","method":"ping"}', problem: /'id' and 'ID'/, idInDoubt: true },
	{ case: 'jsonrpc twice', line: '{"jsonrpc":"2.0","jsonrpc":"1.0","id":1,"method":"ping"}', problem: /'jsonrpc' twice/ },
	{ case: 'params and Params', line: CALL('{"name":"read_file"},"Params":{"name":"write_file"}'), problem: /'params' and 'Params'/ },
	{ case: 'name and Name in params', line: CALL('{"name":"read_file","Name":"write_file"}'), problem: /'name' and 'Name' in one object of params/ },
	{ case: 'arguments twice', line: CALL('{"name":"w","arguments":{},"arguments":{"path":"/etc"}}'), problem: /'arguments' twice/ },
	{ case: 'path and Path inside arguments', line: CALL('{"name":"w","arguments":{"path":"/tmp/ok","Path":"/etc/passwd"}}'), problem: /'path' and 'Path'/ },
	{ case: 'a duplicate deep inside arguments', line: CALL('{"name":"w","arguments":{"a":[{"b":{"c":1,"C":2}}]}}'), problem: /'c' and 'C'/ },
	{ case: 'a duplicate inside a result', line: '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"secret","text":"ok"}]}}', problem: /'text' twice/ },
	{ case: 'an escaped key name equal to another', line: CALL('{"name":"read","n\\u0061me":"write"}'), problem: /the key 'name' twice/ },
	{ case: 'an escaped method key beside method', line: '{"jsonrpc":"2.0","id":1,"method":"ping","met\\u0068od":"tools/call"}', problem: /'method' twice/ },
	{ case: 'long s folds into params', line: `{"jsonrpc":"2.0","id":1,"method":"tools/call","param\u017f":{"name":"write_file"}}`, problem: /'param\u017f' of the message is 'params'/ },
	{ case: 'Kelvin sign', line: CALL('{"name":"k","arguments":{"kind":"a","\\u212aind":"b"}}'), problem: /'kind' and '\u212aind'/ },
	{ case: 'Params alone (no params)', line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"name":"admin_reset"}}', problem: /'Params' of the message is 'params' to a case-insensitive parser/ },
	{ case: 'Name alone in params', line: CALL('{"Name":"admin_reset"}'), problem: /'Name' of params is 'name'/ },
	{ case: 'ARGUMENTS alone in params', line: CALL('{"name":"w","ARGUMENTS":{"path":"/etc/x"}}'), problem: /'ARGUMENTS' of params is 'arguments'/ },
	{ case: 'Result alone in a response', line: '{"jsonrpc":"2.0","id":1,"Result":{}}', problem: /'Result' of the message is 'result'/ },
	{ case: 'ID alone in a response', line: '{"jsonrpc":"2.0","ID":4,"result":{}}', problem: /'ID' of the message is 'id'/, idInDoubt: true },
	{ case: 'Tools in a result', line: '{"jsonrpc":"2.0","id":1,"result":{"Tools":[{"name":"admin_reset"}]}}', problem: /'Tools' of the result is 'tools'/ },
	{ case: 'Name in a listed tool', line: '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"Name":"admin_reset"}]}}', problem: /'Name' is 'name'/ },
	{ case: '__proto__ inside arguments', line: CALL('{"name":"w","arguments":{"__proto__":{"path":"/etc/passwd"}}}'), problem: /'__proto__'/ },
	{ case: 'a lone surrogate in a key', line: CALL('{"name":"w","arguments":{"p\\ud800":1}}'), problem: /lone surrogate/ },
	{ case: 'a lone surrogate in the id', line: '{"jsonrpc":"2.0","id":"\\udc00","method":"ping"}', problem: /lone surrogate/, idInDoubt: true },
	{ case: 'a lone surrogate in the tool name', line: CALL('{"name":"admin\\ud800"}'), problem: /tool name holds a lone surrogate/ },
	{ case: 'id 1e400', line: '{"jsonrpc":"2.0","id":1e400,"method":"ping"}', problem: /the number 1e400 is too large/, idInDoubt: true },
	{ case: 'id -0', line: '{"jsonrpc":"2.0","id":-0,"method":"ping"}', problem: /the id -0 is not a string or an integer/, idInDoubt: true },
	{ case: 'id 1.0', line: '{"jsonrpc":"2.0","id":1.0,"method":"ping"}', problem: /the id 1.0/, idInDoubt: true },
	{ case: 'id past 2^53', line: '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}', problem: /the id 9007199254740993/, idInDoubt: true },
	{ case: 'a number past a double anywhere', line: CALL('{"name":"w","arguments":{"count":-2e308}}'), problem: /the number -2e308 is too large/ },
	{ case: 'a carriage return between tokens', line: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":\r${CALL('{"name":"admin_reset"}')}\r}}`, problem: /carriage return/ },
	{ case: 'a duplicate in the second element of a batch', line: `[${CALL('{"name":"a"}')},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","Name":"write_file"}}]`, problem: /'name' and 'Name'/, index: 1 },
	{ case: 'id twice in a batch element', line: `[${CALL('{"name":"a"}')},{"jsonrpc":"2.0","id":2,"id":3,"method":"ping"}]`, problem: /'id' twice/, idInDoubt: true, index: 1 },
];

describe('inspectLine: what parsers may read differently', () => {
	it.each(ambiguousRows)('$case', ({ line, problem, idInDoubt = false, index = 0 }) => {
		expect(() => JSON.parse(line)).not.toThrow();
		const inspection = inspect(line);
		expect(inspection.ok).toBe(true);
		if (!inspection.ok) return;
		expect(inspection.ambiguity).toEqual({ problem: expect.stringMatching(problem), index, idsInDoubt: idInDoubt ? [index] : [] });
	});

	it('finds a duplicate in an object of many keys, and in a line past the parse limit', () => {
		const many = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`key${index}`, index]));
		const line = CALL(`{"name":"w","arguments":${JSON.stringify(many).slice(0, -1)},"KEY150":0}}`);
		expect(inspect(line)).toMatchObject({ ok: true, ambiguity: { problem: expect.stringContaining("'key150' and 'KEY150'") } });
		const huge = CALL(`{"name":"read_file","arguments":{"text":"${'y'.repeat(2 << 20)}"},"Name":"write_file"}`);
		expect(inspect(huge)).toMatchObject({ ok: true, ambiguity: { problem: expect.stringContaining("'name' and 'Name'") } });
	});

	it('lets the same key in different objects, and names that only look alike, pass', () => {
		for (const line of [
			CALL('{"name":"w","arguments":{"name":"x","a":{"name":"y"},"b":[{"name":1},{"name":2}]}}'),
			CALL('{"name":"w","arguments":{"Name":"x","ID":1,"Method":"m"}}'),
			'{"jsonrpc":"2.0","id":1,"result":{"structuredContent":{"Tools":1,"Result":2}}}',
			CALL('{"name":"w","arguments":{"text":"\\"name\\":\\"x\\",\\"Name\\":\\"y\\""}}'),
		]) {
			expect(inspect(line)).toMatchObject({ ok: true, ambiguity: undefined });
		}
	});
});

describe('inspectLine: lines that are not JSON', () => {
	it.each([
		['', /end of the line/],
		['\ufeff{"jsonrpc":"2.0","id":1,"method":"ping"}', /byte order mark/],
		['{"jsonrpc":"2.0","id":1,"method":"ping"} {"jsonrpc":"2.0","id":2,"method":"tools/call"}', /unexpected '\{'/],
		['{"jsonrpc":"2.0","id":1,"method":"ping"}x', /unexpected 'x'/],
		['{"jsonrpc":"2.0","id":1,"method":"ping" /* ,"method":"tools/call" */}', /unexpected '\/'/],
		['{"jsonrpc":"2.0","id":NaN,"method":"ping"}', /unexpected 'N'/],
		['{"jsonrpc":"2.0","id":Infinity}', /unexpected 'I'/],
		['{"jsonrpc":"2.0","id":1,"method":"ping",}', /unexpected '\}'/],
		["{'jsonrpc':'2.0'}", /unexpected '''/],
		['{jsonrpc:"2.0"}', /unexpected 'j'/],
		['{"a":01}', /unexpected '1'/],
		['{"a":+1}', /unexpected '\+'/],
		['{"a":.5}', /unexpected '\.'/],
		['{"a":1.}', /unexpected '\}'/],
		['{"a":0x10}', /unexpected 'x'/],
		['{"a":"tab\there"}', /control character \(0x09\)/],
		['{"a":"\\x41"}', /bad escape/],
		['{"a":"\\u12g4"}', /bad escape/],
		['{"a":"open}', /no end/],
		['{"a":[1,2]', /end of the line/],
		['{"a":1}}', /unexpected '\}'/],
		['[1,]', /unexpected '\]'/],
		['{"a":tru}', /unexpected 't'/],
	])('%j', (text, problem) => {
		expect(() => JSON.parse(text)).toThrow();
		expect(inspect(text)).toEqual({ ok: false, problem: expect.stringMatching(problem) });
	});

	it('refuses bytes that are not UTF-8: an overlong slash, a lone continuation byte', () => {
		const overlong = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"path":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('etc/passwd"}}}')]);
		expect(inspect(overlong)).toEqual({ ok: false, problem: 'the line is not valid UTF-8' });
		expect(inspect(Buffer.from([0x7b, 0x22, 0x80, 0x22, 0x3a, 0x31, 0x7d]))).toEqual({ ok: false, problem: 'the line is not valid UTF-8' });
	});

	it(`refuses nesting deeper than ${MAX_NESTING} levels, and takes ${MAX_NESTING}`, () => {
		const nested = (depth: number) => `{"jsonrpc":"2.0","id":1,"result":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
		expect(inspect(nested(MAX_NESTING))).toMatchObject({ ok: true });
		expect(inspect(nested(MAX_NESTING + 1))).toEqual({ ok: false, problem: `the line is nested deeper than ${MAX_NESTING} levels` });
	});
});

// Generated JSON-ish lines and damaged copies of them: inspectLine accepts exactly what
// JSON.parse accepts (up to nesting and UTF-8, which these lines keep within), and where
// it accepts, it reads the members JSON.parse reads unless it reports an ambiguity.
describe('inspectLine agrees with JSON.parse', () => {
	const key = fc.constantFrom('jsonrpc', 'id', 'method', 'params', 'result', 'error', 'name', 'arguments', 'x', 'é', 'Name', 'n\\u0061me');
	const scalar = fc.oneof(fc.constantFrom('"2.0"', '"tools/call"', '"echo"', '"é😀"', '""', '"a\\"b"', '"\\ud800"', 'true', 'false', 'null', '1e400', '-0', '1.5'), fc.integer().map(String));
	const value: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
		value: fc.oneof(
			{ depthSize: 'small', withCrossShrink: true },
			scalar,
			fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
			fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((members) => `{${members.map(([name, inner]) => `"${name}":${inner}`).join(',')}}`),
		),
	})).value;
	const damage = fc.tuple(fc.nat(), fc.constantFrom('', ',', ':', '"', '{', '}', '[', ']', '0', '-', '.', 'e', ' ', 'n', '\t', '\\', '/', '\r'), fc.boolean());

	it('on generated lines and damaged copies', () => {
		fc.assert(
			fc.property(value, fc.option(damage, { nil: undefined }), (whole, hurt) => {
				let text = whole;
				if (hurt) {
					const [at, insert, remove] = hurt;
					const position = at % (text.length + 1);
					text = text.slice(0, position) + insert + text.slice(position + (remove ? 1 : 0));
				}
				let parsed: unknown;
				let parses = true;
				try {
					parsed = JSON.parse(text);
				} catch {
					parses = false;
				}
				const inspection = inspect(text);
				expect(inspection.ok).toBe(parses);
				if (!inspection.ok || inspection.ambiguity || inspection.isArray) return;
				expect(classifyObject(inspection.messages[0])).toEqual(classifyObject(parsed));
			}),
			{ seed: 1212, numRuns: 3000 },
		);
	});
});
