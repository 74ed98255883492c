// What was exported, per destination (an OTLP URL or a JSONL file): for each session
// either "all of it" (the head hash it had when it went) or, while a live export is under
// way or after one stopped early, which of its request spans the endpoint took. A small
// JSON file beside the store. Several processes write it (a live export per running
// session, `export --since-last` from cron): each save takes a lock, reads the file again
// and merges its own news into it, so nobody's progress is lost; the merge only ever adds
// (a whole session beats a partial one; partial ones unite). The file is replaced whole
// (write, then rename), so a crash leaves the old one or the new.

import fs from 'node:fs';
import path from 'node:path';
import { acquireCredentialLock } from '../identity/credential-lock.js';
import { UserError } from '../errors/user-error.js';
import { processIsAlive } from '../store/process-identity.js';

/** Request spans sent: every one whose request seq is ≤ `through`, and those in `also`. */
export interface SentRequests {
	through: number;
	also: number[];
}

/** A live export at work on a session (a later `export --since-last` leaves the session to it). */
export interface FollowerProcess {
	pid: number;
	start: string | null;
}

type Entry =
	| { headHash: string | null; exportedAt: string }
	// follower: null once the live export stopped; absent: this writer does not know.
	// live: true while a live export should send it, false once one gave up (for good).
	| { sent: SentRequests; updatedAt: string; follower?: FollowerProcess | null; live?: boolean };

interface StateFile {
	version: 1;
	destinations: Record<string, Record<string, Entry>>;
}

export interface ExportState {
	/** The whole session went to this destination. */
	has(destination: string, sessionId: string): boolean;
	/** The request spans that went, when only some did. */
	sentRequests(destination: string, sessionId: string): SentRequests | undefined;
	/** The live export that works on the session, as it last said. */
	follower(destination: string, sessionId: string): FollowerProcess | undefined;
	/** `follower`: the live export saving this (itself), or null when it stops. */
	remember(destination: string, sessionId: string, headHash: string | null): void;
	rememberSent(destination: string, sessionId: string, sent: SentRequests, follower?: FollowerProcess | null): void;
	/** Asks for a live export of the session (`run` started with export.otlp). */
	want(destination: string, sessionId: string, follower: FollowerProcess): void;
	/** The live export gave the session up: `export --since-last` sends the rest. */
	giveUp(destination: string, sessionId: string): void;
	/** The sessions a live export should send, and has not finished nor given up. */
	wanted(destination: string): string[];
	/** Writes what this process learnt, merged with what others wrote meanwhile. */
	save(): Promise<void>;
}

export function exportStateFile(databaseFile: string): string {
	return path.join(path.dirname(databaseFile), 'export-state.json');
}

