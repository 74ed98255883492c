// The HTTP upstream (src/upstream/http-upstream.ts) against a real HTTP server in this
// process: frames the proxy hands over in pieces cut anywhere (inside a character, several
// frames in one piece) reach the server as one POST each, byte for byte, and the answers
// come back as one line each, multi-line JSON made one line.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpUpstream } from '../../../src/upstream/http-upstream.js';
import type { UpstreamHandlers } from '../../../src/upstream/upstream.js';

let server: http.Server;
let url: URL;
const bodies: string[] = [];

beforeAll(async () => {
	server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			if (request.method !== 'POST') {
				response.writeHead(405).end();
				return;
			}
			bodies.push(body);
			const message = JSON.parse(body) as { id?: unknown; method: string; params?: unknown };
			if (message.id === undefined) {
				response.writeHead(202).end();
				return;
			}
			// Pretty-printed on purpose: newlines between tokens.
			const answer = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { echoed: message.params ?? null } }, null, 2);
			response.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's-1' }).end(answer);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function attach(upstream: HttpUpstream) {
	const lines: string[] = [];
	const facts: Record<string, unknown>[] = [];
	let pending = '';
	const handlers: UpstreamHandlers = {
		onData: (chunk) => {
			pending += chunk.toString('utf8');
			const parts = pending.split('\n');
			pending = parts.pop()!;
			lines.push(...parts);
		},
		onStderr: () => {},
		onStartError: (error) => {
			throw error;
		},
		onExit: () => {},
		onFact: (fact) => facts.push(fact),
		onRequestFailed: (id, message) => {
			throw new Error(`request ${String(id)} failed: ${message}`);
		},
	};
	upstream.start(handlers);
	return { lines, facts };
}

async function until(what: string, probe: () => boolean): Promise<void> {
	const deadline = Date.now() + 5000;
	while (!probe()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

const text = fc.string({ unit: 'grapheme', maxLength: 20 });

describe('HttpUpstream', () => {
	it('sends each frame as one POST, whatever pieces it came in, and answers one line each', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), async (texts, cuts) => {
				bodies.length = 0;
				const upstream = new HttpUpstream({ url, headers: {} });
				const { lines } = attach(upstream);
				const frames = [
					JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25' } }),
					...texts.map((value, index) => JSON.stringify({ jsonrpc: '2.0', id: index + 1, method: 'tools/call', params: { name: 'echo', arguments: { value } } })),
				];
				const bytes = Buffer.from(frames.map((frame) => `${frame}\n`).join(''));
				const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
				let start = 0;
				for (const point of [...points, bytes.length]) {
					upstream.send([bytes.subarray(start, point)]);
					start = point;
				}
				await until('every answer', () => lines.length === frames.length);
				expect([...bodies].sort()).toEqual([...frames].sort());
				expect(bodies[0]).toBe(frames[0]);
				const answers = lines.map((line) => JSON.parse(line) as { id: number; result: { echoed: unknown } });
				for (const answer of answers) expect(answer.result.echoed).toEqual((JSON.parse(frames[answer.id]!) as { params: unknown }).params);
				upstream.close();
			}),
			{ seed: 1616, numRuns: 40 },
		);
	});
});
