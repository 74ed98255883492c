#!/usr/bin/env node
// Compares the round-trip latency of two builds of mcprec against the bare relay, for
// deciding whether a change to the data path helps (DESIGN §8). On a shared 2-core VM,
// separate runs differ by ±30 %; here the relay and both builds take turns in rounds of 100
// calls, the order rotating each round, so drift lands on all three alike. Two copies of
// the same build agree to about ±0.03× on p50.
//
//   node scripts/ab-latency.mjs <checkout A> <checkout B>    (each built: npm run build)
//   ROUNDS=240 (default) sets the number of rounds; the first 5 are warm-up.
//
// A checkout can be a git worktree of another commit with node_modules linked in:
//   git worktree add /tmp/a HEAD~1 && ln -s "$PWD/node_modules" /tmp/a/ && (cd /tmp/a && npm run build)

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [checkoutA, checkoutB] = process.argv.slice(2);
if (!checkoutA || !checkoutB) {
	process.stderr.write('usage: node scripts/ab-latency.mjs <checkout A> <checkout B>\n');
	process.exit(2);
}
const repo = fileURLToPath(new URL('..', import.meta.url));
const server = [process.execPath, path.join(repo, 'fixtures', 'bench-server.mjs')];
const rounds = Number(process.env.ROUNDS ?? 240);
const home = mkdtempSync(path.join(os.tmpdir(), 'mcprec-ab-'));
// As in the bench: the CA bundle would cost every process ~130 ms at boot.
const environment = { ...process.env };
delete environment.NODE_EXTRA_CA_CERTS;

const paths = {
	relay: [path.join(repo, 'fixtures', 'bare-relay.mjs'), ...server],
	A: [path.join(path.resolve(checkoutA), 'bin', 'mcprec.js'), 'run', '--', ...server],
	B: [path.join(path.resolve(checkoutB), 'bin', 'mcprec.js'), 'run', '--', ...server],
};

function connect(name, args) {
	// Separate stores, so one build's writer never waits on the other's lock.
	const child = spawn(process.execPath, args, { env: { ...environment, MCPREC_HOME: path.join(home, name) }, stdio: ['pipe', 'pipe', 'inherit'] });
	let answered;
	let pending = '';
	child.stdout.on('data', (chunk) => {
		pending += chunk;
		if (!pending.endsWith('\n')) return;
		pending = '';
		answered();
	});
	let id = 0;
	const call = (method, params) =>
		new Promise((resolve) => {
			answered = resolve;
			child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params })}\n`);
		});
	return { child, call };
}

const connections = Object.fromEntries(Object.entries(paths).map(([name, args]) => [name, connect(name, args)]));
for (const { call } of Object.values(connections)) {
	await call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'ab-latency', version: '1' } });
}
const samples = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
const names = Object.keys(paths);
for (let round = 0; round < rounds; round++) {
	const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
	for (const name of order) {
		for (let index = 0; index < 100; index++) {
			const started = process.hrtime.bigint();
			await connections[name].call('tools/call', { name: 'echo', arguments: { text: 'hello' } });
			if (round >= 5) samples[name].push(Number(process.hrtime.bigint() - started) / 1000);
		}
	}
}
for (const { child } of Object.values(connections)) child.stdin.end();
await Promise.all(Object.values(connections).map(({ child }) => new Promise((resolve) => child.on('close', resolve))));
rmSync(home, { recursive: true, force: true });

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)];
const relay = { p50: quantile(samples.relay, 0.5), p99: quantile(samples.relay, 0.99) };
const describe = (name) => {
	const p50 = quantile(samples[name], 0.5);
	const p99 = quantile(samples[name], 0.99);
	return `${name} p50 ${p50.toFixed(0)} µs (${(p50 / relay.p50).toFixed(2)}×), p99 ${(p99 / relay.p99).toFixed(2)}×`;
};
console.log(`relay p50 ${relay.p50.toFixed(0)} µs | ${describe('A')} | ${describe('B')}`);
