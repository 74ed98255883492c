// Server-sent events, read incrementally (WHATWG HTML §9.2.6 "Interpreting an event
// stream"): bytes in, whole events out. MCP servers put one JSON-RPC message in the
// `data` of each event (Streamable HTTP and the 2024-11-05 HTTP+SSE transport).

/** One dispatched event. `id` is the stream's last event id at dispatch (it persists across events). */
export interface ServerSentEvent {
	event: string;
	data: string;
	id: string | undefined;
}

export interface SseParserHandlers {
	onEvent(event: ServerSentEvent): void;
	/** The server asked for this reconnection delay (`retry:` field). */
	onRetry?(milliseconds: number): void;
	/** An `id:` field was seen, even on an event without data (a "priming" event that makes the stream resumable). */
	onId?(id: string): void;
}

/** Feeds chunks of a `text/event-stream` body; lines may be split anywhere, even inside a UTF-8 character. */
export class SseParser {
	private readonly decoder = new TextDecoder('utf-8');
	private pending = '';
	private data: string[] = [];
	private eventType = '';
	private lastEventId: string | undefined;
	private sawFirstChunk = false;

	constructor(private readonly handlers: SseParserHandlers) {}

	push(chunk: Uint8Array): void {
		let text = this.decoder.decode(chunk, { stream: true });
		if (!this.sawFirstChunk && text.length > 0) {
			this.sawFirstChunk = true;
			if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
		}
		this.consume(this.pending + text);
	}

	/** The stream ended; an event without its blank line is discarded, as the standard says. */
	end(): void {
		this.consume(this.pending + this.decoder.decode(), true);
		this.pending = '';
	}

	private consume(text: string, final = false): void {
		let start = 0;
		for (;;) {
			const lineEnd = findLineEnd(text, start);
			if (lineEnd === -1) break;
			// A CR at the very end may be the first half of CRLF: wait for the next chunk.
			if (text[lineEnd] === '\r' && lineEnd === text.length - 1 && !final) break;
			this.line(text.slice(start, lineEnd));
			start = lineEnd + (text[lineEnd] === '\r' && text[lineEnd + 1] === '\n' ? 2 : 1);
		}
		this.pending = text.slice(start);
	}

	private line(line: string): void {
		if (line === '') {
			this.dispatch();
			return;
		}
		if (line.startsWith(':')) return;
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		switch (field) {
			case 'data':
				this.data.push(value);
				break;
			case 'event':
				this.eventType = value;
				break;
			case 'id':
				if (!value.includes('\0')) {
					this.lastEventId = value;
					this.handlers.onId?.(value);
				}
				break;
			case 'retry':
				if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
				break;
			default:
				break;
		}
	}

	private dispatch(): void {
		const data = this.data;
		const eventType = this.eventType;
		this.data = [];
		this.eventType = '';
		if (data.length === 0) return;
		this.handlers.onEvent({ event: eventType || 'message', data: data.join('\n'), id: this.lastEventId });
	}
}

function findLineEnd(text: string, from: number): number {
	for (let index = from; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code === 0x0a || code === 0x0d) return index;
	}
	return -1;
}
