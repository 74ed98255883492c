// Which messages recorded as sent to the client really left mcprec (DESIGN §3, half-close).
// A message is recorded before its write completes, so a write that fails afterwards (the
// client closed its stdout: EPIPE) can only be told by a later event that names the
// recorded messages that never got out. Writes complete in order, so two queues suffice:
// the seqs of the recorded messages and the number of frames each write carried.

export class DeliveryLedger {
	private seqs: number[] = [];
	private seqHead = 0;
	private writes: number[] = [];
	private writeHead = 0;
	// Frames confirmed written before their event reached the recorder (not expected: a
	// write's callback comes at the earliest on the next tick, after the chunk's events).
	private confirmedAhead = 0;
	private closed = false;

	/** A message for the client was recorded as `seq`; frames are written in the same order. */
	recorded(seq: number): void {
		if (this.closed) return;
		if (this.confirmedAhead > 0) {
			this.confirmedAhead--;
			return;
		}
		this.seqs.push(seq);
	}

	/** A write carrying `frames` recorded messages was handed to the stream. */
	wrote(frames: number): void {
		if (!this.closed) this.writes.push(frames);
	}

	/** The oldest write not yet confirmed reached the client's pipe. */
	written(): void {
		if (this.closed || this.writeHead === this.writes.length) return;
		let frames = this.writes[this.writeHead++];
		const available = this.seqs.length - this.seqHead;
		this.seqHead += Math.min(frames, available);
		frames -= Math.min(frames, available);
		this.confirmedAhead += frames;
		this.compact();
	}

	/** The client's stdout is gone: the recorded messages that were not written, in order. Later calls return []. */
	failed(): number[] {
		if (this.closed) return [];
		this.closed = true;
		const undelivered = this.seqs.slice(this.seqHead);
		this.seqs = [];
		this.writes = [];
		return undelivered;
	}

	// Drops what was confirmed once it is most of the queue, so a long session's queues stay small.
	private compact(): void {
		if (this.seqHead > 1024 && this.seqHead * 2 > this.seqs.length) {
			this.seqs = this.seqs.slice(this.seqHead);
			this.seqHead = 0;
		}
		if (this.writeHead > 1024 && this.writeHead * 2 > this.writes.length) {
			this.writes = this.writes.slice(this.writeHead);
			this.writeHead = 0;
		}
	}
}
