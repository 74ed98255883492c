// Frames forwarded unchanged are views into the chunk they arrived in, one after another.
// Handing the stream one view per run of such frames instead of one per frame saves a
// write call, a buffered-write record and a writev entry for every message of a burst;
// the bytes and their order are the same.

export class ContiguousWriter {
	private first: Buffer | undefined;
	private length = 0;
	private frames = 0;

	/** `write` gets each run and how many frames it holds; it returns false to ask for `drain`. */
	constructor(private readonly write: (bytes: Buffer, frames: number) => boolean) {}

	/** Queues a frame; it leaves with the next flush. */
	add(frame: Buffer): void {
		const first = this.first;
		if (first !== undefined && frame.buffer === first.buffer && frame.byteOffset === first.byteOffset + this.length) {
			this.length += frame.length;
			this.frames++;
			return;
		}
		this.flush();
		this.first = frame;
		this.length = frame.length;
		this.frames = 1;
	}

	/** Writes what is queued; false when the stream asks to wait for `drain`. */
	flush(): boolean {
		const first = this.first;
		if (first === undefined) return true;
		this.first = undefined;
		const run = this.length === first.length ? first : Buffer.from(first.buffer, first.byteOffset, this.length);
		return this.write(run, this.frames);
	}
}
