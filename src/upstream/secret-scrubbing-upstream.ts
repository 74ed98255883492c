// The server's stderr with the secrets mcprec injected replaced by [REDACTED:NAME], before
// it reaches mcprec's stderr (the client's MCP log) and the recording. stdout needs no
// help: the masking stage handles JSON-RPC with the same secrets. It wraps any upstream.

import type { Upstream, UpstreamHandlers } from './upstream.js';

export interface InjectedSecret {
	name: string;
	value: string;
}

/** `upstream`, except that its stderr never carries an injected secret's value. */
export function scrubSecrets(upstream: Upstream, secrets: InjectedSecret[]): Upstream {
	if (secrets.length === 0) return upstream;
	return {
		get pid() {
			return upstream.pid;
		},
		start(handlers: UpstreamHandlers) {
			const scrubber = createStreamScrubber(secrets, (chunk) => handlers.onStderr(chunk));
			upstream.start({
				...handlers,
				onStderr: (chunk) => scrubber.push(chunk),
				onExit: (exit) => {
					scrubber.end();
					handlers.onExit(exit);
				},
			});
		},
		send: (pieces) => upstream.send(pieces),
		onDrain: (listener) => upstream.onDrain(listener),
		pause: () => upstream.pause(),
		resume: () => upstream.resume(),
		close: () => upstream.close(),
		signal: (signal) => upstream.signal(signal),
	};
}

/** Replaces secret values in a byte stream whose chunks may split a value anywhere. */
export function createStreamScrubber(secrets: InjectedSecret[], emit: (chunk: Buffer) => void, idleFlushMs = 100) {
	const forms = secrets
		.flatMap(({ name, value }) => {
			const escaped = JSON.stringify(value).slice(1, -1);
			const replacement = Buffer.from(`[REDACTED:${name}]`);
			return [...new Set([value, escaped])].map((form) => ({ bytes: Buffer.from(form), replacement }));
		})
		.filter((form) => form.bytes.length > 0)
		.sort((a, b) => b.bytes.length - a.bytes.length);
	const holdBack = Math.max(0, ...forms.map((form) => form.bytes.length - 1));
	// A value without a newline cannot span lines, so a complete line is safe to let go at once.
	const linesAreSafe = forms.every((form) => !form.bytes.includes(0x0a));
	let pending: Buffer = Buffer.alloc(0);
	let timer: NodeJS.Timeout | undefined;

	const scrub = (buffer: Buffer): Buffer => {
		let result = buffer;
		for (const form of forms) {
			if (result.indexOf(form.bytes) === -1) continue;
			const pieces: Buffer[] = [];
			let start = 0;
			for (let at = result.indexOf(form.bytes); at !== -1; at = result.indexOf(form.bytes, start)) {
				pieces.push(result.subarray(start, at), form.replacement);
				start = at + form.bytes.length;
			}
			pieces.push(result.subarray(start));
			result = Buffer.concat(pieces);
		}
		return result;
	};
	const flush = (all: boolean) => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		const scrubbed = scrub(pending);
		let safe = all ? scrubbed.length : Math.max(0, scrubbed.length - holdBack);
		if (!all && linesAreSafe) safe = Math.max(safe, scrubbed.lastIndexOf(0x0a) + 1);
		if (safe > 0) emit(scrubbed.subarray(0, safe));
		pending = scrubbed.subarray(safe);
		// The held-back tail goes out when the stream pauses; a value split across that pause is rare and not worth stalling logs for.
		if (pending.length > 0 && !all) timer = setTimeout(() => flush(true), idleFlushMs).unref();
	};
	return {
		push(chunk: Buffer) {
			pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
			flush(false);
		},
		end() {
			flush(true);
		},
	};
}
