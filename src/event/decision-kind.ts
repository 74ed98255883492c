// One word per decision, the same in the counters, the filters, the timelines and the
// transcript: a policy rule refused the call (blocked), a call waited for a person (held),
// a person or a grant let it through (approved), or it was not approved — an approver said
// no, or nobody answered in time (denied). Who and how is in the decision's `via`/`reason`.

export type DecisionKind = 'blocked' | 'held' | 'approved' | 'denied';

export function decisionKind(details: unknown): DecisionKind | undefined {
	if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
	const { action, status } = details as Record<string, unknown>;
	if (action === 'approve') {
		if (status === 'held') return 'held';
		if (status === 'approved') return 'approved';
		if (status === 'denied') return 'denied';
		return undefined;
	}
	if (action === 'deny' || action === 'pin-deny' || status === 'denied') return 'blocked';
	return undefined;
}
