// Holds calls that a policy rule wants a person to confirm, and finds that person
// (DESIGN §3 "Blocking and approval"), in this order:
//   1. a grant in force (`mcprec grant`) approves at once;
//   2. a modern-era client that can elicit gets an `input_required` result (MCP 2026-07-28
//      multi round-trip requests) and retries the call with the answer;
//   3. a legacy-era client that declared `elicitation` is asked with mcprec's own
//      `elicitation/create`;
//   4. otherwise the call waits as a pending approval in the store, settled by
//      `mcprec approve|deny <id>` from another terminal or, when a collector is
//      configured, in its web viewer (published there and polled; channel `viewer`).
// No answer within the rule's timeout, a decline, a cancel → denied.

import { randomBytes } from 'node:crypto';
import type { SessionContext } from '../pipeline/session-context.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { RemoteApprovals, RemoteDecision } from '../sync/collector-approvals.js';
import { closeApproval, findGrant, insertApproval, newApprovalId, readApprovals } from './approval-store.js';
import { APPROVAL_INPUT_KEY, approvalElicitation, readElicitationAnswer, type HeldCall } from './approval-prompt.js';

export type ApprovalOutcome =
	| { decision: 'approved' | 'denied'; via: string; reason: string; approvalId?: string }
	| { decision: 'cancelled'; via: 'client'; reason: string }
	| { decision: 'input-required'; result: Record<string, unknown> };

export interface ApprovalRequest {
	/** The held request's id in its stable text form. */
	rpcKey: string;
	call: HeldCall;
	digest: string;
	timeoutMs: number;
}

const STATE_PREFIX = 'mcprec-approval:';

/** True when a retried call carries the requestState of mcprec's own approval question. */
export function isApprovalState(requestState: unknown): requestState is string {
	return typeof requestState === 'string' && requestState.startsWith(STATE_PREFIX);
}

interface Waiting {
	request: ApprovalRequest;
	settle: (outcome: ApprovalOutcome) => void;
	approvalId?: string;
	timer: NodeJS.Timeout;
	onCancel?: () => void;
	/** The collector holds it too (published); its decision is polled. */
	published?: boolean;
}

export interface ApprovalBrokerOptions {
	sessionId: string;
	openDatabase: () => StoreDatabase;
	pollMs?: number;
	/** The collector, when `sync.endpoint` is set and someone is signed in. */
	remote?: RemoteApprovals;
	/** How often the collector is asked (default 1 s). */
	remotePollMs?: number;
}

export class ApprovalBroker {
	private readonly waiting = new Map<string, Waiting>();
	private readonly issuedStates = new Map<string, { digest: string; expiresAt: number; call: HeldCall }>();
	private database: StoreDatabase | undefined;
	private poller: NodeJS.Timeout | undefined;
	private lastRemotePoll = 0;
	private remotePolling = false;

	constructor(private readonly options: ApprovalBrokerOptions) {}

	hold(request: ApprovalRequest, context: SessionContext): Promise<ApprovalOutcome> {
		const grant = this.grantFor(request, context);
		if (grant) return Promise.resolve({ decision: 'approved', via: 'grant', reason: `pre-approved by grant ${grant}` });
		const canElicit = context.clientCapabilities.elicitation !== undefined;
		if (context.modern && canElicit) return Promise.resolve(this.inputRequired(request, context));
		return new Promise<ApprovalOutcome>((resolve) => {
			const waiting: Waiting = {
				request,
				settle: (outcome) => {
					if (!this.waiting.has(request.rpcKey)) return;
					this.waiting.delete(request.rpcKey);
					clearTimeout(waiting.timer);
					this.stopPollingIfIdle();
					resolve(outcome);
				},
				timer: setTimeout(() => this.expire(request.rpcKey, context), request.timeoutMs),
			};
			this.waiting.set(request.rpcKey, waiting);
			if (canElicit) this.askClient(waiting, context);
			else this.askOutOfBand(waiting, context);
		});
	}

	/** A retried call (modern era) that carries our requestState: approved once, or denied. */
	resumeRetry(requestState: unknown, inputResponses: unknown, digest: string): ApprovalOutcome | undefined {
		if (!isApprovalState(requestState)) return undefined;
		const token = requestState.slice(STATE_PREFIX.length);
		const issued = this.issuedStates.get(token);
		this.issuedStates.delete(token);
		if (!issued) return { decision: 'denied', via: 'input_required', reason: 'unknown or already used approval state' };
		if (issued.expiresAt < Date.now()) return { decision: 'denied', via: 'input_required', reason: 'the approval question expired' };
		if (issued.digest !== digest) {
			return { decision: 'denied', via: 'input_required', reason: 'the retried call differs from the one that was asked about' };
		}
		const answer = (inputResponses as Record<string, unknown> | undefined)?.[APPROVAL_INPUT_KEY];
		const { approved, reason } = readElicitationAnswer(answer);
		return { decision: approved ? 'approved' : 'denied', via: 'input_required', reason };
	}

