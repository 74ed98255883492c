// JSON-RPC error answers the proxy writes itself. Codes: JSON-RPC 2.0 §5.1 for the
// standard ones; -32000 upstream failures and -32010/-32011 mcprec's own (DESIGN §3).

import type { JsonRpcId } from './classify.js';

export const ErrorCode = {
	parseError: -32700,
	invalidRequest: -32600,
	invalidParams: -32602,
	internalError: -32603,
	upstreamFailed: -32000,
	recordingFailed: -32010,
	policyDenied: -32011,
} as const;

/** One JSON-RPC error response as a newline-terminated frame. */
export function errorFrame(id: JsonRpcId | undefined, code: number, message: string, data?: unknown): Buffer {
	const error: Record<string, unknown> = { code, message };
	if (data !== undefined) error.data = data;
	return Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error })}\n`);
}
