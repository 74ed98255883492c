// What an event says about its session's outcome, for the per-session summary that the
// `tool=` and `outcome=` filters read instead of scanning events. Mirrors the proxy's
// counters (src/proxy/proxy.ts recordNote): a deny is blocked, a mask note is masked.

/** Per-session outcome counts kept in the summary table. */
export interface Outcomes {
	blocked: number;
	masked: number;
	approved: number;
	errors: number;
}

export const OUTCOME_NAMES = ['blocked', 'masked', 'approved', 'errors'] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];

export function noOutcomes(): Outcomes {
	return { blocked: 0, masked: 0, approved: 0, errors: 0 };
}

interface OutcomeSource {
	kind: string;
	payload: Buffer;
}

/** Adds what `event` contributes to `outcomes` (in place). */
export function addOutcome(outcomes: Outcomes, event: OutcomeSource): void {
	if (event.kind === 'mask') {
		outcomes.masked++;
		return;
	}
	if (event.kind === 'decision') {
		const details = parseObject(event.payload);
		if (!details) return;
		if (details.action === 'deny' || details.action === 'pin-deny' || details.status === 'denied') outcomes.blocked++;
		else if (details.action === 'approve' && details.status === 'approved') outcomes.approved++;
		return;
	}
	// JSON-RPC error responses (single or inside a batch); the byte check skips parsing most messages.
	if (event.kind === 'message' && event.payload.includes('"error"')) {
		const message = parseJson(event.payload);
		const items = Array.isArray(message) ? message : [message];
		for (const item of items) {
			if (typeof item === 'object' && item !== null && 'error' in item && !('method' in item)) outcomes.errors++;
		}
	}
}

function parseJson(payload: Buffer): unknown {
	try {
		return JSON.parse(payload.toString('utf8'));
	} catch {
		return undefined;
	}
}

function parseObject(payload: Buffer): Record<string, unknown> | undefined {
	const value = parseJson(payload);
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