	/** The client cancelled the held request: stop asking, deny quietly. */
	cancel(rpcKey: string): void {
		const waiting = this.waiting.get(rpcKey);
		if (!waiting) return;
		waiting.onCancel?.();
		if (waiting.approvalId) this.closeInStore(waiting.approvalId, 'cancelled', 'client');
		waiting.settle({ decision: 'cancelled', via: 'client', reason: 'the client cancelled the call' });
	}

	/** Denies everything still waiting (the session is ending). */
	close(): void {
		for (const rpcKey of [...this.waiting.keys()]) {
			const waiting = this.waiting.get(rpcKey)!;
			if (waiting.approvalId) this.closeInStore(waiting.approvalId, 'cancelled', 'session-end');
			waiting.settle({ decision: 'denied', via: 'session-end', reason: 'the session ended' });
		}
		try {
			this.database?.close();
		} catch {
			// nothing left to tell
		}
		this.database = undefined;
	}

	private grantFor(request: ApprovalRequest, context: SessionContext): string | undefined {
		try {
			return findGrant(this.store(), request.call.server, request.call.tool ?? request.call.method, context.now())?.id;
		} catch {
			return undefined;
		}
	}

	private inputRequired(request: ApprovalRequest, context: SessionContext): ApprovalOutcome {
		const token = randomBytes(12).toString('base64url');
		this.issuedStates.set(token, { digest: request.digest, expiresAt: Date.now() + request.timeoutMs, call: request.call });
		context.note({ kind: 'decision', details: { step: 'asked', channel: 'input_required', rule: request.call.rule } }, request.rpcKey);
		return {
			decision: 'input-required',
			result: {
				resultType: 'input_required',
				inputRequests: { [APPROVAL_INPUT_KEY]: { method: 'elicitation/create', params: approvalElicitation(request.call) } },
				requestState: `${STATE_PREFIX}${token}`,
			},
		};
	}

	private askClient(waiting: Waiting, context: SessionContext): void {
		const { request } = waiting;
		context.note({ kind: 'decision', details: { step: 'asked', channel: 'elicitation', rule: request.call.rule } }, request.rpcKey);
		context
			.requestClient('elicitation/create', approvalElicitation(request.call), request.timeoutMs)
			.then((response) => {
				if (response.error !== undefined) {
					waiting.settle({ decision: 'denied', via: 'elicitation', reason: 'the client could not ask (elicitation failed)' });
					return;
				}
				const { approved, reason } = readElicitationAnswer(response.result);
				waiting.settle({ decision: approved ? 'approved' : 'denied', via: 'elicitation', reason });
			})
			.catch(() => waiting.settle({ decision: 'denied', via: 'elicitation', reason: 'no answer from the client' }));
	}

	private askOutOfBand(waiting: Waiting, context: SessionContext): void {
		const { request } = waiting;
		const now = context.now();
		const id = newApprovalId();
		try {
			insertApproval(this.store(), {
				id,
				session_id: this.options.sessionId,
				server: request.call.server,
				method: request.call.method,
				tool: request.call.tool ?? null,
				rule: request.call.rule,
				digest: request.digest,
				summary: request.call.summary,
				requested_at: now,
				expires_at: now + request.timeoutMs * 1000,
			});
		} catch (error) {
			waiting.settle({ decision: 'denied', via: 'store', reason: `the approval could not be stored (${(error as Error).message})` });
			return;
		}
		waiting.approvalId = id;
		context.note({ kind: 'decision', details: { step: 'asked', channel: 'out-of-band', approvalId: id, rule: request.call.rule } }, request.rpcKey);
		process.stderr.write(
			`mcprec: call to '${request.call.tool ?? request.call.method}' on '${request.call.server}' is waiting for approval: run \`mcprec approve ${id}\` or \`mcprec deny ${id}\`${this.options.remote ? ' or decide in the collector\'s viewer' : ''} (${formatSeconds(request.timeoutMs)})\n`,
		);
		this.startPolling();
		this.publish(waiting, id, Math.floor(now / 1000) + request.timeoutMs);
	}

