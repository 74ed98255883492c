// What an event says about its session's outcome, for the per-session summary that the
// `tool=` and `outcome=` filters read instead of scanning events. Errors are counted by
// src/event/response-outcome.ts, like the proxy's counters; decisions are told apart by who
// refused: a policy rule (blocked) or an approver, or nobody in time, for a held call (denied).

import { decisionKind } from '../event/decision-kind.js';
import { countErrors, mayBeToolCall, mayHoldError } from '../event/response-outcome.js';

/** Per-session outcome counts kept in the summary table. */
export interface Outcomes {
	/** Refused by a policy rule (deny, a changed tool pin, ambiguous JSON…). */
	blocked: number;
	/** Held calls that were not approved (an approver said no, or nobody answered in time). */
	denied: number;
	/** Calls held for approval. */
	held: number;
	masked: number;
	approved: number;
	/** Error answers: JSON-RPC errors and tool errors. */
	errors: number;
	/** The part of `errors` that are the server's tool results with `isError: true`. */
	toolErrors: number;
}

/** The `outcome=` values, in the order the viewer offers them. */
export const OUTCOME_NAMES = ['errors', 'tool-errors', 'blocked', 'denied', 'held', 'approved', 'masked'] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];

/** The summary column behind each outcome (session_summaries). */
export const OUTCOME_COLUMNS: Record<OutcomeName, string> = {
	errors: 'errors',
	'tool-errors': 'tool_errors',
	blocked: 'blocked',
	denied: 'denied',
	held: 'held',
	approved: 'approved',
	masked: 'masked',
};

/** The Outcomes key behind each outcome name. */
export const OUTCOME_KEYS: Record<OutcomeName, keyof Outcomes> = {
	errors: 'errors',
	'tool-errors': 'toolErrors',
	blocked: 'blocked',
	denied: 'denied',
	held: 'held',
	approved: 'approved',
	masked: 'masked',
};

export function noOutcomes(): Outcomes {
	return { blocked: 0, denied: 0, held: 0, masked: 0, approved: 0, errors: 0, toolErrors: 0 };
}

interface OutcomeSource {
	kind: string;
	origin: string;
	method: string | null;
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
		const kind = decisionKind(details);
		if (kind !== undefined) outcomes[kind]++;
		return;
	}
	if (event.kind === 'message' && mayHoldError(event.payload)) {
		const counts = countErrors(parseJson(event.payload));
		// mcprec's own `isError` answers are its refusals, counted by their decisions.
		const toolErrors = event.origin === 'server' && mayBeToolCall(event.method) ? counts.toolErrors : 0;
		outcomes.errors += counts.errors - counts.toolErrors + toolErrors;
		outcomes.toolErrors += toolErrors;
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
