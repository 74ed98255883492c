import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The built Recorder: its writer runs on this thread by default, or from the compiled
// record-writer-worker.js with MCPREC_RECORD_WRITER=thread; both are tried.
import { Recorder, type Watermarks } from '../../../dist/recorder/recorder.js';
import { systemClock } from '../../../src/time/clock.js';
import type { SessionEvent } from '../../../src/event/event.js';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
	delete process.env.MCPREC_RECORD_WRITER;
});

function storeFile(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-recorder-'));
	folders.push(folder);
	return path.join(folder, 'mcprec.db');
}

function recorder(file: string, watermarks: Watermarks): Recorder {
	return new Recorder({
		session: { id: '01a20381-e641-77a0-a5fa-5b0480990e2d', server: 'unit', command: ['node'], url: null, cwd: '/', host: 'h', osUser: 'u', startedAt: Date.now() * 1000 },
		store: { file, busyTimeoutMs: 5 },
		clock: systemClock(),
		lockTimeoutMs: 60_000,
		watermarks,
	});
}

const message = (bytes: number): SessionEvent => ({ origin: 'client', target: 'server', kind: 'message', payload: Buffer.alloc(bytes, 'x') });

function relief(subject: Recorder): Promise<void> {
	return new Promise((resolve) => {
		const remove = subject.onRelief(() => {
			remove();
			resolve();
		});
	});
}

describe.each(['in this thread', 'in a worker thread'])('recorder back-pressure, the writer %s', (where) => {
	beforeEach(() => {
		if (where === 'in a worker thread') process.env.MCPREC_RECORD_WRITER = 'thread';
	});

	it('is congested past the high watermark while the store is locked, relieved once the writer caught up', async () => {
		const file = storeFile();
		const subject = recorder(file, { highBytes: 1 << 30, highEvents: 4, lowBytes: 1 << 30, lowEvents: 1 });
		await subject.open();
		const holder = new Database(file);
		holder.exec('BEGIN IMMEDIATE');
		for (let index = 0; index < 3; index++) subject.record(message(10));
		expect(subject.congested).toBe(false);
		subject.record(message(10));
		expect(subject.congested).toBe(true);
		expect(subject.backlog).toBe(4);
		expect(subject.backlogBytes).toBe(40);
		// Nothing drains while the lock is held: still congested a while later.
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(subject.congested).toBe(true);
		const relieved = relief(subject);
		holder.exec('COMMIT');
		holder.close();
		await relieved;
		expect(subject.congested).toBe(false);
		expect(subject.backlog).toBeLessThanOrEqual(1);
		expect(await subject.close()).toEqual({ ok: true, unrecorded: 0, reason: undefined });
	});

	it('takes one event larger than the watermark and is relieved when it is written', async () => {
		const file = storeFile();
		const subject = recorder(file, { highBytes: 1024 * 1024, highEvents: 1000, lowBytes: 1024, lowEvents: 1000 });
		await subject.open();
		const relieved = relief(subject);
		subject.record(message(3 * 1024 * 1024));
		expect(subject.congested).toBe(true);
		await relieved;
		expect(subject.backlogBytes).toBe(0);
		expect(await subject.close()).toEqual({ ok: true, unrecorded: 0, reason: undefined });
	});
});
