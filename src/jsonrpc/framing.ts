// Newline-delimited JSON-RPC framing (MCP stdio transport): split a byte stream into
// lines without ever re-encoding them, so unmodified messages go out byte for byte.

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Feeds on raw chunks and calls `onFrame` with each complete line followed by a single
 * `\n` (a trailing `\r` is dropped). Lines that arrive in one chunk are zero-copy views.
 */
export class LineSplitter {
	private pending: Buffer[] = [];
	private pendingBytes = 0;

	/** `onJoined`: told the size of each line that had to be joined from several reads, once it is. */
	constructor(
		private readonly onFrame: (frame: Buffer) => void,
		private readonly onJoined?: (bytes: number) => void,
	) {}

	push(chunk: Buffer): void {
		let start = 0;
		for (;;) {
			const end = chunk.indexOf(NEWLINE, start);
			if (end === -1) break;
			let frame: Buffer;
			if (this.pending.length > 0) {
				this.pending.push(chunk.subarray(start, end + 1));
				frame = Buffer.concat(this.pending, this.pendingBytes + end + 1 - start);
				this.pending = [];
				this.pendingBytes = 0;
				this.onJoined?.(frame.length);
			} else {
				frame = chunk.subarray(start, end + 1);
			}
			start = end + 1;
			this.emit(frame);
		}
		if (start < chunk.length) {
			this.pending.push(chunk.subarray(start));
			this.pendingBytes += chunk.length - start;
		}
	}

	/** Bytes left without a final newline when the stream ended; returned as a frame if any. */
	end(): void {
		if (this.pendingBytes === 0) return;
		const rest = Buffer.concat(this.pending, this.pendingBytes);
		this.pending = [];
		this.pendingBytes = 0;
		this.emit(Buffer.concat([rest, Buffer.from([NEWLINE])]));
	}

	private emit(frame: Buffer): void {
		const length = frame.length;
		if (length >= 2 && frame[length - 2] === CARRIAGE_RETURN) {
			const fixed = Buffer.allocUnsafe(length - 1);
			frame.copy(fixed, 0, 0, length - 2);
			fixed[length - 2] = NEWLINE;
			frame = fixed;
		}
		if (isBlank(frame)) return;
		this.onFrame(frame);
	}
}

function isBlank(frame: Buffer): boolean {
	for (let index = 0; index < frame.length - 1; index++) {
		const byte = frame[index];
		if (byte !== 0x20 && byte !== 0x09 && byte !== CARRIAGE_RETURN) return false;
	}
	return true;
}

/** The line's content without its terminating newline. */
export function frameBody(frame: Buffer): Buffer {
	return frame.subarray(0, frame.length - 1);
}
