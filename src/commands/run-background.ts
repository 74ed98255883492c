// What `mcprec run` starts beside itself, each as a detached mcprec process with no pipe
// to it: the MCP client never waits for them, they outlive the run when they must, and
// nothing they print can reach the JSON-RPC stream on stdout.
//   - `sync.auto: true`: `mcprec sync` once the session has ended; a failure only means the
//     next sync uploads more.
//   - `export.otlp`: `mcprec export <session> --format otlp --follow` as the session starts,
//     the live export (src/export/follow-session.ts). Its words go to live-export.log beside
//     the store. OpenTelemetry is loaded there, never in `run`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readOtlpExportConfig } from '../config/export-config.js';
import { readSyncConfig } from '../config/sync-config.js';

/** The log of the live exports, beside the store. */
export function liveExportLogFile(databaseFile: string): string {
	return path.join(path.dirname(databaseFile), 'live-export.log');
}

export function startBackgroundSync(configFile: string): void {
	try {
		if (!fs.existsSync(configFile) || !readSyncConfig(configFile).auto) return;
		startDetachedMcprec(['sync'], { onError: () => {} });
	} catch {
		// A broken config is reported by the commands that need it; `run` must still exit cleanly.
	}
}

export interface LiveExportStart {
	configFile: string;
	databaseFile: string;
	sessionId: string;
	/** Said once on stderr when the live export cannot start; the session goes on. */
	warn: (text: string) => void;
}

export function startLiveExport({ configFile, databaseFile, sessionId, warn }: LiveExportStart): void {
	let stderr: number | 'ignore' = 'ignore';
	try {
		if (!readOtlpExportConfig(configFile)) return;
		try {
			// The first session of a new install may get here before the store's folder exists.
			fs.mkdirSync(path.dirname(databaseFile), { recursive: true, mode: 0o700 });
			const log = liveExportLogFile(databaseFile);
			keepLogSmall(log);
			stderr = fs.openSync(log, 'a', 0o600);
		} catch {
			// No log then; the export still runs.
		}
		startDetachedMcprec(['export', sessionId, '--format', 'otlp', '--follow'], {
			stderr,
			onError: (error) => warn(`the live export of this session could not start (${error.message}); \`mcprec export --since-last --format otlp\` sends it later`),
		});
	} catch (error) {
		warn(`live export is off for this session: ${(error as Error).message}`);
	} finally {
		if (typeof stderr === 'number') fs.closeSync(stderr);
	}
}

/** Past this size the log starts over, its previous part kept as `live-export.log.1`. */
const LOG_ROTATE_BYTES = 1024 * 1024;

function keepLogSmall(log: string): void {
	try {
		if (fs.statSync(log).size > LOG_ROTATE_BYTES) fs.renameSync(log, `${log}.1`);
	} catch {
		// No log yet, or it cannot be moved: appending goes on.
	}
}

function startDetachedMcprec(args: string[], options: { stderr?: number | 'ignore'; onError: (error: Error) => void }): void {
	const child = spawn(process.execPath, [process.argv[1]!, ...args], { detached: true, stdio: ['ignore', 'ignore', options.stderr ?? 'ignore'], env: process.env });
	child.on('error', options.onError);
	child.unref();
}
