// What stages may know about the session beyond one message. Filled by the proxy (label,
// client capabilities) and by stages themselves (tool annotations from tools/list).

import type { SessionIdentity } from '../identity/session-identity.js';
import type { Policy } from '../policy/policy-types.js';

export interface SessionContext {
	sessionId: string;
	server: string;
	policy: Policy;
	identity?: SessionIdentity;
	/** From the client's `initialize` (legacy) or the `_meta` of modern requests. */
	clientCapabilities: Record<string, unknown>;
	/** True once a 2026-07-28 (modern era) request was seen. */
	modern: boolean;
	/** Tool annotations as the server listed them, by tool name. */
	toolAnnotations: Map<string, Record<string, unknown>>;
	/** Sends mcprec's own request to the client; resolves with the client's response message. */
	requestClient(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>>;
	/** Sends mcprec's own notification to the client. */
	notifyClient(method: string, params: Record<string, unknown>): void;
	/** Records a note that belongs to no single flow (an approval settled later). */
	note(note: { kind: 'decision' | 'mask'; details: Record<string, unknown> }, rpcId?: string | null): void;
	/** µs since the epoch. */
	now(): number;
}
