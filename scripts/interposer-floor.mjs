#!/usr/bin/env node
// How close can any interposer that checks and records every message come to the bare relay
// on this machine (DESIGN §8)? Measures, in one run and taking turns, the bare relay, the
// relay plus JSON.parse of every line ("validating"), that plus one SQLite row per message
// from a worker thread ("recording", fixtures/recording-relay.mjs), and mcprec itself:
//   - throughput: 100k pipelined echo calls, best of RUNS (default 3) per path, as the bench;
//   - latency: ROUNDS (default 120) rounds of 100 ping-pong calls, rotating order, as the bench.
//
//   npm run build && node scripts/interposer-floor.mjs
//
// It prints each path's numbers as a ratio to the relay, and a JSON summary on the last line.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const server = [process.execPath, path.join(repo, 'fixtures', 'bench-server.mjs')];
const runs = Number(process.env.RUNS ?? 3);
const rounds = Number(process.env.ROUNDS ?? 120);
const messages = 100_000;
const home = mkdtempSync(path.join(os.tmpdir(), 'mcprec-floor-'));
const baseEnvironment = { ...process.env, RELAY_STORE_DIR: home };
// As in the bench: the CA bundle would cost every process ~130 ms at boot.
delete baseEnvironment.NODE_EXTRA_CA_CERTS;

const recordingRelay = path.join(repo, 'fixtures', 'recording-relay.mjs');
const paths = {
	relay: { args: [path.join(repo, 'fixtures', 'bare-relay.mjs'), ...server] },
	validating: { args: [recordingRelay, ...server], env: { RELAY_VALIDATE: '1' } },
	recording: { args: [recordingRelay, ...server], env: { RELAY_VALIDATE: '1', RELAY_RECORD: '1' } },
	mcprec: { args: [path.join(repo, 'bin', 'mcprec.js'), 'run', '--', ...server] },
};
const names = Object.keys(paths);

function connect(name) {
	const { args, env } = paths[name];
	const child = spawn(process.execPath, args, {
		env: { ...baseEnvironment, ...env, MCPREC_HOME: path.join(home, name) },
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	let onLines = () => {};
	child.stdout.on('data', (chunk) => {
		let lines = 0;
		for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines++;
		if (lines > 0) onLines(lines);
	});
	let id = 0;
	const call = (method, params) =>
		new Promise((resolve) => {
			onLines = resolve;
			child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params })}\n`);
		});
	const initialize = () => call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'interposer-floor', version: '1' } });
	const close = () => {
		child.stdin.end();
		return new Promise((resolve) => child.on('close', resolve));
	};
	const stream = (requests, expected) =>
		new Promise((resolve) => {
			let seen = 0;
			onLines = (lines) => {
				seen += lines;
				if (seen >= expected) resolve();
			};
			child.stdin.write(requests);
		});
	return { call, initialize, close, stream };
}

async function throughput() {
	const lines = [];
	for (let id = 2; id < messages + 2; id++) lines.push(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}\n`);
	const requests = Buffer.from(lines.join(''));
	const best = {};
	for (let run = 0; run < runs; run++) {
		for (const name of names) {
			const connection = connect(name);
			await connection.initialize();
			const started = process.hrtime.bigint();
			await connection.stream(requests, messages);
			const perSecond = messages / (Number(process.hrtime.bigint() - started) / 1e9);
			await connection.close();
			best[name] = Math.max(best[name] ?? 0, perSecond);
			process.stderr.write(`throughput ${name} run ${run + 1}: ${Math.round(perSecond)} requests/s\n`);
		}
	}
	return best;
}

async function latency() {
	const connections = Object.fromEntries(names.map((name) => [name, connect(name)]));
	for (const connection of Object.values(connections)) await connection.initialize();
	const samples = Object.fromEntries(names.map((name) => [name, []]));
	for (let round = 0; round < rounds; round++) {
		const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
		for (const name of order) {
			for (let index = 0; index < 100; index++) {
				const started = process.hrtime.bigint();
				await connections[name].call('tools/call', { name: 'echo', arguments: { text: 'hello' } });
				if (round >= 5) samples[name].push(Number(process.hrtime.bigint() - started) / 1000);
			}
		}
		if (round % 20 === 19) process.stderr.write(`latency: ${round + 1} of ${rounds} rounds\n`);
	}
	await Promise.all(Object.values(connections).map((connection) => connection.close()));
	const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)];
	return Object.fromEntries(names.map((name) => [name, { p50: quantile(samples[name], 0.5), p99: quantile(samples[name], 0.99) }]));
}

try {
	const perSecond = await throughput();
	const roundTrip = await latency();
	const summary = {};
	for (const name of names) {
		summary[name] = {
			throughput: { requestsPerSecond: Math.round(perSecond[name]), ratio: +(perSecond[name] / perSecond.relay).toFixed(2) },
			latency: {
				p50Us: Math.round(roundTrip[name].p50),
				p50Ratio: +(roundTrip[name].p50 / roundTrip.relay.p50).toFixed(2),
				p99Ratio: +(roundTrip[name].p99 / roundTrip.relay.p99).toFixed(2),
			},
		};
		const { throughput: t, latency: l } = summary[name];
		console.log(`${name.padEnd(11)} throughput ${String(t.requestsPerSecond).padStart(7)}/s ${t.ratio.toFixed(2)}× | p50 ${l.p50Us} µs ${l.p50Ratio.toFixed(2)}× | p99 ${l.p99Ratio.toFixed(2)}×`);
	}
	console.log(JSON.stringify(summary));
} finally {
	rmSync(home, { recursive: true, force: true });
}
