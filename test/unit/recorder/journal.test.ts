// The write-ahead journal's file: entries appended with one writev per flush, read back
// whole, and a restart that replaces a long journal by its header and the counters so far.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJournal } from '../../../src/event/journal-codec.js';
import { emptyCounters } from '../../../src/event/event.js';
import { Journal } from '../../../src/recorder/journal.js';

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function journal(restartBytes?: number): Journal {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-journal-'));
	folders.push(directory);
	return Journal.create({ directory, sessionId: 'session-1', session: { id: 'session-1', server: 'unit' }, restartBytes });
}

const event = (n: number) => ({ origin: 'client' as const, target: 'server' as const, kind: 'message' as const, method: 'tools/call', rpcId: String(n), payload: Buffer.from(`{"n":${n}}`), ts: 1_000 + n });

describe('the journal', () => {
	it('reads back what was flushed, in order, with the session facts merged', () => {
		const file = journal();
		for (let seq = 0; seq < 5; seq++) file.add(event(seq), seq);
		file.addUpdate({ clientName: 'c' });
		file.flush();
		file.addUpdate({ endReason: 'client-closed' });
		file.flush();
		const contents = decodeJournal(fs.readFileSync(file.file));
		expect(contents.header.sessionId).toBe('session-1');
		expect(contents.events.map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 4]);
		expect(contents.events[3]!.payload.toString()).toBe('{"n":3}');
		expect(contents.update).toEqual({ clientName: 'c', endReason: 'client-closed' });
		expect(contents.base).toBeUndefined();
		expect(contents.tornBytes).toBe(0);
	});

	it('starts over past its size once everything in it is stored, and goes on appending after the restart entry', () => {
		const file = journal(200);
		for (let seq = 0; seq < 20; seq++) file.add(event(seq), seq);
		expect(file.wantsRestart).toBe(false);
		file.flush();
		expect(file.wantsRestart).toBe(true);
		const counters = { ...emptyCounters(), messages: 20, requests: 20, bytes: 160 };
		// Only with the last seq written: a restart that would drop an unstored event is ignored.
		file.restart({ throughSeq: 18, counters });
		expect(decodeJournal(fs.readFileSync(file.file)).events).toHaveLength(20);
		file.restart({ throughSeq: 19, counters });
		expect(file.wantsRestart).toBe(false);
		file.add(event(20), 20);
		file.flush();
		const contents = decodeJournal(fs.readFileSync(file.file));
		expect(contents.header.sessionId).toBe('session-1');
		expect(contents.base).toEqual({ throughSeq: 19, counters });
		expect(contents.events.map((entry) => entry.seq)).toEqual([20]);
		expect(fs.readdirSync(path.dirname(file.file))).toEqual([path.basename(file.file)]);
	});

	it('does not restart with entries still waiting to be written', () => {
		const file = journal(10);
		file.add(event(0), 0);
		file.flush();
		file.add(event(1), 1);
		expect(file.wantsRestart).toBe(false);
		file.restart({ throughSeq: 1, counters: emptyCounters() });
		file.flush();
		expect(decodeJournal(fs.readFileSync(file.file)).events.map((entry) => entry.seq)).toEqual([0, 1]);
	});
});
