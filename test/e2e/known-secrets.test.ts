// A secret injected with `run --secret` never gets back out, however the server encodes it
// (issue 14 item 2): a fixture server reads it from its environment, puts it between random
// text and echoes the whole encoded (as is, JSON, URL, form, base64 and base64url at each
// offset, hex in both cases), in its result and on its stderr. Random secrets and texts
// from a seeded generator; each run is one session through the built binary. Nothing that
// depends on the secret alone may reach the client, mcprec's stderr (the client's log) or
// any byte of the store.

import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture, makeHome, payloadOf, readEvents, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startRaw } from '../helpers/raw-mcprec.js';

const baseEnv = { MCPREC_CREDENTIAL_STORE: 'file' };
const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

const ENCODINGS = ['plain', 'json', 'url', 'form', 'base64', 'base64url', 'hex', 'HEX'] as const;
type Encoding = (typeof ENCODINGS)[number];

const SECRET_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=:@!$&*() é€"'];
const TEXT_CHARS = [...SECRET_CHARS, '\n', '\\', '%'];
const secretArbitrary = fc.array(fc.constantFrom(...SECRET_CHARS), { minLength: 12, maxLength: 40 }).map((chars) => chars.join('').trim()).filter((value) => value.length >= 12);
const textArbitrary = fc.array(fc.constantFrom(...TEXT_CHARS), { maxLength: 12 }).map((chars) => chars.join(''));
const callsArbitrary = fc.tuple(...ENCODINGS.map(() => fc.record({ before: textArbitrary, after: textArbitrary, stderr: fc.boolean() })));

// What of the encoded text depends on the secret alone (the oracle, from the encoding itself).
function secretOnly(encoding: Encoding, before: string, secret: string): string {
	switch (encoding) {
		case 'plain':
			return secret;
		case 'json':
			return JSON.stringify(secret).slice(1, -1);
		case 'url':
			return encodeURIComponent(secret);
		case 'form':
			return new URLSearchParams({ q: secret }).toString().slice(2);
		case 'hex':
			return Buffer.from(secret).toString('hex');
		case 'HEX':
			return Buffer.from(secret).toString('hex').toUpperCase();
		case 'base64':
		case 'base64url': {
			const firstBit = Buffer.byteLength(before) * 8;
			const endBit = firstBit + Buffer.byteLength(secret) * 8;
			const encoded = Buffer.from(`${before}${secret}`).toString(encoding);
			return encoded.slice(Math.ceil(firstBit / 6), Math.floor(endBit / 6));
		}
	}
}

function storedBytes(directory: string): Buffer {
	const chunks: Buffer[] = [];
	for (const name of fs.readdirSync(directory, { recursive: true }) as string[]) {
		const file = path.join(directory, name);
		if (fs.statSync(file).isFile() && path.basename(file) !== 'credentials.json') chunks.push(fs.readFileSync(file));
	}
	return Buffer.concat(chunks);
}

describe('an injected secret echoed in any common encoding', () => {
	it('never reaches the client, its log or the store', async () => {
		await fc.assert(
			fc.asyncProperty(secretArbitrary, callsArbitrary, async (secret, calls) => {
				const home = makeHome('mcprec-known-');
				try {
					const set = await runMcprec(['secret', 'set', 'API_KEY'], home, { env: baseEnv, input: secret });
					expect(set.exitCode, set.stderr).toBe(0);
					const session = startRaw(['node', fixture('raw-server.mjs')], home, { env: baseEnv, runOptions: ['--secret', 'API_KEY'] });
					try {
						session.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {} }));
						await session.response(1);
						ENCODINGS.forEach((encoding, index) => session.send(request(10 + index, 'tools/call', { name: 'encode_env', arguments: { name: 'API_KEY', encoding, ...calls[index] } })));
						for (let index = 0; index < ENCODINGS.length; index++) {
							const answer = (await session.response(10 + index)).toString('utf8');
							expect(answer, ENCODINGS[index]).toContain('[REDACTED:API_KEY]');
						}
						session.end();
						expect((await session.exit(20_000)).code).toBe(0);
					} finally {
						session.kill();
					}
					const client = Buffer.concat(session.lines).toString('utf8');
					const stored = storedBytes(home);
					const payloads = readEvents(home).map((event) => payloadOf(event).toString('utf8')).join('\n');
					ENCODINGS.forEach((encoding, index) => {
						const leak = secretOnly(encoding, calls[index].before, secret);
						expect(client, `${encoding} to the client`).not.toContain(leak);
						expect(session.stderr, `${encoding} on stderr`).not.toContain(leak);
						expect(stored.includes(leak), `${encoding} in the store`).toBe(false);
						expect(payloads, `${encoding} in a payload`).not.toContain(leak);
					});
				} finally {
					removeHome(home);
				}
			}),
			{ seed: 1414, numRuns: 4 },
		);
	}, 180_000);
});
