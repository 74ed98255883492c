// Write-ahead recording (src/proxy/write-ahead-recording.ts) with a real journal file and a
// recorder in memory: a chunk's events wait until it is split and then reach the recorder
// and the journal in order, with the work between them run in its place; outside a chunk
// an event is on disk as soon as it is recorded; a journal that cannot be written makes the
// recording unhealthy until a retry writes it; a long journal starts over once committed.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { countEvent, emptyCounters, type SessionEvent } from '../../../src/event/event.js';
import { decodeJournal } from '../../../src/event/journal-codec.js';
import { WriteAheadRecording, type ProxyRecording, type RecordItem, type WriteAheadJournal } from '../../../src/proxy/write-ahead-recording.js';
import { Journal } from '../../../src/recorder/journal.js';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function journalFile(restartBytes?: number): Journal {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-write-ahead-'));
	folders.push(directory);
	return Journal.create({ directory, sessionId: 'session-1', session: { id: 'session-1' }, restartBytes });
}

function memoryRecorder(): ProxyRecording & { events: SessionEvent[]; commit(): void } {
	const events: SessionEvent[] = [];
	const commitListeners: (() => void)[] = [];
	let committedThrough = -1;
	return {
		sessionId: 'session-1',
		events,
		healthy: true,
		failureReason: undefined,
		congested: false,
		record: (event) => events.push(event) - 1,
		get recordedThrough() {
			return events.length - 1;
		},
		get committedThrough() {
			return committedThrough;
		},
		commit() {
			committedThrough = events.length - 1;
			for (const listener of commitListeners) listener();
		},
		onCommitted: (listener) => {
			commitListeners.push(listener);
			return () => {};
		},
		onRelief: () => () => {},
		countersSoFar() {
			const counters = emptyCounters();
			for (const event of events) countEvent(counters, event);
			return counters;
		},
		open: () => Promise.resolve(),
		updateSession: () => {},
	};
}

const message = (n: number, target: 'client' | 'server' = 'server'): SessionEvent => ({ origin: target === 'server' ? 'client' : 'server', target, kind: 'message', rpcId: String(n), payload: Buffer.from(`{"n":${n}}`), ts: 1_000 + n });
const journaledSeqs = (journal: Journal) => decodeJournal(fs.readFileSync(journal.file)).events.map((event) => event.seq);

