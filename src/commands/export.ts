// `mcprec export`: sessions of the local store as OpenTelemetry traces or JSON lines
// (issue 18). Sessions go one at a time, oldest first, so a long export holds one
// session's events in memory; with --since-last each one is remembered as soon as the
// destination took it, so an export that stops half way goes on from there next time.

import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { resolveStatePaths } from '../config/paths.js';
import { UserError } from '../errors/user-error.js';
import { exportStateFile, loadExportState } from '../export/export-state.js';
import { formatJsonlLine, jsonlSession } from '../export/jsonl-lines.js';
import { withApprovalFacts } from '../replay/print-json.js';
import { exportSessionOf, localReplayEvents } from '../export/local-session.js';
import type { OtlpSpanSender } from '../export/otlp-exporter.js';
import { resolveOtlpTarget } from '../export/otlp-target.js';
import { sessionSpans } from '../export/session-spans.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { summarizeSession } from '../sessions/session-summary.js';
import { openStore } from '../store/open-store.js';
import { resolveSession, type SessionRow } from '../store/session-queries.js';
import { parseSince } from '../time/parse-since.js';

export interface ExportOptions {
	format: 'otlp' | 'jsonl';
	since?: string;
	all?: boolean;
	output?: string;
	payloads?: boolean;
	sinceLast?: boolean;
}

/** The endpoint did not take the spans (as `sync`'s unreachable collector). */
const UNREACHABLE = 4;

export async function exportCommand(references: string[], options: ExportOptions): Promise<void> {
	checkSelection(references, options);
	if (options.format === 'otlp' && options.output) throw new UserError('--output is for --format jsonl; otlp sends to OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT)');
	const target = options.format === 'otlp' ? resolveOtlpTarget() : undefined;
	const outputFile = options.output ? path.resolve(options.output) : undefined;
	const destination = target ? `otlp ${target.url}` : `jsonl ${outputFile ?? '-'}`;
	const databaseFile = resolveStatePaths().database;
	if (!fs.existsSync(databaseFile)) {
		if (references.length > 0) throw new UserError(`no sessions recorded yet (${databaseFile} does not exist)`);
		process.stderr.write('No sessions recorded yet; nothing to export.\n');
		return;
	}
	const state = options.sinceLast ? loadExportState(exportStateFile(databaseFile)) : undefined;
	const database = openStore({ file: databaseFile, readonly: true, signer: existingDeviceSigner });
	let sender: OtlpSpanSender | undefined;
	let output: Writable | undefined;
	const progress = progressLine(options.format === 'jsonl' && !outputFile ? undefined : process.stderr);
	let exported = 0;
	let items = 0;
	try {
		const selected = selectSessions(database, references, options);
		const running = state ? selected.filter((row) => row.ended_at === null).length : 0;
		const sessions = state ? selected.filter((row) => row.ended_at !== null && !state.has(destination, row.id)) : selected;
		if (target) {
			const { openOtlpSender } = await import('../export/otlp-exporter.js');
			sender = await openOtlpSender({ target });
		} else output = outputFile ? fs.createWriteStream(outputFile, { flags: options.sinceLast ? 'a' : 'w', mode: 0o600 }) : process.stdout;
		for (const row of sessions) {
			progress.update(`exporting session ${exported + 1} of ${sessions.length} (${row.id})`);
			const events = localReplayEvents(database, row.id);
			if (sender) {
				const spans = sessionSpans(exportSessionOf(row), events, { payloads: options.payloads === true });
				try {
					await sender.send(spans);
				} catch (error) {
					const again = state ? 'run again to go on from there' : 'run again once it is reachable (--since-last goes on from where an export stopped)';
					throw new UserError(`${(error as Error).message}; ${exported} of ${sessions.length} session(s) were exported; ${again}`, UNREACHABLE);
				}
				items += spans.length;
			} else {
				const session = jsonlSession(summarizeSession(row));
				for (const [event, extra] of withApprovalFacts(events)) await write(output!, formatJsonlLine(session, event, { payloads: options.payloads === true }, extra));
				items += events.length;
			}
			exported++;
			if (state) {
				state.remember(destination, row.id, row.head_hash);
				state.save();
			}
		}
		progress.clear();
		const where = target ? target.url : (outputFile ?? 'stdout');
		const skipped = running > 0 ? `; ${running} session(s) still running are exported once they end` : '';
		process.stderr.write(`Exported ${exported} session(s), ${items} ${target ? 'spans' : 'events'}, to ${where}${skipped}.\n`);
	} finally {
		progress.clear();
		database.close();
		await sender?.close();
		if (output && output !== process.stdout) await new Promise<void>((resolve, reject) => (output as fs.WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
	}
}

function checkSelection(references: string[], options: ExportOptions): void {
	const kinds = [references.length > 0, options.since !== undefined, options.all === true].filter(Boolean).length;
	if (references.length > 0 && kinds > 1) throw new UserError('give session ids, or --since/--all, not both');
	if (kinds === 0 && !options.sinceLast) throw new UserError('say which sessions to export: session ids, --since 7d, --all, or --since-last');
}

function selectSessions(database: ReturnType<typeof openStore>, references: string[], options: ExportOptions): SessionRow[] {
	if (references.length > 0) {
		const rows = new Map<string, SessionRow>();
		for (const reference of references) {
			const row = resolveSession(database, reference);
			rows.set(row.id, row);
		}
		return [...rows.values()].sort((a, b) => a.started_at - b.started_at || a.id.localeCompare(b.id));
	}
	const since = options.since !== undefined ? parseSince(options.since) : undefined;
	return database
		.prepare(`SELECT * FROM sessions ${since === undefined ? '' : 'WHERE started_at >= @since'} ORDER BY started_at, id`)
		.all(since === undefined ? {} : { since }) as SessionRow[];
}

async function write(output: Writable, text: string): Promise<void> {
	if (!output.write(text)) await new Promise((resolve) => output.once('drain', resolve));
}

// One line rewritten in place, only on a terminal, and not on the stream the lines go to.
function progressLine(stream: NodeJS.WriteStream | undefined): { update(text: string): void; clear(): void } {
	let shown = false;
	if (!stream?.isTTY) return { update: () => {}, clear: () => {} };
	return {
		update(text) {
			stream.write(`\r\x1b[2K${text}`);
			shown = true;
		},
		clear() {
			if (shown) stream.write('\r\x1b[2K');
			shown = false;
		},
	};
}
