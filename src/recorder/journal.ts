// The write-ahead journal of one running session (DESIGN §3): every event is appended here,
// with one writev per chunk of traffic, before the chunk's frames are forwarded. A write(2)
// that returned is in the OS page cache and survives the death of mcprec (kill -9);
// power loss is out of scope. SQLite stays the one place users read from: the writer
// thread fills it as before, the journal is deleted once the session's last event is
// committed, and the next mcprec that opens the store recovers a dead session's journal
// (store/recover-journals.ts). A long session's journal does not grow without end: once it
// passes `restartBytes` and everything in it is in the store, it starts over with a single
// entry that carries the session's counters so far (restart()).

import fs from 'node:fs';
import path from 'node:path';
import { JournalEventEncoder, encodeJournalHeader, encodeJournalRestart, encodeJournalUpdate, type JournalBase, type JournalHeader, type JournalInput } from '../event/journal-codec.js';
import { processStartOf } from '../store/process-identity.js';

function journalFile(directory: string, sessionId: string): string {
	return path.join(directory, `${sessionId}.journal`);
}

/** Past this size a journal whose every entry is in the store starts over. */
export const JOURNAL_RESTART_BYTES = 64 * 1024 * 1024;

export class Journal {
	private pending: Buffer[] = [];
	private readonly encoder = new JournalEventEncoder();
	private closed = false;
	private lastSeqAdded = -1;
	// The size of the header (and restart entry): what a restart cannot shrink.
	private startSize: number;

	private constructor(
		readonly file: string,
		private fd: number,
		// Bytes in the file that are whole entries: a failed append is cut back to here.
		private size: number,
		private readonly header: Buffer,
		private readonly restartBytes: number,
	) {
		this.startSize = size;
	}

	/** Creates the session's journal (0600, in a 0700 folder) and writes its header. */
	static create(options: { directory: string; sessionId: string; session: Record<string, unknown>; restartBytes?: number }): Journal {
		fs.mkdirSync(options.directory, { recursive: true, mode: 0o700 });
		const file = journalFile(options.directory, options.sessionId);
		const header: JournalHeader = { sessionId: options.sessionId, pid: process.pid, pidStart: processStartOf(process.pid), session: options.session };
		const bytes = encodeJournalHeader(header);
		// A `.journal` file always has its header, so another mcprec never mistakes one being created for a dead one.
		const fd = writeThenRename(file, `${file}.creating`, 'wx', bytes);
		return new Journal(file, fd, bytes.length, bytes, options.restartBytes ?? JOURNAL_RESTART_BYTES);
	}

	/** The seq of the newest event added. */
	get lastSeq(): number {
		return this.lastSeqAdded;
	}

	/** Large enough to start over once the store has everything in it (restart()). */
	get wantsRestart(): boolean {
		return !this.closed && this.size - this.startSize > this.restartBytes && this.pending.length === 0;
	}

	/**
	 * Starts the journal over: call only when every event in it (up to `base.throughSeq`,
	 * its last) is committed to the store and nothing is pending. The new file (header and
	 * one restart entry) replaces the old one by rename, so a reader sees one or the other.
	 */
	restart(base: JournalBase): void {
		if (this.closed || this.pending.length > 0 || base.throughSeq !== this.lastSeqAdded) return;
		const bytes = Buffer.concat([this.header, ...encodeJournalRestart(base)]);
		const fd = writeThenRename(this.file, `${this.file}.restarting`, 'w', bytes);
		fs.closeSync(this.fd);
		this.fd = fd;
		this.size = bytes.length;
		this.startSize = bytes.length;
	}

	/** Queues an event under its seq; it reaches the file with the next flush. */
	add(event: JournalInput, seq: number): void {
		if (this.closed) return;
		this.lastSeqAdded = seq;
		const [header, payload] = this.encoder.encode(event, seq);
		this.pending.push(header, payload);
	}

	addUpdate(update: Record<string, unknown>): void {
		if (this.closed) return;
		for (const piece of encodeJournalUpdate(update)) this.pending.push(piece);
	}

	/**
	 * Writes what is queued with one writev (a few when there are more pieces than the OS
	 * takes at once). When that fails (disk full) the file is cut back to its last whole
	 * entry, the entries stay queued for the next flush, and the error is thrown.
	 */
	flush(): void {
		if (this.pending.length === 0 || this.closed) return;
		const pieces = this.pending;
		let bytes = 0;
		for (const piece of pieces) bytes += piece.length;
		try {
			let position = this.size;
			for (let start = 0; start < pieces.length; start += WRITEV_MAX_PIECES) position = writeAll(this.fd, pieces.slice(start, start + WRITEV_MAX_PIECES), position);
		} catch (error) {
			try {
				fs.ftruncateSync(this.fd, this.size);
			} catch {
				// The reader stops at a torn entry anyway.
			}
			throw error;
		}
		this.size += bytes;
		this.pending = [];
		this.encoder.reuse();
	}

	/** Entries queued and not yet written (after a failed flush). */
	get backlog(): number {
		return this.pending.length;
	}

	/** The session's events are all in the store: the journal is no longer needed. */
	remove(): void {
		this.close();
		fs.rmSync(this.file, { force: true });
	}

	/** Keeps the file (the store did not take everything): the next start recovers it. */
	close(): void {
		if (this.closed) return;
		try {
			this.flush();
		} catch {
			// Still unwritable: what it lacks reached the recorder (and its spill) all the same.
		}
		this.closed = true;
		fs.closeSync(this.fd);
	}
}

// Writes `bytes` under a temporary name and renames it to `file`, so a reader sees the old
// file or the new one whole; returns the new file's descriptor, open for appending at `bytes.length`.
function writeThenRename(file: string, temporary: string, flags: 'w' | 'wx', bytes: Buffer): number {
	const fd = fs.openSync(temporary, flags, 0o600);
	try {
		fs.writeSync(fd, bytes);
		fs.renameSync(temporary, file);
	} catch (error) {
		fs.closeSync(fd);
		fs.rmSync(temporary, { force: true });
		throw error;
	}
	return fd;
}

// IOV_MAX is 1024 on Linux and macOS.
const WRITEV_MAX_PIECES = 1024;

// At an explicit position (a failed append is cut back, and the next one starts there).
// writev may write less than asked; the rest follows. Returns the position after the pieces.
function writeAll(fd: number, pieces: Buffer[], position: number): number {
	let total = 0;
	for (const piece of pieces) total += piece.length;
	let written = fs.writevSync(fd, pieces, position);
	if (written === total) return position + total;
	const after = position + written;
	let index = 0;
	while (written >= pieces[index]!.length) written -= pieces[index++]!.length;
	return writeAll(fd, [pieces[index]!.subarray(written), ...pieces.slice(index + 1)], after);
}
