// `mcprec export`: sessions of the local store as OpenTelemetry traces or JSON lines
// (issue 18). Sessions go one at a time, oldest first, so a long export holds one
// session's events in memory; with --since-last each one is remembered as soon as the
// destination took it, so an export that stops half way goes on from there next time, and
// a session a live export (--follow, started by `mcprec run`) sent part of gets only the
// spans that did not go.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { resolveStatePaths } from '../config/paths.js';
import { UserError } from '../errors/user-error.js';
import { exportStateFile, followerIsAlive, loadExportState, wasSent } from '../export/export-state.js';
import { formatJsonlLine, jsonlSession } from '../export/jsonl-lines.js';
import { withApprovalFacts } from '../replay/print-json.js';
import { exportSessionOf, localReplayEvents } from '../export/local-session.js';
import type { OtlpSpanSender } from '../export/otlp-exporter.js';
import { otlpDestinationKey, resolveOtlpDestination } from '../export/otlp-destination.js';
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
	follow?: boolean;
}

/** The endpoint did not take the spans (as `sync`'s unreachable collector). */
const UNREACHABLE = 4;

export async function exportCommand(references: string[], options: ExportOptions): Promise<void> {
	if (options.follow) return followCommand(references, options);
	checkSelection(references, options);
	if (options.format === 'otlp' && options.output) throw new UserError('--output is for --format jsonl; otlp sends to export.otlp.endpoint of config.yaml or OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT)');
	const paths = resolveStatePaths();
	const otlp = options.format === 'otlp' ? resolveOtlpDestination(paths.config) : undefined;
	const target = otlp?.target;
	const payloads = options.payloads === true || otlp?.payloads === true;
	const outputFile = options.output ? path.resolve(options.output) : undefined;
	const destination = target ? otlpDestinationKey(target) : `jsonl ${outputFile ?? '-'}`;
	const databaseFile = paths.database;
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
		// A session still recorded, or one a live export is still sending, is left for later.
		const later = (row: SessionRow) => row.ended_at === null || followerIsAlive(state!.follower(destination, row.id));
		const running = state ? selected.filter(later).length : 0;
		const sessions = state ? selected.filter((row) => !later(row) && !state.has(destination, row.id)) : selected;
		if (target) {
			const { openOtlpSender } = await import('../export/otlp-exporter.js');
			sender = await openOtlpSender({ target, headers: otlp!.headers });
		} else output = outputFile ? fs.createWriteStream(outputFile, { flags: options.sinceLast ? 'a' : 'w', mode: 0o600 }) : process.stdout;
		for (const row of sessions) {
			progress.update(`exporting session ${exported + 1} of ${sessions.length} (${row.id})`);
			const events = localReplayEvents(database, row.id);
			if (sender) {
				// What a live export already sent goes no second time (the root span goes last, with the rest).
				const sent = state?.sentRequests(destination, row.id);
				const spans = sessionSpans(exportSessionOf(row), events, { payloads }).filter(
					(span) => span.parentSpanId === null || !wasSent(sent, span.attributes['mcprec.request.seq'] as number),
				);
				try {
					await sender.send(spans);
				} catch (error) {
					const again = state ? 'run again to go on from there' : 'run again once it is reachable (--since-last goes on from where an export stopped)';
					throw new UserError(`${(error as Error).message}; ${exported} of ${sessions.length} session(s) were exported; ${again}`, UNREACHABLE);
				}
				items += spans.length;
			} else {
				const session = jsonlSession(summarizeSession(row));
				for (const [event, extra] of withApprovalFacts(events)) await write(output!, formatJsonlLine(session, event, { payloads }, extra));
				items += events.length;
			}
			exported++;
			if (state) {
				state.remember(destination, row.id, row.head_hash);
				await state.save();
			}
		}
		progress.clear();
		const where = target ? target.url : (outputFile ?? 'stdout');
		const skipped = running > 0 ? `; ${running} session(s) still running (or being exported live) are exported once they end` : '';
		process.stderr.write(`Exported ${exported} session(s), ${items} ${target ? 'spans' : 'events'}, to ${where}${skipped}.\n`);
	} finally {
		progress.clear();
		database.close();
		await sender?.close();
		if (output && output !== process.stdout) await new Promise<void>((resolve, reject) => (output as fs.WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
	}
}

// The live export of a session (started by `mcprec run` when config.yaml has export.otlp,
// or by hand): it asks for the session to be followed, and follows every session asked
// for unless another process already does (follow-session.ts). It runs at low priority,
// and says what it does on stderr, which `run` sends to live-export.log beside the store.
async function followCommand(references: string[], options: ExportOptions): Promise<void> {
	if (options.format !== 'otlp') throw new UserError('--follow is for --format otlp');
	if (references.length !== 1 || options.since !== undefined || options.all || options.sinceLast || options.output) {
		throw new UserError('--follow exports one session as it is recorded: mcprec export <session> --format otlp --follow');
	}
	const paths = resolveStatePaths();
	const destination = resolveOtlpDestination(paths.config);
	const sessionId = followedSessionId(paths.database, references[0]!);
	try {
		os.setPriority(os.constants.priority.PRIORITY_LOW);
	} catch {
		// Not allowed here (a container without the capability): it runs at normal priority.
	}
	const { followSessions } = await import('../export/follow-session.js');
	const outcome = await followSessions({
		databaseFile: paths.database,
		sessionId,
		destination,
		payloads: options.payloads === true || destination.payloads,
		log: (line) => process.stderr.write(`${new Date().toISOString()} mcprec export[${process.pid}]: ${line}\n`),
	});
	if (outcome === 'gave-up') process.exitCode = UNREACHABLE;
}

// A full session id is followed even before the store has it (`run` starts the follower as
// the session starts); a prefix or "last" must name a recorded session.
function followedSessionId(databaseFile: string, reference: string): string {
	if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reference)) return reference.toLowerCase();
	if (!fs.existsSync(databaseFile)) throw new UserError(`no sessions recorded yet (${databaseFile} does not exist)`);
	const database = openStore({ file: databaseFile, readonly: true, recover: false });
	try {
		return resolveSession(database, reference).id;
	} finally {
		database.close();
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
