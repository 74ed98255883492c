// Is the process that wrote a session still the one running under that pid? A pid alone
// can be reused; on Linux the process's start time (in clock ticks since boot, field 22 of
// /proc/<pid>/stat) tells the same process from a new one. Elsewhere only the pid is known.

import fs from 'node:fs';

/** The start time of process `pid` as an opaque string, or null where the OS does not tell. */
export function processStartOf(pid: number): string | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) is in parentheses and may contain spaces: count from after it.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return fields[19] ?? null;
	} catch {
		return null;
	}
}

/** True while process `pid`, started at `start` (from processStartOf), still runs. */
export function processIsAlive(pid: number, start: string | null): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
	}
	if (start === null) return true;
	const now = processStartOf(pid);
	return now === null || now === start;
}
