// Approvers decide a held call better when they can read what led to it (issue 20): when
// `mcprec run` offers a call to the collector, the session's events so far go up first,
// as an open, unsealed session. Each later hold appends what came since; `mcprec sync`
// appends the rest and seals it when the session has ended. A failed upload never stops
// the approval: the approver still sees the call, only not its session yet.

import { CollectorClient } from './collector-client.js';
import { syncSession } from './sync-session.js';
import type { RemoteApprovals, RemoteDecision } from './collector-approvals.js';
import type { StoreDatabase } from '../store/open-store.js';
import { readPendingSession } from '../store/sync-queries.js';
import type { CommitWatch } from '../event/event-sink.js';

export interface ShareHeldSessionOptions {
	endpoint: string;
	accessToken: () => Promise<string>;
	sessionId: string;
	openDatabase: () => StoreDatabase;
	/** How far the recording got: the upload waits until what was recorded is committed. */
	recorder: CommitWatch;
	/** Said once, when an upload fails. */
	warn: (text: string) => void;
	/** Per request and for the wait on the recorder (default 5 s). */
	timeoutMs?: number;
}

/**
 * `remote`, with each publication preceded by an upload of the session so far, and one
 * more upload once the collector says the call is settled, so its copy shows the decision.
 */
export function shareSessionWhenHeld(remote: RemoteApprovals, options: ShareHeldSessionOptions): RemoteApprovals {
	const share = createSessionSharer(options);
	// Not awaited: the held call is released first; the upload waits for the decision's notes to be stored.
	const settled = (decision: RemoteDecision) => {
		if (decision.status !== 'pending') void share();
		return decision;
	};
	return {
		...remote,
		publish: async (approval) => {
			await share();
			return remote.publish(approval);
		},
		decision: (id) => remote.decision(id).then(settled),
		withdraw: (id, status, timeoutMs) => remote.withdraw(id, status, timeoutMs).then(settled),
	};
}

/** Uploads the session so far; one upload at a time, and a call while one runs waits for the next. */
export function createSessionSharer(options: ShareHeldSessionOptions): () => Promise<void> {
	const timeoutMs = options.timeoutMs ?? 5000;
	const client = new CollectorClient({ endpoint: options.endpoint.replace(/\/+$/, ''), accessToken: options.accessToken, attempts: 1, timeoutMs });
	let running: Promise<void> = Promise.resolve();
	let warned = false;
	const upload = async () => {
		// The held call's notes are recorded just after the stage that holds it returns.
		await new Promise((resolve) => setImmediate(resolve));
		await committedThrough(options.recorder, options.recorder.recordedThrough, timeoutMs);
		const database = options.openDatabase();
		try {
			const pending = readPendingSession(database, options.sessionId);
			if (!pending) return;
			const result = await syncSession({
				database,
				client,
				pending,
				batchSize: 500,
				batchBytes: 8 * 1024 * 1024,
				device: () => Promise.reject(new Error('an open session is sent without a seal')),
				onEvents: () => {},
			});
			if (result.error) throw new Error(result.error);
		} finally {
			database.close();
		}
	};
	return () => {
		running = running.then(upload).catch((error: unknown) => {
			if (warned) return;
			warned = true;
			options.warn(`the session could not be uploaded for the approvers (${(error as Error).message}); they see the held call without its session`);
		});
		return running;
	};
}

// Resolves once the store holds every event up to `seq`, or after `timeoutMs` (the upload then sends what is there).
function committedThrough(recorder: CommitWatch, seq: number, timeoutMs: number): Promise<void> {
	if (recorder.committedThrough >= seq) return Promise.resolve();
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			stop();
			resolve();
		};
		const timer = setTimeout(done, timeoutMs);
		const stop = recorder.onCommitted(() => {
			if (recorder.committedThrough >= seq) done();
		});
	});
}
