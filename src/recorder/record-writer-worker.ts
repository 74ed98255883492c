// Worker-thread entry of the recorder: wires the Recorder's messages to a RecordWriter, so
// hashing, compression and SQLite writes never run on the thread that forwards messages.

import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { RecordWriter } from './record-writer.js';
import { ArenaReader } from './event-arena.js';
import { type FromWriter, type ToWriter, type WriterData } from './writer-messages.js';
import { deviceSigner } from '../event/device-signature.js';

yieldToForwarding();

const port = parentPort!;
const data = workerData as WriterData;
const send = (message: FromWriter) => port.postMessage(message);

const writer = new RecordWriter({
	...data,
	signer: data.signer ? deviceSigner(data.signer.deviceId, data.signer.jwk) : undefined,
	onAcknowledge: (committedSeq) => send({ type: 'ack', committedSeq }),
	onHealthChange: (healthy, reason) => send({ type: 'health', healthy, reason }),
});
writer.warmUp();

port.on('message', (message: ToWriter) => {
	switch (message.type) {
		case 'events':
			writer.add(new ArenaReader(message.ranges), message.firstSeq, message.counters, message.update);
			break;
		case 'piece':
			writer.addPiece(message.seq, Buffer.from(message.bytes, 0, message.length), message.last);
			// Handed back for the next piece: a 64 MiB payload reuses two buffers, not 64.
			port.postMessage({ type: 'piece-taken', bytes: message.bytes } satisfies FromWriter, [message.bytes]);
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
});

// Recording must never compete with forwarding for the CPU: under load the writer falls
// behind (the Recorder keeps its events and applies back-pressure past a watermark) and
// catches up when the proxy is idle. On Linux the nice value belongs to the thread, so
// setpriority(PRIO_PROCESS, 0) - os.setPriority(19) - lowers only this thread; elsewhere
// it would lower the whole process, forwarding included, so it is skipped. Threads inherit
// the nice value of the thread that creates them: this thread does only synchronous I/O,
// so it never starts libuv's shared thread pool with its own priority. Best effort: a
// sandbox may refuse it, and recording works the same at normal priority.
function yieldToForwarding(): void {
	if (process.platform !== 'linux') return;
	try {
		os.setPriority(19);
	} catch {
		// Recording at normal priority still records everything.
	}
}
