// Worker-thread entry of the recorder: wires the Recorder's messages to a RecordWriter, so
// hashing, compression and SQLite writes never run on the thread that forwards messages.

import { parentPort, workerData } from 'node:worker_threads';
import { RecordWriter } from './record-writer.js';
import { unpackEvents, type FromWriter, type ToWriter, type WriterData } from './writer-messages.js';

const port = parentPort!;
const data = workerData as WriterData;
const send = (message: FromWriter) => port.postMessage(message);

const writer = new RecordWriter({
	...data,
	onAcknowledge: (committedSeq) => send({ type: 'ack', committedSeq }),
	onHealthChange: (healthy, reason) => send({ type: 'health', healthy, reason }),
});
writer.warmUp();

port.on('message', (message: ToWriter) => {
	switch (message.type) {
		case 'events':
			writer.add(unpackEvents(message), message.counters, message.update);
			break;
		case 'piece':
			writer.addPiece(message.seq, Buffer.from(message.bytes, 0, message.length), message.last);
			// Handed back for the next piece: a 64 MiB payload reuses two buffers, not 64.
			port.postMessage({ type: 'piece-taken', bytes: message.bytes } satisfies FromWriter, [message.bytes]);
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
});
