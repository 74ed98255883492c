// Config files are replaced whole: written beside the original, flushed, then renamed over
// it, so a client never reads half a file and a crash leaves the old one. The mode is kept.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** `newMode` is for a file that does not exist yet; an existing file keeps its own. */
export function writeFileAtomic(target: string, bytes: Buffer | string, newMode = 0o644): void {
	// A config kept as a symlink (dotfile managers) stays one: the file it points to is replaced.
	let file = target;
	try {
		file = fs.realpathSync(target);
	} catch {
		file = target;
	}
	let mode: number | undefined;
	try {
		mode = fs.statSync(file).mode & 0o7777;
	} catch {
		mode = undefined;
	}
	const temporary = path.join(path.dirname(file), `.${path.basename(file)}.mcprec-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
	const descriptor = fs.openSync(temporary, 'wx', mode ?? newMode);
	try {
		fs.writeFileSync(descriptor, bytes);
		fs.fchmodSync(descriptor, mode ?? newMode);
		fs.fsyncSync(descriptor);
	} finally {
		fs.closeSync(descriptor);
	}
	try {
		fs.renameSync(temporary, file);
	} catch (error) {
		fs.rmSync(temporary, { force: true });
		throw error;
	}
}

export function sha256(bytes: Buffer | string): string {
	return crypto.createHash('sha256').update(bytes).digest('hex');
}