export function loadExportState(file: string): ExportState {
	let state = readStateFile(file);
	const news: StateFile = { version: 1, destinations: {} };
	const entryOf = (destination: string, sessionId: string) => news.destinations[destination]?.[sessionId] ?? state.destinations[destination]?.[sessionId];
	const note = (destination: string, sessionId: string, entry: Entry) => {
		news.destinations[destination] ??= {};
		const merged = mergeEntries(state.destinations[destination]?.[sessionId], mergeEntries(news.destinations[destination][sessionId], entry));
		news.destinations[destination][sessionId] = merged;
	};
	return {
		has: (destination, sessionId) => isWhole(entryOf(destination, sessionId)),
		sentRequests(destination, sessionId) {
			const entry = entryOf(destination, sessionId);
			return entry && !isWhole(entry) ? entry.sent : undefined;
		},
		follower(destination, sessionId) {
			const entry = entryOf(destination, sessionId);
			return entry && !isWhole(entry) ? (entry.follower ?? undefined) : undefined;
		},
		remember(destination, sessionId, headHash) {
			note(destination, sessionId, { headHash, exportedAt: new Date().toISOString() });
		},
		rememberSent(destination, sessionId, sent, follower) {
			note(destination, sessionId, { sent: { through: sent.through, also: [...sent.also].sort((a, b) => a - b) }, updatedAt: new Date().toISOString(), follower });
		},
		want(destination, sessionId, follower) {
			note(destination, sessionId, { sent: { through: -1, also: [] }, updatedAt: new Date().toISOString(), follower, live: true });
		},
		giveUp(destination, sessionId) {
			note(destination, sessionId, { sent: { through: -1, also: [] }, updatedAt: new Date().toISOString(), follower: null, live: false });
		},
		wanted(destination) {
			const sessions = { ...state.destinations[destination], ...news.destinations[destination] };
			return Object.entries(sessions)
				.filter(([, entry]) => !isWhole(entry) && entry.live === true)
				.map(([sessionId]) => sessionId);
		},
		async save() {
			if (Object.keys(news.destinations).length === 0) return;
			const release = await acquireCredentialLock({ file: `${file}.lock`, what: 'the export state', error: (message) => new UserError(message), staleMs: 30_000 });
			try {
				const current = readStateFile(file);
				for (const [destination, sessions] of Object.entries(news.destinations)) {
					current.destinations[destination] ??= {};
					for (const [sessionId, entry] of Object.entries(sessions)) {
						current.destinations[destination][sessionId] = mergeEntries(current.destinations[destination][sessionId], entry);
					}
				}
				const temporary = `${file}.${process.pid}.tmp`;
				fs.writeFileSync(temporary, `${JSON.stringify(current, null, 1)}\n`, { mode: 0o600 });
				fs.renameSync(temporary, file);
				state = current;
				news.destinations = {};
			} finally {
				release();
			}
		},
	};
}

function readStateFile(file: string): StateFile {
	if (!fs.existsSync(file)) return { version: 1, destinations: {} };
	try {
		const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
		if (parsed && parsed.version === 1 && typeof parsed.destinations === 'object') return parsed;
		throw new Error('unknown layout');
	} catch (error) {
		throw new UserError(`${file} cannot be read (${(error as Error).message}); move it away to export everything again`);
	}
}

function isWhole(entry: Entry | undefined): entry is Extract<Entry, { exportedAt: string }> {
	return entry !== undefined && 'exportedAt' in entry;
}

/** What two writers know together: never less than either. */
export function mergeEntries(older: Entry | undefined, newer: Entry | undefined): Entry {
	if (!older) return newer!;
	if (!newer) return older;
	if (isWhole(newer)) return newer;
	if (isWhole(older)) return older;
	const through = Math.max(older.sent.through, newer.sent.through);
	const also = [...new Set([...older.sent.also, ...newer.sent.also])].filter((seq) => seq > through).sort((a, b) => a - b);
	// Given up is for good; otherwise the newer word.
	const live = older.live === false || newer.live === false ? false : (newer.live ?? older.live);
	return { sent: { through, also }, updatedAt: newer.updatedAt, follower: newer.follower !== undefined ? newer.follower : older.follower, ...(live === undefined ? {} : { live }) };
}

/** Whether the request span of `requestSeq` is among those sent. */
export function wasSent(sent: SentRequests | undefined, requestSeq: number): boolean {
	return sent !== undefined && (requestSeq <= sent.through || sent.also.includes(requestSeq));
}

/**
 * The sent set written compactly: `through` moves up to just before the first request not
 * sent (`requestSeqs`: every request seq of the session so far, and `readThrough`: the last
 * seq read, when every request up to it went).
 */
export function compactSent(requestSeqs: number[], sent: Set<number>, readThrough: number, previous?: SentRequests): SentRequests {
	let through = previous?.through ?? -1;
	const unsent = requestSeqs.filter((seq) => !sent.has(seq) && !wasSent(previous, seq)).sort((a, b) => a - b);
	through = Math.max(through, (unsent[0] ?? readThrough + 1) - 1);
	const also = [...new Set([...sent, ...(previous?.also ?? [])])].filter((seq) => seq > through).sort((a, b) => a - b);
	return { through, also };
}

/** For `export --since-last`: a session whose live export still runs is left to it. */
export function followerIsAlive(follower: FollowerProcess | undefined): boolean {
	return follower !== undefined && follower.pid !== process.pid && processIsAlive(follower.pid, follower.start);
}
