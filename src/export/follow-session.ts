// The live export of one session (issue 18): `mcprec export <session> --format otlp
// --follow`, which `mcprec run` starts beside itself when config.yaml has `export.otlp`.
// It reads the session from the store as the recorder commits it (a WAL reader, polling
// the newest seq), and sends each request's span once it is final (live-spans.ts), the
// session's root span when the session has ended. The store is the queue: a batch goes,
// and only once the endpoint took it is it written down (export-state.json), so an endpoint
// that is down or hangs costs nothing but later delivery, and a follower that stops early
// leaves the rest to the next `mcprec export --since-last`. Spans are the same whoever sends
// them, so sending one again never makes two different ones.
//
// It ends on its own: when the session has ended and everything went, or when the session
// has ended and the endpoint has not taken anything for `retryForMs`. When the recording
// process dies without closing the session, it closes it as the next mcprec would (store
// recovery: crashed), then sends the rest.

import fs from 'node:fs';
import { toReplayEvent, type ReplayEvent } from '../event/replay-event.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { iterateEvents } from '../store/event-queries.js';
import { openStore, type StoreDatabase } from '../store/open-store.js';
import { processIsAlive, processStartOf } from '../store/process-identity.js';
import type { SessionRow } from '../store/session-queries.js';
import { compactSent, exportStateFile, loadExportState, wasSent, type SentRequests } from './export-state.js';
import { liveSpans } from './live-spans.js';
import { exportSessionOf } from './local-session.js';
import { otlpDestinationKey, type OtlpDestination } from './otlp-destination.js';
import type { OtlpSpanSender } from './otlp-exporter.js';
import type { SpanRecord } from './session-spans.js';

export interface FollowSessionOptions {
	databaseFile: string;
	sessionId: string;
	destination: OtlpDestination;
	payloads: boolean;
	/** How often the store is read, in ms (default 250). */
	pollMs?: number;
	/** A store this long without news has every note of what it holds (default 1000 ms). */
	quietMs?: number;
	/** One line per change of state (started, endpoint failing or back, done). */
	log: (line: string) => void;
}

export interface FollowResult {
	/** `done`: every span went; `gave-up`: the endpoint stayed down after the session ended; `lost`: the session never appeared. */
	outcome: 'done' | 'gave-up' | 'lost';
	spans: number;
}

/** One request to the endpoint carries at most this many spans; the next goes once it was taken. */
const SPANS_PER_BATCH = 512;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 30_000;
/** How long to wait for the session row to appear (the follower may start before the recorder wrote it). */
const APPEAR_WITHIN_MS = 30_000;

