// `mcprec server --otlp-endpoint`: every session the collector holds goes on to an OTLP
// endpoint as traces, shaped as `mcprec export --format otlp` shapes them (issue 18), so a
// team wires the collector to its SIEM once. Off the request path: a loop in the
// collector's process picks up sessions that ended (sealed, or quiet for a while when
// unsigned), sends them, and remembers each in the store (otlp_forwarded) only once the
// endpoint took it. An endpoint that is down costs nothing but a retry later, with the
// wait doubling up to a minute; nothing is lost, and uploads never wait on it.

import type { ReplayEvent } from '../event/event-forms.js';
import type { OtlpSpanSender } from '../export/otlp-exporter.js';
import type { OtlpTarget } from '../export/otlp-target.js';
import { sessionSpans, type ExportSession } from '../export/session-spans.js';
import type { CollectorStore, StoreClock, StoredSession } from './store/collector-store.js';
import { toReplayView } from '../event/event-forms.js';

export interface OtlpForwarderOptions {
	store: CollectorStore;
	target: OtlpTarget;
	/** Message bodies too (masked as uploaded). */
	payloads: boolean;
	/** How often to look for sessions to send, in ms (default 2000). */
	intervalMs?: number;
	/** An unsealed ended session goes once nothing changed it for this long (default 60 s). */
	quietMs?: number;
	clock?: StoreClock;
	log: { info(message: string): void; warn(message: string): void };
}

export interface OtlpForwarder {
	/** Stops after the session being sent, if any. */
	close(): Promise<void>;
}

const EVENTS_PER_READ = 5000;
const SESSIONS_PER_ROUND = 20;
const LONGEST_WAIT_MS = 60_000;

export function startOtlpForwarder(options: OtlpForwarderOptions): OtlpForwarder {
	const interval = options.intervalMs ?? 2000;
	const quiet = options.quietMs ?? 60_000;
	const now = () => (options.clock ?? { now: Date.now }).now();
	const destination = `otlp ${options.target.url}`;
	let sender: OtlpSpanSender | undefined;
	let stopped = false;
	let failing = false;
	let wait = interval;
	let timer: NodeJS.Timeout | undefined;
	let round: Promise<void> = Promise.resolve();

	const forwardSome = async (): Promise<void> => {
		const sessions = await options.store.sessionsToForward({ destination, quietBefore: now() - quiet, limit: SESSIONS_PER_ROUND });
		if (sessions.length === 0) return;
		if (!sender) {
			const { openOtlpSender } = await import('../export/otlp-exporter.js');
			sender = await openOtlpSender({ target: options.target });
		}
		for (const session of sessions) {
			if (stopped) return;
			const events = await readAllEvents(options.store, session.id);
			await sender.send(sessionSpans(exportSessionOf(session), events, { payloads: options.payloads }));
			await options.store.markForwarded({ destination, sessionId: session.id, headHash: session.headHash, at: now() });
		}
	};

	const tick = () => {
		round = forwardSome().then(
			() => {
				if (failing) options.log.info(`OTLP endpoint ${options.target.url} takes spans again`);
				failing = false;
				wait = interval;
			},
			(error: unknown) => {
				if (!failing) options.log.warn(`forwarding sessions to ${options.target.url} failed (${(error as Error).message}); trying again, nothing is lost`);
				failing = true;
				wait = Math.min(wait * 2, LONGEST_WAIT_MS);
			},
		);
		void round.then(() => {
			if (!stopped) timer = setTimeout(tick, wait);
		});
	};
	timer = setTimeout(tick, 0);

	return {
		async close() {
			stopped = true;
			clearTimeout(timer);
			await round;
			await sender?.close();
		},
	};
}

async function readAllEvents(store: CollectorStore, sessionId: string): Promise<ReplayEvent[]> {
	const events: ReplayEvent[] = [];
	let afterSeq = -1;
	for (;;) {
		const page = await store.readEvents(sessionId, { afterSeq, limit: EVENTS_PER_READ });
		for (const event of page) events.push(toReplayView(event));
		if (page.length < EVENTS_PER_READ) return events;
		afterSeq = page[page.length - 1]!.seq;
	}
}

// The uploaded document is the session as `mcprec sessions --json` printed it.
function exportSessionOf(session: StoredSession): ExportSession {
	const metadata = session.metadata as {
		url?: string | null;
		protocolVersion?: string | null;
		endReason?: string | null;
		user?: { email?: string | null; name?: string | null; sub?: string | null; osUser?: string | null; host?: string | null };
		client?: { name?: string | null; version?: string | null };
	};
	return {
		id: session.id,
		server: session.server,
		protocolVersion: metadata.protocolVersion ?? null,
		url: metadata.url ?? null,
		startedMicros: session.startedAt,
		endedMicros: session.endedAt,
		endReason: metadata.endReason ?? null,
		user: session.ownerEmail ?? metadata.user?.email ?? metadata.user?.name ?? metadata.user?.sub ?? metadata.user?.osUser ?? session.ownerSub,
		host: metadata.user?.host ?? null,
		clientName: metadata.client?.name ?? null,
		clientVersion: metadata.client?.version ?? null,
		headHash: session.headHash,
		eventCount: session.nextSeq,
		attributes: { 'mcprec.integrity': session.integrity, 'mcprec.owner': session.ownerSub },
	};
}
