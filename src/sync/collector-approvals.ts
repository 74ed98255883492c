// Pending approvals relayed through the collector (README "Approvals", "Collector API"), so
// the approver group can settle a call held by `mcprec run` on a laptop. One short request
// per call, no retries here: the broker asks again on its next tick.

/** What the broker publishes; the arguments are already masked. */
export interface PublishedApproval {
	id: string;
	sessionId: string;
	server: string;
	method: string;
	tool: string | null;
	rule: string;
	/** One line, for collectors that show only a summary. */
	summary: string;
	/** The complete arguments: what the approver sees. */
	arguments: unknown;
	/** The rule lets the person who made the call approve it too. */
	selfApprove: boolean;
	digest: string;
	/** ms since the epoch. */
	expiresAt: number;
}

/** An approval as the collector holds it. */
export interface RemoteDecision {
	status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
	digest: string;
	decidedBy: string | null;
	/** The approver's reason, when they gave one. */
	reason?: string | null;
	/** The arguments the collector shows approvers; undefined from collectors that keep only a summary. */
	arguments?: unknown;
	/** The viewer page where the approval is decided, when the collector says. */
	viewerUrl?: string;
}

/** A failed request; `permanent` when asking again cannot help (the collector refused this approval). */
export class RemoteApprovalError extends Error {
	override name = 'RemoteApprovalError';
	constructor(
		message: string,
		readonly permanent: boolean,
	) {
		super(message);
	}
}

/** The collector side of the approval broker. Every method may throw; the broker carries on. */
export interface RemoteApprovals {
	/** Where people decide approval `id`, until the collector says otherwise. */
	viewerUrl(id: string): string;
	/** Publishes the approval; answers the approval as stored (an earlier publication of the same id wins). */
	publish(approval: PublishedApproval): Promise<RemoteDecision>;
	decision(id: string): Promise<RemoteDecision>;
	/** The call is no longer held: closes the approval unless it was decided first; answers the final state. */
	withdraw(id: string, status: 'expired' | 'cancelled', timeoutMs?: number): Promise<RemoteDecision>;
}

export function createCollectorApprovals(options: { endpoint: string; accessToken: () => Promise<string>; timeoutMs?: number }): RemoteApprovals {
	const endpoint = options.endpoint.replace(/\/+$/, '');
	const call = async (method: string, path: string, body?: unknown, timeoutMs = options.timeoutMs ?? 3000): Promise<RemoteDecision> => {
		const response = await fetch(`${endpoint}${path}`, {
			method,
			headers: { authorization: `Bearer ${await options.accessToken()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
		if (!response.ok) {
			const error = answer.error as { message?: string } | undefined;
			// A 4xx other than an expired token or a busy server will be the same next time.
			const permanent = response.status >= 400 && response.status < 500 && ![401, 408, 429].includes(response.status);
			throw new RemoteApprovalError(`${method} ${path}: HTTP ${response.status}${error?.message ? ` (${error.message})` : ''}`, permanent);
		}
		return {
			status: answer.status as RemoteDecision['status'],
			digest: String(answer.digest),
			decidedBy: typeof answer.decidedBy === 'string' ? answer.decidedBy : null,
			...(typeof answer.reason === 'string' ? { reason: answer.reason } : {}),
			...('arguments' in answer && answer.arguments !== null ? { arguments: answer.arguments } : {}),
			...(typeof answer.viewerUrl === 'string' ? { viewerUrl: answer.viewerUrl } : {}),
		};
	};
	return {
		viewerUrl: (id) => `${endpoint}/approvals/${encodeURIComponent(id)}`,
		publish: (approval) => call('POST', '/api/v1/approvals', { ...approval, expiresAt: new Date(approval.expiresAt).toISOString() }),
		decision: (id) => call('GET', `/api/v1/approvals/${encodeURIComponent(id)}`),
		withdraw: (id, status, timeoutMs) => call('POST', `/api/v1/approvals/${encodeURIComponent(id)}/withdraw`, { status }, timeoutMs),
	};
}
