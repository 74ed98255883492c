// The live export (issue 18): `mcprec export <session> --format otlp --follow`, which
// `mcprec run` starts beside itself when config.yaml has `export.otlp`. One such process
// per store and destination does the work for every running session: the first takes a
// lock and follows each session asked for in export-state.json; one started while it runs
// only adds its session to the list and ends. Every session is read from the store as the
// recorder commits it (a WAL reader, polling), and each request's span goes once it is
// final (live-spans.ts), the root span when the session has ended.
//
// The store is the queue: a batch goes, and only once the endpoint took it is it written
// down (export-state.json), so an endpoint that is down or hangs costs nothing but later
// delivery, and an export that stops early leaves the rest to the next live export or to
// `mcprec export --since-last`. Spans are the same whoever sends them, so sending one again
// never makes two different ones.
//
// It ends on its own once no session is left: a session leaves when it has ended and every
// span went, or when it has ended and the endpoint took nothing for `retryForMs` (given up:
// `--since-last` sends the rest). When the recording process died without closing its
// session, the follower closes it as the next mcprec would (store recovery: crashed) and
// sends the rest.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toReplayView, type ReplayEvent } from '../event/event-forms.js';
import { acquireCredentialLock } from '../identity/credential-lock.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { iterateEvents } from '../store/event-queries.js';
import { openStore, type StoreDatabase } from '../store/open-store.js';
import { processIsAlive, processStartOf } from '../store/process-identity.js';
import type { SessionRow } from '../store/session-queries.js';
import { compactSent, exportStateFile, loadExportState, wasSent, type ExportState, type FollowerProcess, type SentRequests } from './export-state.js';
import { liveSpans } from './live-spans.js';
import { exportSessionOf } from './local-session.js';
import { otlpDestinationKey, type OtlpDestination } from './otlp-destination.js';
import type { OtlpSpanSender } from './otlp-exporter.js';
import type { SpanRecord } from './session-spans.js';

export interface FollowOptions {
	databaseFile: string;
	/** The session this process was started for; the others asked for are followed too. */
	sessionId: string;
	destination: OtlpDestination;
	payloads: boolean;
	/** How often the store is read, in ms (default 250). */
	pollMs?: number;
	/** A store this long without news has every note of what it holds (default 1000 ms). */
	quietMs?: number;
	/** One line per change of state (a session taken, done, given up; the endpoint failing or back). */
	log: (line: string) => void;
}

/** `done`: every session went; `gave-up`: some were left to --since-last; `handed-over`: another process follows them. */
export type FollowOutcome = 'done' | 'gave-up' | 'handed-over';

/** One request to the endpoint carries at most this many spans; the next goes once it was taken. */
const SPANS_PER_BATCH = 512;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 30_000;
/** How long a session may take to appear in the store, or to be closed once its mcprec died. */
const APPEAR_WITHIN_MS = 30_000;

export async function followSessions(options: FollowOptions): Promise<FollowOutcome> {
	const key = otlpDestinationKey(options.destination.target);
	const stateFile = exportStateFile(options.databaseFile);
	const self: FollowerProcess = { pid: process.pid, start: processStartOf(process.pid) };
	const asked = loadExportState(stateFile);
	if (!asked.has(key, options.sessionId)) {
		asked.want(key, options.sessionId, self);
		await asked.save();
	}
	// One follower per store and destination; the lock is let go before the last look at the
	// list, so a session asked for meanwhile is either seen here or by a follower of its own.
	const lockFile = path.join(path.dirname(options.databaseFile), `live-export-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.lock`);
	let outcome: FollowOutcome = 'handed-over';
	for (;;) {
		let release: () => void;
		try {
			release = await acquireCredentialLock({ file: lockFile, what: 'the live export', timeoutMs: 0, staleMs: Number.POSITIVE_INFINITY });
		} catch {
			options.log(`session ${options.sessionId}: the live export already running takes it`);
			return outcome;
		}
		try {
			const round = await followWanted(options, key, stateFile, self);
			outcome = outcome === 'gave-up' || round === 'gave-up' ? 'gave-up' : 'done';
		} finally {
			release();
		}
		if (loadExportState(stateFile).wanted(key).length === 0) return outcome;
	}
}