export async function followSession(options: FollowSessionOptions): Promise<FollowResult> {
	const pollMs = options.pollMs ?? 250;
	const quietMs = options.quietMs ?? 1000;
	const { target } = options.destination;
	const destination = otlpDestinationKey(target);
	const stateFile = exportStateFile(options.databaseFile);
	const state = loadExportState(stateFile);
	const self = { pid: process.pid, start: processStartOf(process.pid) };
	const startedAt = Date.now();
	let database: StoreDatabase | undefined;
	let sender: OtlpSpanSender | undefined;
	const events: ReplayEvent[] = [];
	let lastChangeAt = Date.now();
	let sentSpans = 0;
	let sent: SentRequests | undefined = state.sentRequests(destination, options.sessionId);
	const sentNow = new Set<number>();
	let failingSince: number | undefined;
	let retryMs = FIRST_RETRY_MS;
	let endedSeenAt: number | undefined;
	let recoveredAt: number | undefined;
	// What the spans were last worked out from: nothing new, no need to work them out again.
	let lastLook = '';

	const send = async (spans: SpanRecord[]): Promise<boolean> => {
		try {
			if (!sender) {
				const { openOtlpSender } = await import('./otlp-exporter.js');
				sender = await openOtlpSender({ target, headers: options.destination.headers });
			}
			await sender.send(spans);
		} catch (error) {
			if (failingSince === undefined) options.log(`session ${options.sessionId}: ${(error as Error).message}; the spans wait in the store and go once it takes them`);
			failingSince ??= Date.now();
			return false;
		}
		if (failingSince !== undefined) options.log(`session ${options.sessionId}: ${target.url} takes spans again`);
		failingSince = undefined;
		retryMs = FIRST_RETRY_MS;
		sentSpans += spans.length;
		return true;
	};

	try {
		if (state.has(destination, options.sessionId)) return { outcome: 'done', spans: 0 };
		options.log(`session ${options.sessionId}: exporting live to ${target.url}`);
		for (;;) {
			// The first session of a new store may start the follower before the store exists.
			if (!database && fs.existsSync(options.databaseFile)) database = openStore({ file: options.databaseFile, readonly: true, recover: false, warnPermissions: false });
			// The row first, then the events: once the row says ended, every event is in.
			const row = database?.prepare('SELECT * FROM sessions WHERE id = ?').get(options.sessionId) as SessionRow | undefined;
			if (!database || !row) {
				if (Date.now() - startedAt > APPEAR_WITHIN_MS) {
					options.log(`session ${options.sessionId}: not in the store after ${APPEAR_WITHIN_MS / 1000} s; nothing exported`);
					return { outcome: 'lost', spans: 0 };
				}
				await sleep(pollMs);
				continue;
			}
			for (const eventRow of iterateEvents(database, options.sessionId, events.length - 1)) {
				events.push(toReplayEvent(eventRow));
				lastChangeAt = Date.now();
			}
			const ended = row.ended_at !== null;
			if (ended) endedSeenAt ??= Date.now();
			else if (row.pid != null && !processIsAlive(row.pid, row.pid_start ?? null)) {
				if (recoveredAt === undefined) {
					// The recording mcprec is gone without closing the session: close it as the next one would.
					recoveredAt = Date.now();
					database.close();
					database = undefined;
					openStore({ file: options.databaseFile, recover: true, warnPermissions: false, signer: existingDeviceSigner }).close();
					continue;
				}
				if (Date.now() - recoveredAt > APPEAR_WITHIN_MS) {
					state.rememberSent(destination, options.sessionId, sent ?? { through: -1, also: [] }, null);
					await state.save();
					options.log(`session ${options.sessionId}: its mcprec is gone and the session could not be closed; \`mcprec export --since-last --format otlp\` sends the rest once it is`);
					return { outcome: 'gave-up', spans: sentSpans };
				}
			}
			const quiet = Date.now() - lastChangeAt >= quietMs;
			const look = `${events.length} ${quiet} ${ended}`;
			if (look === lastLook && failingSince === undefined) {
				await sleep(pollMs);
				continue;
			}
			lastLook = look;
			const ready = liveSpans({ session: exportSessionOf(row), events, options: { payloads: options.payloads }, quiet });
			const pending = ready.requests.filter(({ requestSeq }) => !sentNow.has(requestSeq) && !wasSent(sent, requestSeq));
			let delivered = true;
			for (let start = 0; start < pending.length && delivered; start += SPANS_PER_BATCH) {
				const batch = pending.slice(start, start + SPANS_PER_BATCH);
				delivered = await send(batch.map(({ span }) => span));
				if (!delivered) break;
				for (const { requestSeq } of batch) sentNow.add(requestSeq);
				sent = compactSent(ready.requestSeqs, sentNow, events.length - 1, sent);
				sentNow.clear();
				state.rememberSent(destination, options.sessionId, sent, self);
				await state.save();
			}
			if (delivered && ready.root && (await send([ready.root]))) {
				state.remember(destination, options.sessionId, row.head_hash);
				await state.save();
				options.log(`session ${options.sessionId}: done, ${sentSpans} span(s) sent to ${target.url}`);
				return { outcome: 'done', spans: sentSpans };
			}
			if (failingSince !== undefined) {
				if (endedSeenAt !== undefined && Date.now() - Math.max(endedSeenAt, failingSince) >= options.destination.retryForMs) {
					state.rememberSent(destination, options.sessionId, sent ?? { through: -1, also: [] }, null);
					await state.save();
					options.log(`session ${options.sessionId}: ${target.url} took nothing for ${Math.round(options.destination.retryForMs / 1000)} s after the session ended; giving up, \`mcprec export --since-last --format otlp\` sends the rest`);
					return { outcome: 'gave-up', spans: sentSpans };
				}
				await sleep(retryMs);
				retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
				continue;
			}
			await sleep(pollMs);
		}
	} finally {
		database?.close();
		await sender?.close().catch(() => {});
	}
}

function sleep(milliseconds: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
