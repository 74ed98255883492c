import { describe, expect, it } from 'vitest';
import { classifyObject } from '../../../src/jsonrpc/classify.js';
import { inspectLine } from '../../../src/jsonrpc/inspect-line.js';
import { scanEnvelope } from '../../../src/jsonrpc/scan-envelope.js';

// What classification makes of the line when it parses it: the scan must agree.
function viaParse(text: string) {
	return classifyObject(JSON.parse(text));
}

function viaScan(text: string) {
	const envelope = scanEnvelope(Buffer.from(text));
	return envelope && classifyObject(envelope.fields);
}

describe('scanning a line for its envelope', () => {
	it.each([
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}',
		'{"result":{"content":[{"type":"text","text":"hi"}]},"jsonrpc":"2.0","id":"a-1"}',
		'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}}',
		' {"jsonrpc" : "2.0" , "method" : "notifications/progress" , "params" : { "progress" : 1.5e-3 , "total" : -0 } }\t',
		'{"jsonrpc":"2.0","id":-1250,"method":"ping","params":{"x":1e300}}',
		'{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"arguments":{"name":"inner"},"name":"outer"}}',
		'{"jsonrpc":"2.0","id":9007199254740991,"method":"tools/call","params":{"arguments":{"name":"x","a":{"name":1},"b":[{"name":2}]},"name":"outer"}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":{"x":1}}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[{"name":"a"}]}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"echo"}',
		'{"jsonrpc":"2.0","method":"tools/call","id":{"a":1}}',
		'{"jsonrpc":"2.0","method":"x","id":[1]}',
		'{"jsonrpc":"2.0","method":"x","id":true}',
		'{"jsonrpc":"2.0","method":5,"id":1}',
		'{"jsonrpc":"2.0","method":["x"],"id":1}',
		'{"jsonrpc":"2.0","id":1,"result":{},"error":false}',
		'{"jsonrpc":"1.0","id":1,"result":1}',
		'{"jsonrpc":{"v":"2.0"},"id":1,"result":1}',
		'{"jsonrpc":"2.0"}',
		'{}',
		'{"a":{"b":{"c":[[[{"id":9}]]]}},"jsonrpc":"2.0","id":3,"method":"m"}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"x":{"name":"deep"}}}',
	])('reads %s as parsing does', (text) => {
		expect(viaScan(text)).toEqual(viaParse(text));
	});

	it.each([
		// Not for the scan: escapes, batches, other top levels; the caller parses these.
		'{"jsonrpc":"2.0","id":"a\\"b","method":"m"}',
		'{"jsonrpc":"2.0","id":1,"method":"m","params":{"text":"line\\nbreak"}}',
		'[{"jsonrpc":"2.0","id":1,"method":"m"}]',
		'"text"',
		'42',
		// Not JSON: JSON.parse must be the one to say why.
		'{"jsonrpc":"2.0","id":1,"method":"m"',
		'{"jsonrpc":"2.0","id":1,"method":"m"}}',
		'{"jsonrpc":"2.0","id":1,"method":"m"} x',
		'{"jsonrpc":"2.0","id":01,"method":"m"}',
		'{"jsonrpc":"2.0","id":1.,"method":"m"}',
		'{"jsonrpc":"2.0","id":-,"method":"m"}',
		'{"jsonrpc":"2.0","id":1e,"method":"m"}',
		'{"jsonrpc":"2.0","id":+1,"method":"m"}',
		'{"jsonrpc":"2.0","id":tru,"method":"m"}',
		'{"jsonrpc":"2.0","id":nul}',
		'{"jsonrpc":"2.0","id":1,}',
		'{"jsonrpc":"2.0",,"id":1}',
		'{"jsonrpc" "2.0"}',
		'{jsonrpc:"2.0"}',
		'{"a":[1,2,]}',
		'{"a":[,1]}',
		'{"a":[1 2]}',
		'{"a":"tab\there"}',
		"{'a':1}",
		'\ufeff{"a":1}',
		'{"a":1}\u00a0',
		'',
	])('leaves %j to the parser', (text) => {
		expect(scanEnvelope(Buffer.from(text))).toBeUndefined();
	});

	// What parsers may read differently is for the full inspection to name (inspect-line.ts).
	it.each([
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","Name":"b"}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"params":{"other":1}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/list","METHOD":"tools/call","params":{"name":"x"}}',
		'{"jsonrpc":"2.0","id":1,"id":"2","result":null}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"path":"/tmp","PATH":"/etc"}}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"a":[{"b":{"c":1,"c":2}}]}}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"name":"x"}}',
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"Name":"x"}}',
		'{"__proto__":{"id":1},"jsonrpc":"2.0","method":"m"}',
		'{"jsonrpc":"2.0","id":-12.5E+2,"method":"ping"}',
		'{"jsonrpc":"2.0","id":-0,"method":"ping"}',
		'{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
		'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":1e400}}',
		'{"jsonrpc":"2.0","id":1,\r"method":"ping"}',
		'{"jsonrpc":"2.0","id":1,"method":"ping"}\r',
	])('leaves %j to the full inspection', (text) => {
		expect(scanEnvelope(Buffer.from(text))).toBeUndefined();
	});

	it('keeps the line as text, and leaves strings with non-ASCII or control characters to the parser', () => {
		expect(scanEnvelope(Buffer.from('{"a":"plain"}'))?.text).toBe('{"a":"plain"}');
		expect(scanEnvelope(Buffer.from('{"a":\t1}\t'))?.text).toBe('{"a":\t1}\t');
		for (const text of ['{"a":"naïve"}', '{"ключ":1}', '{"a":"tab\there"}', '{"a":"del\u007f"}']) expect(scanEnvelope(Buffer.from(text))).toBeUndefined();
	});

	it('gives up on nesting deeper than it tracks, and the parser takes it', () => {
		const deep = `{"jsonrpc":"2.0","id":1,"result":${'['.repeat(100)}${']'.repeat(100)}}`;
		expect(scanEnvelope(Buffer.from(deep))).toBeUndefined();
		const shallow = `{"jsonrpc":"2.0","id":1,"result":${'['.repeat(60)}${']'.repeat(60)}}`;
		expect(viaScan(shallow)).toEqual(viaParse(shallow));
	});

	it('agrees with JSON.parse on thousands of generated and damaged lines', () => {
		let seed = 12345;
		const random = () => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed / 0x80000000;
		};
		const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
		const keys = ['jsonrpc', 'id', 'method', 'params', 'result', 'error', 'name', 'arguments', 'x', 'é', 'X'];
		const scannable = (text: string) => /^[\x20-\x7e]*$/.test(text) && !text.includes('\\');
		const scalar = (): unknown =>
			pick<() => unknown>([() => pick(['2.0', 'tools/call', 'echo', 'é😀', '', 'a b']), () => Math.floor(random() * 1000) - 500, () => random() * 1e6, () => pick([true, false, null])])();
		const value = (depth: number): unknown => {
			if (depth > 3 || random() < 0.5) return scalar();
			if (random() < 0.3) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
			return object(depth + 1);
		};
		const object = (depth: number): Record<string, unknown> => Object.fromEntries([...keys].sort(() => random() - 0.5).slice(0, Math.floor(random() * 5)).map((key) => [key, value(depth)]));
		// Duplicate keys cannot come out of JSON.stringify: members are joined by hand.
		// Most lines have distinct keys (the scan answers for those), some repeat one.
		const line = (): string => {
			const names = random() < 0.25 ? Array.from({ length: 6 }, () => pick(keys)) : [...keys].sort(() => random() - 0.5);
			const members = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, index) => `${JSON.stringify(names[index])}${pick([':', ' : '])}${JSON.stringify(value(1))}`);
			return `{${members.join(pick([',', ', ']))}}`;
		};
		const damage = (text: string): string => {
			const at = Math.floor(random() * (text.length + 1));
			return pick([
				() => text.slice(0, at) + text.slice(at + 1),
				() => text.slice(0, at) + pick([',', ':', '"', '{', '}', '[', ']', '0', '-', '.', 'e', ' ', 'n', '\t']) + text.slice(at),
				() => text.slice(0, at),
			])();
		};
		let scanned = 0;
		let damagedAccepted = 0;
		for (let round = 0; round < 4000; round++) {
			const whole = line();
			const text = round % 2 === 0 ? whole : damage(whole);
			let parsed: unknown;
			let parses = true;
			try {
				parsed = JSON.parse(text);
			} catch {
				parses = false;
			}
			const envelope = scanEnvelope(Buffer.from(text));
			const inspection = inspectLine(Buffer.from(text));
			if (envelope === undefined) {
				// Only what the scan leaves to the parser (non-ASCII, escapes) or to the full
				// inspection (what parsers may read differently) may keep a valid object from it.
				const clean = inspection.ok && !inspection.ambiguity;
				if (parses && clean && scannable(text) && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) throw new Error(`scan refused valid line ${text}`);
				continue;
			}
			if (!parses) throw new Error(`scan accepted a line JSON.parse refuses: ${text}`);
			if (!inspection.ok || inspection.ambiguity) throw new Error(`scan accepted a line the inspection refuses: ${text}`);
			expect(classifyObject(envelope.fields)).toEqual(classifyObject(parsed));
			scanned++;
			if (text !== whole) damagedAccepted++;
		}
		// The damage must have produced lines of both kinds, or the comparison proved little.
		expect(scanned).toBeGreaterThan(1000);
		expect(damagedAccepted).toBeGreaterThan(100);
	});
});
