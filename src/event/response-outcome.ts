// What a response says happened. A tool that fails answers with a result, not a JSON-RPC
// error: a CallToolResult with `isError: true` (MCP spec, server/tools "Error Handling").
// Both are errors to an auditor, and they stay apart so one can tell a broken exchange from
// a tool that ran and said no. Every view (counters, filters, timelines) asks this file.

/** `error`: a JSON-RPC error; `tool-error`: a result with `isError: true`; `ok` otherwise. */
export type ResponseOutcome = 'ok' | 'error' | 'tool-error';

/** `method`: the request's method when known; only a tools/call (or a batch's item) can fail as a tool. */
export function responseOutcome(response: unknown, method?: string | null): ResponseOutcome {
	if (!isRecord(response)) return 'ok';
	if ('error' in response && !('method' in response)) return 'error';
	if (!mayBeToolCall(method)) return 'ok';
	const result = response.result;
	return isRecord(result) && result.isError === true ? 'tool-error' : 'ok';
}

/** Whether a response labelled `method` may answer a tools/call (unknown and batches may). */
export function mayBeToolCall(method: string | null | undefined): boolean {
	return method === undefined || method === null || method === 'tools/call' || method === 'batch';
}

/** Errors in a message (a response or a batch); `errors` counts tool errors too. */
export function countErrors(message: unknown): { errors: number; toolErrors: number } {
	const counts = { errors: 0, toolErrors: 0 };
	for (const item of Array.isArray(message) ? message : [message]) {
		const outcome = responseOutcome(item);
		if (outcome === 'ok') continue;
		counts.errors++;
		if (outcome === 'tool-error') counts.toolErrors++;
	}
	return counts;
}

/**
 * False when the bytes cannot hold an error of either kind, so callers skip parsing most
 * messages. A key spelt with escapes (`"is\u0045rror"`) is missed; servers do not write that.
 */
export function mayHoldError(payload: Buffer): boolean {
	return payload.includes('"error"') || payload.includes('"isError"');
}

/** Whether a message's bytes may hold a tool error (the second half of mayHoldError). */
export function mayHoldToolError(payload: Buffer): boolean {
	return payload.includes('"isError"');
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
