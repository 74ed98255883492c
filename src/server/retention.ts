// `mcprec server --retention 365d`: sessions that ended longer ago are deleted, in batches,
// at start and then every hour, except those under a legal hold. Each leaves a
// pruned_sessions row (see the store), so a later read is answered "pruned by policy on
// DATE" instead of "unknown". Off the request path, like the OTLP forwarder.

import type { CollectorStore, StoreClock } from './store/collector-store.js';

export interface RetentionOptions {
	store: CollectorStore;
	retention: { text: string; milliseconds: number };
	/** Between rounds (default an hour). */
	intervalMs?: number;
	clock?: StoreClock;
	log: { info(message: string): void; warn(message: string): void };
}

const SESSIONS_PER_BATCH = 200;

export function startRetention(options: RetentionOptions): { close(): Promise<void> } {
	const interval = options.intervalMs ?? 3600_000;
	const now = () => (options.clock ?? { now: Date.now }).now();
	const policy = `retention ${options.retention.text}`;
	let stopped = false;
	let timer: NodeJS.Timeout | undefined;
	let round: Promise<void> = Promise.resolve();

	const pruneAll = async () => {
		let total = 0;
		for (;;) {
			const at = now();
			const pruned = await options.store.pruneSessions({ endedBefore: (at - options.retention.milliseconds) * 1000, policy, at, limit: SESSIONS_PER_BATCH });
			total += pruned.length;
			if (pruned.length < SESSIONS_PER_BATCH || stopped) break;
		}
		if (total > 0) options.log.info(`pruned ${total} session(s) that ended more than ${options.retention.text} ago (${policy})`);
	};
	const tick = () => {
		round = pruneAll().catch((error: unknown) => options.log.warn(`retention failed (${(error as Error).message}); trying again in the next round`));
		void round.then(() => {
			if (!stopped) timer = setTimeout(tick, interval);
		});
	};
	tick();
	return {
		async close() {
			stopped = true;
			clearTimeout(timer);
			await round;
		},
	};
}
