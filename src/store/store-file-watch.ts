// Notices the store's files changing under a running recorder by something other than
// SQLite (issue 13): the database file replaced or removed, its write-ahead log (-wal)
// truncated, replaced or removed. SQLite itself never shrinks either file while a
// connection is open here (no VACUUM, no journal_size_limit; a checkpoint rewinds the
// log but keeps its size), so a smaller file or a new inode is someone else's doing.
// Checked after every commit: two stat calls.

import fs from 'node:fs';

interface FileState {
	dev: number;
	ino: number;
	size: number;
}

export class StoreFileWatch {
	private database: FileState | undefined;
	private log: FileState | undefined;

	constructor(private readonly file: string) {}

	/**
	 * Forgets what it saw: after this process closed its own connection (SQLite may then
	 * checkpoint and delete the log), the next commit starts a new baseline.
	 */
	reset(): void {
		this.database = undefined;
		this.log = undefined;
	}

	/** Undefined while the files are as before; otherwise what happened to them. */
	check(): string | undefined {
		const database = stateOf(this.file);
		if (!database) return `the recording database ${this.file} was removed while mcprec was writing to it`;
		const problem = compare(this.database, database, `the recording database ${this.file}`);
		if (problem) return problem;
		this.database = database;
		const log = stateOf(`${this.file}-wal`);
		if (!log) {
			return this.log ? `the recording database's write-ahead log ${this.file}-wal was removed while mcprec was writing to it` : undefined;
		}
		const logProblem = compare(this.log, log, `the recording database's write-ahead log ${this.file}-wal`);
		if (logProblem) return logProblem;
		this.log = log;
		return undefined;
	}
}

function compare(before: FileState | undefined, now: FileState, what: string): string | undefined {
	if (!before) return undefined;
	if (now.dev !== before.dev || now.ino !== before.ino) return `${what} was replaced by another file while mcprec was writing to it`;
	if (now.size < before.size) return `${what} was truncated from ${before.size} to ${now.size} bytes while mcprec was writing to it`;
	return undefined;
}

function stateOf(file: string): FileState | undefined {
	try {
		const stat = fs.statSync(file);
		return { dev: stat.dev, ino: stat.ino, size: stat.size };
	} catch {
		return undefined;
	}
}
