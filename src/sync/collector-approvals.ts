// Pending approvals relayed through the collector (README "Collector API", approvals), so a
// person in the web viewer can settle a call held by `mcprec run` on a laptop. One short
// request per call, no retries: the broker polls again anyway, and the local store stays
// the path that always works.

/** What the broker publishes; the summary is already masked. */
export interface PublishedApproval {
	id: string;
	sessionId: string;
	server: string;
	method: string;
	tool: string | null;
	rule: string;
	summary: string;
	digest: string;
	/** ms since the epoch. */
	expiresAt: number;
}

export interface RemoteDecision {
	status: 'pending' | 'approved' | 'denied' | 'expired';
	digest: string;
	decidedBy: string | null;
}

/** The collector side of the approval broker. Every method may throw; the broker carries on. */
export interface RemoteApprovals {
	publish(approval: PublishedApproval): Promise<void>;
	decision(id: string): Promise<RemoteDecision>;
}

export function createCollectorApprovals(options: { endpoint: string; accessToken: () => Promise<string>; timeoutMs?: number }): RemoteApprovals {
	const endpoint = options.endpoint.replace(/\/+$/, '');
	const call = async (method: string, path: string, body?: unknown) => {
		const response = await fetch(`${endpoint}${path}`, {
			method,
			headers: { authorization: `Bearer ${await options.accessToken()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
		});
		const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
		if (!response.ok) {
			const error = answer.error as { message?: string } | undefined;
			throw new Error(`${method} ${path}: HTTP ${response.status}${error?.message ? ` (${error.message})` : ''}`);
		}
		return answer;
	};
	return {
		async publish(approval) {
			await call('POST', '/api/v1/approvals', { ...approval, expiresAt: new Date(approval.expiresAt).toISOString() });
		},
		async decision(id) {
			const answer = await call('GET', `/api/v1/approvals/${encodeURIComponent(id)}`);
			return { status: answer.status as RemoteDecision['status'], digest: String(answer.digest), decidedBy: typeof answer.decidedBy === 'string' ? answer.decidedBy : null };
		},
	};
}
