// Entry point for `mcprec replay <session>` on a terminal: loads the session from the local
// store and hands it to the timeline. ink and react load only from here on.

import { resolveStatePaths } from '../config/paths.js';
import { toReplayView, type ReplayEvent } from '../event/event-forms.js';
import { iterateEvents } from '../store/event-queries.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { openStore } from '../store/open-store.js';
import { resolveSession, type SessionRow } from '../store/session-queries.js';

export interface OpenReplayTuiOptions {
	/** Play back N times faster than recorded (1 = real time). */
	speed?: number;
}

export async function openReplayTui(sessionRef: string, options: OpenReplayTuiOptions = {}): Promise<void> {
	const database = openStore({ file: resolveStatePaths().database, readonly: true, signer: existingDeviceSigner });
	let session: SessionRow;
	let events: ReplayEvent[];
	try {
		session = resolveSession(database, sessionRef);
		events = Array.from(iterateEvents(database, session.id), toReplayView);
	} finally {
		database.close();
	}
	// React's development build is slower and warns on the terminal; a CLI runs the production one.
	process.env.NODE_ENV ??= 'production';
	const { runReplayTui } = await import('./run-replay-tui.js');
	await runReplayTui({ session, events, speed: options.speed });
}
