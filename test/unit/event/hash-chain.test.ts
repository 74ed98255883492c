import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainHasher, canonicalHeader, chainHash, genesisHash } from '../../../src/event/hash-chain.js';

const fields = {
	sessionId: '01a20381-e641-77a0-a5fa-5b0480990e2c',
	seq: 0,
	ts: 1795355174465918,
	origin: 'client',
	target: 'server',
	kind: 'message',
	method: 'tools/call',
	rpcId: '3',
	tool: 'echo',
	size: 2,
	latencyUs: null,
};

describe('hash chain canonical form (README "Verifying a recording")', () => {
	it('matches the documented recipe computed independently', () => {
		const prev = createHash('sha256').update(`mcprec-session-v1\n${fields.sessionId}`).digest('hex');
		expect(genesisHash(fields.sessionId)).toBe(prev);
		const header = '["mcprec-event-v1","01a20381-e641-77a0-a5fa-5b0480990e2c",0,1795355174465918,"client","server","message","tools/call","3","echo",2,null]';
		expect(canonicalHeader(fields)).toBe(header);
		const expected = createHash('sha256').update(`${prev}\n${header}\n{}`).digest('hex');
		expect(chainHash(prev, fields, Buffer.from('{}'))).toBe(expected);
	});

	it('changes when any covered field or byte changes', () => {
		const base = chainHash('00', fields, Buffer.from('{}'));
		expect(chainHash('01', fields, Buffer.from('{}'))).not.toBe(base);
		expect(chainHash('00', { ...fields, seq: 1 }, Buffer.from('{}'))).not.toBe(base);
		expect(chainHash('00', { ...fields, tool: 'rm' }, Buffer.from('{}'))).not.toBe(base);
		expect(chainHash('00', fields, Buffer.from('{ }'))).not.toBe(base);
	});

	it('hashes the same bytes with the one-shot ChainHasher, whatever the sizes', () => {
		const hasher = new ChainHasher();
		const unicode = { ...fields, tool: 'écho \u2028 "quoted" \u{1F600}', rpcId: '"s:x"' };
		for (const size of [0, 2, 70_000, 200_000, 2 * 1024 * 1024]) {
			const payload = Buffer.alloc(size, 'ab€');
			for (const each of [fields, unicode]) {
				const sized = { ...each, size };
				expect(hasher.hash('00', sized, payload)).toBe(chainHash('00', sized, payload));
			}
		}
	});

	it('writes the canonical header byte for byte, escapes and odd numbers included', () => {
		const hasher = new ChainHasher();
		const payload = Buffer.from('{"x":1}');
		const odd = [
			{ ...fields, method: null, rpcId: null, tool: null, target: null },
			{ ...fields, method: 'a"b\\c\n\u0000\u001f\u007f', rpcId: '"s:\u2028"', tool: 'lone \ud800 surrogate' },
			{ ...fields, seq: 9, ts: 0, size: 0, latencyUs: 0 },
			{ ...fields, seq: 1e8, ts: 100_000_007, size: 99_999_999, latencyUs: 1_000_000_000_000_001 },
			{ ...fields, seq: Number.MAX_SAFE_INTEGER, ts: 2 ** 60, latencyUs: -5 },
			{ ...fields, ts: 1.5, latencyUs: Number.NaN, size: 1e21 },
			{ ...fields, sessionId: 'other "session" é' },
		];
		for (const each of odd) {
			const expected = createHash('sha256').update(`00\n${canonicalHeader(each)}\n`).update(payload).digest('hex');
			expect(hasher.hash('00', each, payload)).toBe(expected);
		}
	});
});
