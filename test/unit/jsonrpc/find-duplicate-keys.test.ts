import { describe, expect, it } from 'vitest';
import { findDuplicateKeys } from '../../../src/jsonrpc/find-duplicate-keys.js';

describe('findDuplicateKeys', () => {
	it.each([
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read","arguments":{}}}', found: undefined },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read","Name":"delete"}}', found: ['name', 'Name'] },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read","name":"delete"}}', found: ['name', 'name'] },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","METHOD":"x","params":{}}', found: ['method', 'METHOD'] },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"x":1,"X":2}}}', found: undefined },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"name":"n"}}}', found: undefined },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"q":"\\"name\\":"},"name":"a"}}', found: undefined },
		{ line: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"n\\u0061me":"a","name":"b"}}', found: ['name', 'name'] },
	])('$line', ({ line, found }) => {
		expect(findDuplicateKeys(Buffer.from(line))).toEqual(found);
	});
});
