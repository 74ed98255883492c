// The RecordWriter behind its messages, wherever it runs: on the Recorder's thread
// (writer-link.ts) or in a worker thread (record-writer-worker.ts).

import { RecordWriter } from './record-writer.js';
import { ArenaReader } from './event-arena.js';
import { deviceSigner } from '../event/device-signature.js';
import type { FromWriter, ToWriter, WriterData } from './writer-messages.js';
import type { Clock } from '../time/clock.js';

/**
 * Builds a RecordWriter for `data` and returns what handles the Recorder's messages; the
 * writer's answers go to `send`. Shared by the worker thread and the in-thread link.
 */
export function serveRecordWriter(
	data: WriterData,
	send: (message: FromWriter, transfer?: ArrayBuffer[]) => void,
	options: { oneBatchPerTurn: boolean; busyPollMs?: number; clock?: Clock },
): (message: ToWriter) => void {
	const writer = new RecordWriter({
		...data,
		clock: options.clock,
		signer: data.signer ? deviceSigner(data.signer.deviceId, data.signer.jwk) : undefined,
		onAcknowledge: (committedSeq) => send({ type: 'ack', committedSeq }),
		onHealthChange: (healthy, reason) => send({ type: 'health', healthy, reason }),
		oneBatchPerTurn: options.oneBatchPerTurn,
		busyPollMs: options.busyPollMs,
	});
	writer.warmUp();
	return (message) => {
		switch (message.type) {
			case 'events':
				writer.add(new ArenaReader(message.ranges), message.firstSeq, message.counters, message.update);
				break;
			case 'piece':
				writer.addPiece(message.seq, Buffer.from(message.bytes, 0, message.length), message.last);
				// Handed back for the next piece: a 64 MiB payload reuses two buffers, not 64.
				send({ type: 'piece-taken', bytes: message.bytes }, [message.bytes]);
				break;
			case 'signer':
				writer.setSigner(deviceSigner(message.deviceId, message.jwk));
				break;
			case 'open':
				writer.start(message.session);
				send({ type: 'opened' });
				break;
			case 'close': {
				const result = writer.close(message.counters, message.update);
				send({ type: 'closed', ...result });
				break;
			}
		}
	};
}