// Follows every session asked for until none is left.
async function followWanted(options: FollowOptions, key: string, stateFile: string, self: FollowerProcess): Promise<'done' | 'gave-up'> {
	const pollMs = options.pollMs ?? 250;
	const { target } = options.destination;
	const state = loadExportState(stateFile);
	const followers = new Map<string, SessionFollower>();
	let database: StoreDatabase | undefined;
	let sender: OtlpSpanSender | undefined;
	let failingSince: number | undefined;
	let retryMs = FIRST_RETRY_MS;
	let gaveUp = false;
	let lastLookForNew = 0;

	// After a failure, the other sessions of the round do not try again: the wait comes first.
	let failedThisRound = false;
	const send = async (spans: SpanRecord[]): Promise<boolean> => {
		if (failedThisRound) return false;
		try {
			if (!sender) {
				const { openOtlpSender } = await import('./otlp-exporter.js');
				sender = await openOtlpSender({ target, headers: options.destination.headers });
			}
			await sender.send(spans);
		} catch (error) {
			if (failingSince === undefined) options.log(`${(error as Error).message}; the spans wait in the store and go once it takes them`);
			failingSince ??= Date.now();
			failedThisRound = true;
			return false;
		}
		if (failingSince !== undefined) options.log(`${target.url} takes spans again`);
		failingSince = undefined;
		retryMs = FIRST_RETRY_MS;
		return true;
	};

	try {
		for (;;) {
			failedThisRound = false;
			if (Date.now() - lastLookForNew >= 1000 || followers.size === 0) {
				lastLookForNew = Date.now();
				for (const sessionId of loadExportState(stateFile).wanted(key)) {
					if (followers.has(sessionId)) continue;
					options.log(`session ${sessionId}: exporting live to ${target.url}`);
					const follower = new SessionFollower({ sessionId, key, state, self, payloads: options.payloads, quietMs: options.quietMs ?? 1000, databaseFile: options.databaseFile });
					followers.set(sessionId, follower);
					// Said at once, so `export --since-last` leaves the session to this process.
					state.rememberSent(key, sessionId, follower.sentSoFar(), self);
					await state.save();
				}
				if (followers.size === 0) return gaveUp ? 'gave-up' : 'done';
			}
			// The first session of a new store may start the follower before the store exists.
			if (!database && fs.existsSync(options.databaseFile)) database = openStore({ file: options.databaseFile, readonly: true, recover: false, warnPermissions: false });
			for (const [sessionId, follower] of followers) {
				const step = await follower.step(database, send);
				if (step === 'working') continue;
				followers.delete(sessionId);
				if (step === 'done') options.log(`session ${sessionId}: done, ${follower.sentSpans} span(s) sent to ${target.url}`);
				else {
					gaveUp = true;
					state.giveUp(key, sessionId);
					await state.save();
					options.log(`session ${sessionId}: ${follower.whyGivenUp}; giving up, \`mcprec export --since-last --format otlp\` sends the rest`);
				}
			}
			if (failingSince !== undefined) {
				for (const [sessionId, follower] of followers) {
					if (!follower.endedLongerThan(options.destination.retryForMs, failingSince)) continue;
					followers.delete(sessionId);
					gaveUp = true;
					state.rememberSent(key, sessionId, follower.sentSoFar(), null);
					state.giveUp(key, sessionId);
					await state.save();
					options.log(`session ${sessionId}: ${target.url} took nothing for ${Math.round(options.destination.retryForMs / 1000)} s after the session ended; giving up, \`mcprec export --since-last --format otlp\` sends the rest`);
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

interface SessionFollowerOptions {
	sessionId: string;
	key: string;
	state: ExportState;
	self: FollowerProcess;
	payloads: boolean;
	quietMs: number;
	databaseFile: string;
}

// One session: its events so far, what of it went, and when it last changed.
class SessionFollower {
	sentSpans = 0;
	private readonly events: ReplayEvent[] = [];
	private sent: SentRequests | undefined;
	private readonly createdAt = Date.now();
	private lastChangeAt = Date.now();
	private endedSeenAt: number | undefined;
	private recoveredAt: number | undefined;
	private why = '';
	// What the spans were last worked out from: nothing new, no need to work them out again.
	private lastLook = '';

	constructor(private readonly options: SessionFollowerOptions) {
		this.sent = options.state.sentRequests(options.key, options.sessionId);
	}

	sentSoFar(): SentRequests {
		return this.sent ?? { through: -1, also: [] };
	}

	endedLongerThan(retryForMs: number, failingSince: number): boolean {
		return this.endedSeenAt !== undefined && Date.now() - Math.max(this.endedSeenAt, failingSince) >= retryForMs;
	}

	/** Why the session left without being sent whole (step() said gave-up). */
	get whyGivenUp(): string {
		return this.why;
	}

	/** One look at the store, and what can go now sent; `send` resolves false when the endpoint did not take it. */
	async step(database: StoreDatabase | undefined, send: (spans: SpanRecord[]) => Promise<boolean>): Promise<'working' | 'done' | 'gave-up'> {
		const { sessionId, key, state } = this.options;
		if (state.has(key, sessionId)) return 'done';
		// The row first, then the events: once the row says ended, every event is in.
		const row = database?.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRow | undefined;
		if (!database || !row) {
			if (Date.now() - this.createdAt <= APPEAR_WITHIN_MS) return 'working';
			this.why = `not in the store after ${APPEAR_WITHIN_MS / 1000} s`;
			return 'gave-up';
		}
		for (const event of iterateEvents(database, sessionId, this.events.length - 1)) {
			this.events.push(toReplayView(event));
			this.lastChangeAt = Date.now();
		}
		const ended = row.ended_at !== null;
		if (ended) this.endedSeenAt ??= Date.now();
		else if (row.pid != null && !processIsAlive(row.pid, row.pid_start ?? null)) {
			if (this.recoveredAt === undefined) {
				// The recording mcprec is gone without closing the session: close it as the next one would.
				this.recoveredAt = Date.now();
				openStore({ file: this.options.databaseFile, recover: true, warnPermissions: false, signer: existingDeviceSigner }).close();
				return 'working';
			}
			if (Date.now() - this.recoveredAt > APPEAR_WITHIN_MS) {
				this.why = 'its mcprec is gone and the session could not be closed';
				return 'gave-up';
			}
		}
		const quiet = Date.now() - this.lastChangeAt >= this.options.quietMs;
		const look = `${this.events.length} ${quiet} ${ended}`;
		if (look === this.lastLook) return 'working';
		const ready = liveSpans({ session: exportSessionOf(row), events: this.events, options: { payloads: this.options.payloads }, quiet });
		const pending = ready.requests.filter(({ requestSeq }) => !wasSent(this.sent, requestSeq));
		for (let start = 0; start < pending.length; start += SPANS_PER_BATCH) {
			const batch = pending.slice(start, start + SPANS_PER_BATCH);
			if (!(await send(batch.map(({ span }) => span)))) return 'working';
			this.sentSpans += batch.length;
			this.sent = compactSent(ready.requestSeqs, new Set(batch.map(({ requestSeq }) => requestSeq)), this.events.length - 1, this.sent);
			state.rememberSent(key, sessionId, this.sent, this.options.self);
			await state.save();
		}
		if (ready.root) {
			if (!(await send([ready.root]))) return 'working';
			this.sentSpans++;
			state.remember(key, sessionId, row.head_hash);
			await state.save();
			return 'done';
		}
		// Everything this look allowed went: the next look needs news.
		this.lastLook = look;
		return 'working';
	}
}

function sleep(milliseconds: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
