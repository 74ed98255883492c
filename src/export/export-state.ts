// What `mcprec export --since-last` has sent, per destination (an OTLP URL or a JSONL
// file): the sessions and the head hash each had when it went. A small JSON file beside
// the store, replaced whole (write, then rename) so a crash leaves the old one or the new.
// A session is exported once it has ended; one that was exported and then changed (it
// cannot, once closed, unless the store was edited) is not sent again.

import fs from 'node:fs';
import path from 'node:path';

interface StateFile {
	version: 1;
	destinations: Record<string, Record<string, { headHash: string | null; exportedAt: string }>>;
}

export interface ExportState {
	has(destination: string, sessionId: string): boolean;
	remember(destination: string, sessionId: string, headHash: string | null): void;
	save(): void;
}

export function exportStateFile(databaseFile: string): string {
	return path.join(path.dirname(databaseFile), 'export-state.json');
}

export function loadExportState(file: string): ExportState {
	let state: StateFile = { version: 1, destinations: {} };
	if (fs.existsSync(file)) {
		try {
			const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
			if (parsed && parsed.version === 1 && typeof parsed.destinations === 'object') state = parsed;
			else throw new Error('unknown layout');
		} catch (error) {
			throw new Error(`${file} cannot be read (${(error as Error).message}); move it away to export everything again`);
		}
	}
	let changed = false;
	return {
		has: (destination, sessionId) => state.destinations[destination]?.[sessionId] !== undefined,
		remember(destination, sessionId, headHash) {
			state.destinations[destination] ??= {};
			state.destinations[destination][sessionId] = { headHash, exportedAt: new Date().toISOString() };
			changed = true;
		},
		save() {
			if (!changed) return;
			const temporary = `${file}.${process.pid}.tmp`;
			fs.writeFileSync(temporary, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
			fs.renameSync(temporary, file);
			changed = false;
		},
	};
}
