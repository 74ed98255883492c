// `mcprec sessions`: recorded sessions, newest first; a table for people, JSON for scripts.

import { stdoutColours } from '../terminal/colours.js';
import fs from 'node:fs';
import { resolveStatePaths } from '../config/paths.js';
import { parseSince } from '../time/parse-since.js';
import { displayUser, errorsText, summarizeSession } from '../sessions/session-summary.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { openStore } from '../store/open-store.js';
import { listSessions, type SessionRow } from '../store/session-queries.js';
import { formatTable } from '../terminal/format-table.js';

export interface SessionsOptions {
	server?: string;
	user?: string;
	since?: string;
	limit?: number;
	json?: boolean;
}

export async function sessionsCommand(options: SessionsOptions): Promise<void> {
	const sinceMicros = options.since ? parseSince(options.since) : undefined;
	const file = resolveStatePaths().database;
	if (!fs.existsSync(file)) {
		if (options.json) process.stdout.write('[]\n');
		else process.stderr.write(`No sessions recorded yet (${file} does not exist). Record one with \`mcprec run -- <command>\`.\n`);
		return;
	}
	const database = openStore({ file, readonly: true, signer: existingDeviceSigner });
	let rows: SessionRow[];
	try {
		rows = listSessions(database, { server: options.server, user: options.user, sinceMicros, limit: options.limit });
	} finally {
		database.close();
	}
	if (options.json) {
		process.stdout.write(`${JSON.stringify(rows.map(summarizeSession), null, 2)}\n`);
		return;
	}
	if (rows.length === 0) {
		process.stderr.write('No sessions match.\n');
		return;
	}
	const table = formatTable(
		['SESSION', 'STARTED', 'DURATION', 'SERVER', 'USER', 'CLIENT', 'MSGS', 'REQS', 'ERRS', 'FLAGS', 'END'],
		rows.map((row) => [
			row.id,
			formatStart(row.started_at),
			formatDuration(row),
			row.server,
			displayUser(row),
			row.client_name ?? '',
			String(row.messages),
			String(row.requests),
			row.errors > 0 ? stdoutColours.red(errorsText({ errors: row.errors, toolErrors: row.tool_errors ?? 0 })) : '0',
			formatFlags(row),
			formatEnd(row),
		]),
	);
	process.stdout.write(table);
}

function formatStart(micros: number): string {
	const date = new Date(micros / 1000);
	const pad = (value: number) => String(value).padStart(2, '0');
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function formatDuration(row: SessionRow): string {
	if (row.ended_at === null) return stdoutColours.green('running');
	const seconds = (row.ended_at - row.started_at) / 1_000_000;
	if (seconds < 60) return `${seconds.toFixed(1)}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
	return `${Math.floor(seconds / 3600)}h${Math.round((seconds % 3600) / 60)}m`;
}

// What happened that an auditor looks for, in the words of the timelines and the viewer's badges.
function formatFlags(row: SessionRow): string {
	const flags: [string, number][] = [
		['blocked', row.blocked],
		['denied', row.denied ?? 0],
		['held', row.approvals],
		['masked', row.masked],
	];
	return flags
		.filter(([, count]) => count > 0)
		.map(([word, count]) => (word === 'masked' ? `${word} ${count}` : stdoutColours.yellow(`${word} ${count}`)))
		.join(' ');
}

function formatEnd(row: SessionRow): string {
	if (!row.end_reason) return '';
	if (row.end_reason === 'client-closed') return 'closed';
	const status = row.exit_signal ?? (row.exit_code === null ? '' : `exit ${row.exit_code}`);
	return stdoutColours.yellow(`${row.end_reason}${status ? ` (${status})` : ''}`);
}
