// `mcprec replay <session>`: the ink timeline on a terminal, the readable timeline
// otherwise (or with --plain), every event with --raw, NDJSON with --json (DESIGN §2, §5).

import { stdoutColours } from '../terminal/colours.js';
import { resolveStatePaths } from '../config/paths.js';
import { printJson } from '../replay/print-json.js';
import { printTranscript } from '../replay/print-transcript.js';
import { printTimeline } from '../replay/print-timeline.js';
import { buildExchanges } from '../replay/build-exchanges.js';
import { toReplayView, type ReplayEvent } from '../event/event-forms.js';
import { iterateEvents } from '../store/event-queries.js';
import { existingDeviceSigner } from '../identity/device-key.js';
import { openStore, type StoreDatabase } from '../store/open-store.js';
import { resolveSession } from '../store/session-queries.js';

export interface ReplayOptions {
	json?: boolean;
	plain?: boolean;
	raw?: boolean;
	speed?: number;
}

export async function replayCommand(reference: string, options: ReplayOptions): Promise<void> {
	if (process.stdout.isTTY && !options.json && !options.plain && !options.raw) {
		const { openReplayTui } = await import('../tui/open-replay-tui.js');
		await openReplayTui(reference, { speed: options.speed });
		return;
	}
	const database = openStore({ file: resolveStatePaths().database, readonly: true, signer: existingDeviceSigner });
	try {
		const session = resolveSession(database, reference);
		const events = replayEvents(database, session.id);
		if (options.json) await printJson(events, process.stdout);
		else if (options.raw) await printTranscript(events, { output: process.stdout, colours: stdoutColours, speed: options.speed, startedMicros: session.started_at });
		else await printTimeline(buildExchanges([...events]), { output: process.stdout, colours: stdoutColours, speed: options.speed, startedMicros: session.started_at });
	} finally {
		database.close();
	}
}

function* replayEvents(database: StoreDatabase, sessionId: string): Generator<ReplayEvent> {
	for (const event of iterateEvents(database, sessionId)) yield toReplayView(event);
}