	// Best effort: the local store already holds the approval, so a collector that cannot
	// be reached only means the viewer cannot settle this one.
	private publish(waiting: Waiting, id: string, expiresAtMs: number): void {
		const { remote } = this.options;
		if (!remote) return;
		const { call, digest } = waiting.request;
		remote
			.publish({ id, sessionId: this.options.sessionId, server: call.server, method: call.method, tool: call.tool ?? null, rule: call.rule, summary: call.summary, digest, expiresAt: expiresAtMs })
			.then(() => {
				waiting.published = true;
			})
			.catch((error: unknown) => process.stderr.write(`mcprec: could not offer approval ${id} to the collector (${(error as Error).message}); approve it with \`mcprec approve ${id}\`\n`));
	}

	private pollRemote(): void {
		const { remote } = this.options;
		if (!remote || this.remotePolling || Date.now() - this.lastRemotePoll < (this.options.remotePollMs ?? 1000)) return;
		const published = [...this.waiting.values()].filter((waiting) => waiting.published && waiting.approvalId);
		if (published.length === 0) return;
		this.lastRemotePoll = Date.now();
		this.remotePolling = true;
		Promise.all(
			published.map((waiting) =>
				remote.decision(waiting.approvalId!).then(
					(decision) => this.settleFromRemote(waiting, decision),
					() => {}, // unreachable now; asked again on a later tick
				),
			),
		).finally(() => {
			this.remotePolling = false;
		});
	}

	private settleFromRemote(waiting: Waiting, decision: RemoteDecision): void {
		if (decision.status !== 'approved' && decision.status !== 'denied') return;
		const id = waiting.approvalId!;
		const matches = decision.digest === waiting.request.digest;
		const status = matches ? decision.status : 'denied';
		// Mirrored into the local store so `mcprec approvals` tells the same story.
		try {
			closeApproval(this.store(), id, status, 'viewer', Date.now() * 1000, decision.decidedBy ?? undefined);
		} catch {
			// the held call is settled either way
		}
		const who = decision.decidedBy ? ` by ${decision.decidedBy}` : '';
		waiting.settle({
			decision: status,
			via: 'viewer',
			reason: matches ? `${status}${who} in the viewer` : 'the approval does not match the held call',
			approvalId: id,
		});
	}

	private expire(rpcKey: string, context: SessionContext): void {
		// A decision made just before the deadline may not have been polled yet.
		if (this.waiting.get(rpcKey)?.approvalId) this.poll();
		const waiting = this.waiting.get(rpcKey);
		if (!waiting) return;
		if (waiting.approvalId) this.closeInStore(waiting.approvalId, 'expired', 'timeout', context.now());
		waiting.settle({
			decision: 'denied',
			via: 'timeout',
			reason: `no decision within ${formatSeconds(waiting.request.timeoutMs)}`,
			approvalId: waiting.approvalId,
		});
	}

	private startPolling(): void {
		if (this.poller) return;
		this.poller = setInterval(() => this.poll(), this.options.pollMs ?? 250);
	}

	private stopPollingIfIdle(): void {
		if (!this.poller) return;
		if ([...this.waiting.values()].some((waiting) => waiting.approvalId)) return;
		clearInterval(this.poller);
		this.poller = undefined;
	}

	private poll(): void {
		this.pollRemote();
		const byId = new Map<string, Waiting>();
		for (const waiting of this.waiting.values()) if (waiting.approvalId) byId.set(waiting.approvalId, waiting);
		let rows;
		try {
			rows = readApprovals(this.store(), [...byId.keys()]);
		} catch {
			return; // a busy store is read again on the next tick
		}
		for (const row of rows) {
			const waiting = byId.get(row.id);
			if (!waiting || row.status === 'pending') continue;
			if (row.digest !== waiting.request.digest) {
				waiting.settle({ decision: 'denied', via: row.channel ?? 'store', reason: 'the approval does not match the held call', approvalId: row.id });
				continue;
			}
			const who = row.decided_by ? ` by ${row.decided_by}` : '';
			waiting.settle({
				decision: row.status === 'approved' ? 'approved' : 'denied',
				via: row.channel ?? 'cli',
				reason: `${row.status}${who}`,
				approvalId: row.id,
			});
		}
	}

	private closeInStore(id: string, status: 'expired' | 'cancelled', channel: string, now = Date.now() * 1000): void {
		try {
			closeApproval(this.store(), id, status, channel, now);
		} catch {
			// The held call is settled either way; the row stays pending until it expires.
		}
	}

	private store(): StoreDatabase {
		this.database ??= this.options.openDatabase();
		return this.database;
	}
}

function formatSeconds(ms: number): string {
	const seconds = ms / 1000;
	return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}
