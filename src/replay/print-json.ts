import type { Writable } from 'node:stream';
import type { ReplayEvent } from '../event/replay-event.js';

/** `replay --json`: one JSON object per event (NDJSON), without the internal µs field. */
export function formatJsonLine(event: ReplayEvent): string {
	const { tsMicros: _tsMicros, ...rest } = event;
	return `${JSON.stringify(rest)}\n`;
}

export async function printJson(events: Iterable<ReplayEvent>, output: Writable): Promise<void> {
	for (const event of events) {
		if (!output.write(formatJsonLine(event))) await new Promise((resolve) => output.once('drain', resolve));
	}
}
