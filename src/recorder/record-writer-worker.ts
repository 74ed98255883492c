// Worker-thread entry of the recorder (MCPREC_RECORD_WRITER=thread; writer-link.ts says
// why the writer runs on the main thread by default): wires the Recorder's messages to a
// RecordWriter, so hashing, compression and SQLite writes run off the forwarding thread.

import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { serveRecordWriter } from './serve-record-writer.js';
import type { ToWriter, WriterData } from './writer-messages.js';

yieldToForwarding();

const port = parentPort!;
const handle = serveRecordWriter(workerData as WriterData, (message, transfer) => port.postMessage(message, transfer), { oneBatchPerTurn: false });
port.on('message', (message: ToWriter) => handle(message));

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
