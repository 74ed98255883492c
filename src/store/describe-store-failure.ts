/**
 * The store's files changed under a running recorder: replaced, removed or truncated by
 * something other than SQLite. What it committed there may be gone; the write-ahead
 * journal still has it, and the next mcprec start imports it (store/recover-journals.ts).
 */
export class StoreDamagedError extends Error {
	override name = 'StoreDamagedError';
}

/** Turns a SQLite failure into a sentence a person can act on, and says whether waiting may fix it. */
export function describeStoreFailure(error: unknown): { reason: string; transient: boolean } {
	const code = (error as { code?: string }).code ?? '';
	const message = (error as Error).message ?? String(error);
	if (error instanceof StoreDamagedError) {
		return { reason: `${message}; this session's messages are kept in its write-ahead journal and are imported by the next mcprec command, and \`mcprec verify --all\` shows what the store lost`, transient: false };
	}
	if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
		return { reason: `the recording database is damaged (${message}): it was altered outside SQLite; run \`mcprec verify --all\``, transient: false };
	}
	if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
		return {
			reason: 'the recording database is locked by another process; close whatever holds it (an open sqlite3 shell, a long export) and mcprec will catch up',
			transient: true,
		};
	}
	if (code.startsWith('SQLITE_FULL') || /ENOSPC/.test(message)) {
		return { reason: 'the disk holding the recording database is full; free some space and mcprec will catch up', transient: false };
	}
	if (code.startsWith('SQLITE_READONLY') || /EACCES|EROFS|EPERM/.test(message) || code.startsWith('SQLITE_CANTOPEN')) {
		return {
			reason: `the recording database cannot be written (${message}); check the permissions of the file and its folder, or set MCPREC_HOME to a writable folder`,
			transient: false,
		};
	}
	return { reason: `the recording database failed: ${message}`, transient: false };
}
