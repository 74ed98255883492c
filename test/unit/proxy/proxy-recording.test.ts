// The proxy against a recording in memory (its ProxyRecording interface, src/event/event-sink.ts):
// streams in memory for the client, a memory upstream for the server. What it asks of the
// recording and what it does with the answers: each message recorded with its exact bytes
// and numbered in order, requests refused while the recording fails (record.onError), the
// client and server held while the recording is behind and read again on relief.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countEvent, emptyCounters, type SessionEvent } from '../../../src/event/event.js';
import { Proxy, type ProxyRecording } from '../../../src/proxy/proxy.js';
import type { SessionUpdate } from '../../../src/store/session-row.js';
import { createMemoryUpstream } from '../../../src/upstream/memory-upstream.js';

class MemoryRecording implements ProxyRecording {
	readonly sessionId = '01a20381-e641-77a0-a5fa-5b0480990e2c';
	readonly events: SessionEvent[] = [];
	readonly updates: SessionUpdate[] = [];
	healthy = true;
	failureReason: string | undefined;
	congested = false;
	committedThrough = -1;
	/** Turns congested once this many events are recorded. */
	congestAt = Number.POSITIVE_INFINITY;
	private readonly reliefListeners = new Set<() => void>();
	private readonly commitListeners = new Set<() => void>();

	record(event: SessionEvent): number {
		this.events.push(event);
		if (this.events.length >= this.congestAt) this.congested = true;
		return this.events.length - 1;
	}

	get recordedThrough(): number {
		return this.events.length - 1;
	}

	countersSoFar() {
		const counters = emptyCounters();
		for (const event of this.events) countEvent(counters, event);
		return counters;
	}

	open(): Promise<void> {
		return Promise.resolve();
	}

	updateSession(update: SessionUpdate): void {
		this.updates.push(update);
	}

	onRelief(listener: () => void): () => void {
		this.reliefListeners.add(listener);
		return () => this.reliefListeners.delete(listener);
	}

	onCommitted(listener: () => void): () => void {
		this.commitListeners.add(listener);
		return () => this.commitListeners.delete(listener);
	}

	relieve(): void {
		this.congested = false;
		this.congestAt = Number.POSITIVE_INFINITY;
		for (const listener of this.reliefListeners) listener();
	}

	messages(): SessionEvent[] {
		return this.events.filter((event) => event.kind === 'message');
	}
}

async function startSession(options: { onRecordError?: 'block' | 'allow' } = {}) {
	const recording = new MemoryRecording();
	const { upstream, server } = createMemoryUpstream();
	const input = new PassThrough();
	const output = new PassThrough();
	const errorOutput = new PassThrough();
	let clientText = '';
	output.on('data', (chunk: Buffer) => (clientText += chunk.toString('utf8')));
	let stderr = '';
	errorOutput.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
	const proxy = new Proxy({ input, output, errorOutput, upstream, recorder: recording, onRecordError: options.onRecordError, stages: [] });
	await proxy.start(['memory-server']);
	const clientLines = () => clientText.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
	return { recording, server, input, proxy, clientLines, stderr: () => stderr };
}

// The proxy works on stream events: wait for what it did, never for a fixed time.
async function until(condition: () => boolean): Promise<void> {
	for (let turn = 0; !condition(); turn++) {
		if (turn > 1000) throw new Error('the condition did not come true');
		await new Promise((resolve) => setImmediate(resolve));
	}
}

const request = (id: number, method = 'tools/list') => `${JSON.stringify({ jsonrpc: '2.0', id, method, params: {} })}\n`;
const answer = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, result: { tools: [] } })}\n`;

describe('the proxy and its recording (ProxyRecording)', () => {
	it('records each message it forwards, with its exact bytes, in order, and counts from the events alone', async () => {
		const session = await startSession();
		session.input.write(request(1));
		await until(() => session.server.lines().length === 1);
		session.server.write(answer(1));
		await until(() => session.clientLines().length === 1);
		const [sent, answered] = session.recording.messages();
		expect(sent).toMatchObject({ origin: 'client', target: 'server', kind: 'message', method: 'tools/list', rpcId: '1' });
		expect(sent!.payload.toString()).toBe(request(1).trimEnd());
		expect(answered).toMatchObject({ origin: 'server', target: 'client', kind: 'message', method: 'tools/list', rpcId: '1' });
		expect(answered!.payload.toString()).toBe(answer(1).trimEnd());
		expect(typeof answered!.latencyUs).toBe('number');
		expect(session.recording.events.indexOf(sent!)).toBeLessThan(session.recording.events.indexOf(answered!));
		expect(session.recording.countersSoFar()).toMatchObject({ messages: 2, requests: 1 });
		session.input.end();
		await until(() => session.server.closed);
		session.server.exit();
		expect((await session.proxy.done).status).toBe(0);
	});

	it('refuses requests while the recording fails (record.onError: block), and forwards again once it works', async () => {
		const session = await startSession();
		session.recording.healthy = false;
		session.recording.failureReason = 'the disk is full';
		session.proxy.recordingHealthChanged();
		session.input.write(request(1));
		await until(() => session.clientLines().length === 1);
		expect(session.clientLines()[0]).toMatchObject({ id: 1, error: { message: expect.stringContaining('the disk is full') } });
		expect(session.server.lines()).toEqual([]);
		expect(session.stderr()).toContain('recording failed: the disk is full');
		session.recording.healthy = true;
		session.recording.failureReason = undefined;
		session.proxy.recordingHealthChanged();
		session.input.write(request(2));
		await until(() => session.server.lines().length === 1);
		expect(session.server.lines()[0]).toMatchObject({ id: 2 });
		expect(session.stderr()).toContain('recording works again');
	});

	it('forwards while the recording fails when record.onError is allow', async () => {
		const session = await startSession({ onRecordError: 'allow' });
		session.recording.healthy = false;
		session.recording.failureReason = 'the disk is full';
		session.input.write(request(1));
		await until(() => session.server.lines().length === 1);
		expect(session.recording.messages()).toHaveLength(1);
	});

	it('stops reading the client while the recording is behind, and reads on relief', async () => {
		const session = await startSession();
		session.recording.congestAt = 1;
		session.input.write(request(1));
		await until(() => session.server.lines().length === 1);
		expect(session.input.isPaused()).toBe(true);
		session.input.write(request(2));
		await new Promise((resolve) => setImmediate(resolve));
		expect(session.server.lines()).toHaveLength(1);
		session.recording.relieve();
		await until(() => session.server.lines().length === 2);
		expect(session.input.isPaused()).toBe(false);
	});
});
