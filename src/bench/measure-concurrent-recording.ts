// 5. Recording under contention (DESIGN §5, §8): several mcprec processes write the same
// store at once; afterwards every session must hold every request and answer, with seq
// 0..n-1 contiguous, in the order they crossed the proxy, and an unbroken hash chain.

import path from 'node:path';
import Database from 'better-sqlite3';
import { genesisHash, hashMatches } from '../event/hash-chain.js';
import { mcprecPath } from './bench-paths.js';
import { echoRequests, RpcClient } from './rpc-client.js';
import { elapsedMs, log, round } from './stats.js';
import { fromRow, type EventRow } from '../event/event-forms.js';

export interface RecordingOptions {
	home: string;
	sessions: number;
	requestsPerSession: number;
}


interface SessionCheck {
	label: string;
	events: number;
	lost: number;
	reordered: number;
	chainBroken: number;
	problems: string[];
}

export async function measureConcurrentRecording(options: RecordingOptions) {
	const count = options.requestsPerSession;
	// The initialize request is id 1; the echo calls are ids 2..count+1.
	const requests = echoRequests({ first: 2, count });
	const labels = Array.from({ length: options.sessions }, (_, index) => `bench-rec-${index}`);
	const started = process.hrtime.bigint();
	const warnings: string[] = [];
	const received = await Promise.all(
		labels.map(async (label) => {
			const client = new RpcClient(mcprecPath({ home: options.home, label }));
			await client.initialize();
			await client.stream(requests, count);
			const code = await client.close();
			if (code !== 0) throw new Error(`mcprec session ${label} exited with ${code}: ${client.stderr}`);
			// mcprec says on stderr when it could not record something; the store check counts it.
			for (const line of client.stderr.split('\n')) if (line.startsWith('mcprec:')) warnings.push(`${label}: ${line}`);
			return count;
		}),
	);
	const ms = elapsedMs(started);
	log(`recording: ${options.sessions} sessions × ${count} requests done in ${round(ms, 0)} ms; checking the store`);
	const expectedClientLines = [initializeLine(), ...splitLines(requests)];
	const database = new Database(path.join(options.home, 'mcprec.db'), { readonly: true });
	let checks: SessionCheck[];
	try {
		checks = labels.map((label) => checkSession(database, label, expectedClientLines));
	} finally {
		database.close();
	}
	const lost = checks.reduce((sum, check) => sum + check.lost, 0);
	const reordered = checks.reduce((sum, check) => sum + check.reordered, 0);
	const chainBroken = checks.reduce((sum, check) => sum + check.chainBroken, 0);
	const problems = checks.flatMap((check) => check.problems.map((problem) => `${check.label}: ${problem}`));
	for (const problem of [...problems, ...warnings].slice(0, 20)) log(`recording problem: ${problem}`);
	return {
		sessions: options.sessions,
		requestsPerSession: count,
		messagesPerSession: 2 * (count + 1),
		answersReceived: received.reduce((sum, value) => sum + value, 0),
		eventsPerSession: checks.map((check) => check.events),
		ms: round(ms, 0),
		lost,
		reordered,
		chainBroken,
		problems: problems.slice(0, 20),
		mcprecWarnings: warnings.slice(0, 20),
		budget: 'zero lost, zero reordered (and the hash chain intact)',
		pass: lost === 0 && reordered === 0 && chainBroken === 0 && problems.length === 0,
	};
}

function checkSession(database: Database.Database, label: string, expectedClientLines: Buffer[]): SessionCheck {
	const check: SessionCheck = { label, events: 0, lost: 0, reordered: 0, chainBroken: 0, problems: [] };
	const sessions = database.prepare('SELECT id, head_hash, event_count, ended_at FROM sessions WHERE server = ?').all(label) as {
		id: string;
		head_hash: string | null;
		event_count: number;
		ended_at: number | null;
	}[];
	if (sessions.length !== 1) {
		check.lost = 2 * expectedClientLines.length;
		check.problems.push(`expected one session, found ${sessions.length}`);
		return check;
	}
	const session = sessions[0];
	const events = (database.prepare('SELECT * FROM events WHERE session_id = ? ORDER BY seq').all(session.id) as EventRow[]).map(fromRow);
	check.events = events.length;

	// seq 0..n-1 without gaps; the session row agrees.
	events.forEach((event, index) => {
		if (event.seq !== index && check.problems.length < 5) check.problems.push(`seq ${event.seq} at position ${index}`);
	});
	const gaps = events.length > 0 ? events[events.length - 1].seq + 1 - events.length : 0;
	check.lost += gaps;
	if (session.event_count !== events.length) check.problems.push(`event_count ${session.event_count} but ${events.length} events`);
	if (session.ended_at === null) check.problems.push('session has no ended_at');

	// Every request the client sent, byte for byte, in the order it was sent.
	const fromClient = events.filter((event) => event.origin === 'client' && event.kind === 'message');
	check.lost += Math.max(0, expectedClientLines.length - fromClient.length);
	fromClient.forEach((event, index) => {
		const expected = expectedClientLines[index];
		if (!expected || !event.payload.equals(expected)) check.reordered++;
	});

	// Every answer, in the order the server wrote them (the fixture answers in order).
	const fromServer = events.filter((event) => event.origin === 'server' && event.kind === 'message');
	check.lost += Math.max(0, expectedClientLines.length - fromServer.length);
	fromServer.forEach((event, index) => {
		if (event.rpcId !== String(index + 1)) check.reordered++;
	});

	// Time never runs backwards along seq.
	for (let index = 1; index < events.length; index++) if (events[index].ts < events[index - 1].ts) check.reordered++;

	// The hash chain (DESIGN §5), recomputed from the stored rows.
	let previous = genesisHash(session.id);
	for (const event of events) {
		if (event.prevHash !== previous || !hashMatches(session.id, event)) check.chainBroken++;
		previous = event.hash;
	}
	if (session.head_hash !== previous) check.problems.push('head_hash is not the last event hash');
	return check;
}

function splitLines(buffer: Buffer): Buffer[] {
	const lines: Buffer[] = [];
	let start = 0;
	for (let end; (end = buffer.indexOf(0x0a, start)) !== -1; start = end + 1) lines.push(buffer.subarray(start, end));
	return lines;
}

// Must match RpcClient.initialize byte for byte (it is id 1 of every session).
function initializeLine(): Buffer {
	return Buffer.from(
		JSON.stringify({
			jsonrpc: '2.0',
			id: 1,
			method: 'initialize',
			params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcprec-bench', version: '1.0.0' } },
		}),
	);
}