describe('write-ahead recording', () => {
	it('keeps a chunk’s items until it is split, then records and journals them in order, whatever the mix', () => {
		fc.assert(
			fc.property(fc.array(fc.oneof(fc.constant('event' as const), fc.constant('task' as const)), { maxLength: 20 }), (kinds) => {
				const journal = journalFile();
				const recorder = memoryRecorder();
				// Each task notes how many events were recorded when it ran.
				const ranAfter: number[] = [];
				const forClient: number[] = [];
				const recording = new WriteAheadRecording({ recorder, journal, onClientEventRecorded: (seq) => forClient.push(seq), onBehind: () => {}, onJournalHealthChange: () => {} });
				recording.holdChunk();
				kinds.forEach((kind, index) => {
					const item: RecordItem = kind === 'event' ? message(index, index % 2 === 0 ? 'server' : 'client') : () => ranAfter.push(recorder.events.length);
					recording.record(item);
				});
				// Nothing reached the recorder or the file while the chunk was being split.
				expect(recorder.events).toEqual([]);
				recording.drain(false);
				recording.flushJournal();
				// Events in the order given; tasks in their place, after the events given before them.
				expect(recorder.events.map((event) => Number(event.rpcId))).toEqual(kinds.flatMap((kind, index) => (kind === 'event' ? [index] : [])));
				expect(ranAfter).toEqual(kinds.flatMap((kind, index) => (kind === 'task' ? [kinds.slice(0, index).filter((each) => each === 'event').length] : [])));
				expect(journaledSeqs(journal)).toEqual(recorder.events.map((_, seq) => seq));
				expect(forClient).toEqual(recorder.events.flatMap((event, seq) => (event.target === 'client' ? [seq] : [])));
			}),
			{ seed: 15_7, numRuns: 30 },
		);
	});

	it('runs a task between the events around it', () => {
		const recorder = memoryRecorder();
		const seen: number[] = [];
		const recording = new WriteAheadRecording({ recorder, onClientEventRecorded: () => {}, onBehind: () => {}, onJournalHealthChange: () => {} });
		recording.holdChunk();
		recording.record(message(0));
		recording.record(() => seen.push(recorder.events.length));
		recording.record(message(1));
		recording.drain(false);
		expect(seen).toEqual([1]);
		expect(recorder.events).toHaveLength(2);
	});

	it('journals an event outside a chunk at once, and goes on holding when drained mid-chunk', () => {
		const journal = journalFile();
		const recorder = memoryRecorder();
		const recording = new WriteAheadRecording({ recorder, journal, onClientEventRecorded: () => {}, onBehind: () => {}, onJournalHealthChange: () => {} });
		recording.record(message(0));
		expect(journaledSeqs(journal)).toEqual([0]);
		recording.holdChunk();
		recording.record(message(1));
		recording.drain(true);
		recording.record(message(2));
		expect(recorder.events.map((event) => event.rpcId)).toEqual(['0', '1']);
		recording.drain(false);
		expect(recorder.events.map((event) => event.rpcId)).toEqual(['0', '1', '2']);
	});

	it('is unhealthy while the journal cannot be written, and healthy again once a flush works', () => {
		const failing = { add: () => {}, addUpdate: () => {}, restart: () => {}, wantsRestart: false, lastSeq: -1, fails: true, flush() {
			if (this.fails) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
		} } satisfies WriteAheadJournal & { fails: boolean };
		const changes: boolean[] = [];
		const recording: WriteAheadRecording = new WriteAheadRecording({ recorder: memoryRecorder(), journal: failing, onClientEventRecorded: () => {}, onBehind: () => {}, onJournalHealthChange: () => changes.push(recording.healthy) });
		recording.record(message(0));
		expect(recording.healthy).toBe(false);
		expect(recording.failureReason).toMatch(/^the write-ahead journal cannot be written: /);
		recording.flushJournal();
		expect(changes).toEqual([false]);
		failing.fails = false;
		recording.flushJournal();
		expect(recording.healthy).toBe(true);
		expect(changes).toEqual([false, true]);
	});

	it('says the recorder is behind when it is congested and still takes writes', () => {
		const recorder = memoryRecorder();
		let behind = 0;
		const recording = new WriteAheadRecording({ recorder, onClientEventRecorded: () => {}, onBehind: () => behind++, onJournalHealthChange: () => {} });
		recording.record(message(0));
		expect(behind).toBe(0);
		Object.assign(recorder, { congested: true });
		recording.record(message(1));
		expect(behind).toBe(1);
		Object.assign(recorder, { healthy: false });
		recording.record(message(2));
		expect(behind).toBe(1);
	});

	it('starts the journal over once everything in it is committed, with the counters so far', () => {
		const journal = journalFile(10);
		const recorder = memoryRecorder();
		const recording = new WriteAheadRecording({ recorder, journal, onClientEventRecorded: () => {}, onBehind: () => {}, onJournalHealthChange: () => {} });
		for (let n = 0; n < 3; n++) recording.record(message(n));
		recording.restartJournalIfDone();
		expect(journaledSeqs(journal)).toEqual([0, 1, 2]);
		recorder.commit();
		recording.restartJournalIfDone();
		const contents = decodeJournal(fs.readFileSync(journal.file));
		expect(contents.events).toEqual([]);
		expect(contents.base).toEqual({ throughSeq: 2, counters: { ...emptyCounters(), messages: 3, bytes: 21 } });
	});
});
