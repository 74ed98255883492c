// What `mcprec sync` shows while it works, on stderr: a progress bar redrawn in place on a
// terminal, plain lines (one per session, one per retry) otherwise.

export interface SyncProgress {
	sessionStarted(id: string, server: string): void;
	eventsUploaded(count: number): void;
	sessionFinished(line: string): void;
	retrying(problem: string, delayMs: number): void;
	done(): void;
}

export function createSyncProgress(options: { stream: NodeJS.WriteStream; totalEvents: number; totalSessions: number; quiet?: boolean }): SyncProgress {
	const { stream } = options;
	if (options.quiet) return { sessionStarted() {}, eventsUploaded() {}, sessionFinished() {}, retrying() {}, done() {} };
	if (!stream.isTTY) {
		return {
			sessionStarted() {},
			eventsUploaded() {},
			sessionFinished: (line) => stream.write(`${line}\n`),
			retrying: (problem, delayMs) => stream.write(`mcprec: collector: ${problem}; retrying in ${(delayMs / 1000).toFixed(1)} s\n`),
			done() {},
		};
	}
	let events = 0;
	let sessions = 0;
	let current = '';
	let note = '';
	let drawnAt = 0;
	const draw = (force = false) => {
		const now = Date.now();
		if (!force && now - drawnAt < 80) return;
		drawnAt = now;
		const total = Math.max(options.totalEvents, events, 1);
		const width = 24;
		const filled = Math.min(width, Math.round((events / total) * width));
		const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
		const text = `${bar} ${events}/${Math.max(options.totalEvents, events)} events · session ${Math.min(sessions, options.totalSessions)}/${options.totalSessions} ${current}${note ? ` · ${note}` : ''}`;
		stream.write(`\r\x1b[2K${text.slice(0, (stream.columns || 100) - 1)}`);
	};
	return {
		sessionStarted(id, server) {
			sessions++;
			current = `${server} ${id.slice(0, 13)}`;
			note = '';
			draw(true);
		},
		eventsUploaded(count) {
			events += count;
			note = '';
			draw();
		},
		sessionFinished(line) {
			stream.write(`\r\x1b[2K${line}\n`);
			draw(true);
		},
		retrying(problem, delayMs) {
			note = `${problem}, retrying in ${(delayMs / 1000).toFixed(1)} s`;
			draw(true);
		},
		done() {
			stream.write('\r\x1b[2K');
		},
	};
}
