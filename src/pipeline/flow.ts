// The unit the stages work on: one message on its way through the proxy, in the spirit
// of mitmproxy's flow. Stages read it and may answer it, rewrite it, hold it or let it
// pass; they leave notes for the recorder. They never write to a stream themselves.

import { parsedLine, type ClassifiedMessage, type JsonRpcId } from '../jsonrpc/classify.js';
import type { PendingRequest } from '../jsonrpc/pending-requests.js';
import { ErrorCode } from '../jsonrpc/rpc-errors.js';

export type Direction = 'to-server' | 'to-client';

/** Something a stage decided, recorded as a `decision` or `mask` event. */
export interface FlowNote {
	kind: 'decision' | 'mask';
	details: Record<string, unknown>;
}

export interface Flow {
	direction: Direction;
	/** The exact bytes as received, newline included. */
	frame: Buffer;
	message: ClassifiedMessage;
	/** For a response: the request it answers. */
	request?: PendingRequest;
	/** A stage's answer to the sender; the message is not forwarded. */
	answer?: unknown;
	/** A replacement message to forward instead of the original bytes. */
	rewrite?: unknown;
	/** Not forwarded and not answered (a reply to mcprec's own request). */
	swallow?: boolean;
	/** What the record should hold instead of the forwarded bytes (client arguments masked in the record only). */
	recordAs?: unknown;
	/** A stage holds the message until this settles; it may then set answer or rewrite. */
	hold?: Promise<void>;
	notes: FlowNote[];
}

export function newFlow(direction: Direction, frame: Buffer, message: ClassifiedMessage, request?: PendingRequest): Flow {
	return { direction, frame, message, request, notes: [] };
}

/** The parsed line, object or batch array, parsed on first use. */
export function parsedValue(flow: Flow): unknown {
	return parsedLine(flow.message, flow.frame);
}

/** The parsed message when it is a single JSON-RPC object. */
export function parsedMessage(flow: Flow): Record<string, unknown> | undefined {
	const parsed = parsedValue(flow);
	return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** A JSON-RPC success response to `id`. */
export function resultMessage(id: JsonRpcId | undefined, result: unknown): Record<string, unknown> {
	return { jsonrpc: '2.0', id: id ?? null, result };
}

/** A JSON-RPC error response to `id`. */
export function errorMessage(id: JsonRpcId | undefined, code: number, message: string, data?: unknown): Record<string, unknown> {
	const error: Record<string, unknown> = { code, message };
	if (data !== undefined) error.data = data;
	return { jsonrpc: '2.0', id: id ?? null, error };
}

/**
 * A notification that carries a request's method (`tools/call` without an id): MCP's own
 * notifications are all `notifications/…`, and a lenient server may run such a call all
 * the same, so stages check it like a request (issue 12); it is never answered.
 */
export function isCallWithoutId(message: ClassifiedMessage): boolean {
	return message.shape === 'notification' && !message.method!.startsWith('notifications/');
}

/** Refuses a whole batch (it can't be answered in part): -32011 for each request in it; a batch without requests is dropped. */
export function batchRefusal(flow: Flow, rule: string, message: string): void {
	const requests = (flow.message.items ?? []).filter((item) => item.shape === 'request');
	if (requests.length > 0) flow.answer = requests.map((item) => errorMessage(item.id, ErrorCode.policyDenied, `Blocked by policy: ${message}`, { rule, message }));
	else flow.swallow = true;
	flow.notes.push({ kind: 'decision', details: { action: 'deny', rule, message } });
}

/** A denied call, answered so the model can read why (DESIGN §3): a tool error for tools/call, -32011 otherwise. */
export function blockedAnswer(flow: Flow, rule: string, message: string): Record<string, unknown> {
	const text = `Blocked by policy rule '${rule}': ${message}`;
	if (flow.message.method === 'tools/call') return resultMessage(flow.message.id, { content: [{ type: 'text', text }], isError: true });
	return errorMessage(flow.message.id, ErrorCode.policyDenied, text, { rule, message });
}


