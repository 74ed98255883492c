// Holds calls that a policy rule wants a person to confirm, and finds that person
// (DESIGN §3 "Blocking and approval", README "Approvals"). Each held call has one
// authority, fixed when it is held:
//   - without a collector (or for a rule with `selfApprove: true`), the person who made the
//     call may decide: a grant in force (`mcprec grant`) approves at once; a modern-era
//     client that can elicit gets an `input_required` result (MCP 2026-07-28 multi
//     round-trip requests); a legacy-era client that declared `elicitation` is asked with
//     mcprec's own `elicitation/create`;
//   - otherwise the call waits as a pending approval. Without a collector it is `local`:
//     `mcprec approve|deny <id>` from another terminal settles it. With a collector
//     (`sync.endpoint` and a login) it is the collector's: published there, settled by its
//     approver group (never the requester, unless the rule allows it), polled from here;
//     `mcprec approve|deny` refuse it, and a local store edit cannot settle it either.
// No answer within the rule's timeout, a decline, a cancel → denied. A call held at the
// collector that ends here (timeout, client cancel, session end) is withdrawn there, so no
// decision can follow; a decision that got there first is honoured.

import { randomBytes } from 'node:crypto';
import type { SessionContext } from '../pipeline/session-context.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { RemoteApprovals, RemoteDecision } from '../sync/collector-approvals.js';
import { closeApproval, findGrant, insertApproval, newApprovalId, readApprovals, setDecideUrl, type ApprovalAuthority } from './approval-store.js';
import { APPROVAL_INPUT_KEY, approvalElicitation, readElicitationAnswer, type HeldCall } from './approval-prompt.js';
import { canonicalJson } from './call-digest.js';
import { argumentsSummary, compactArguments } from './format-arguments.js';

export type ApprovalOutcome =
	| { decision: 'approved' | 'denied'; via: string; reason: string; approvalId?: string; authority?: ApprovalAuthority; decidedBy?: string; approverReason?: string }
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
	authority?: ApprovalAuthority;
	timer: NodeJS.Timeout;
	onCancel?: () => void;
	/** ms since the epoch. */
	expiresAt?: number;
	/** The collector accepted it: its decision is polled. */
	published?: boolean;
	/** A publication is on its way. */
	publishing?: boolean;
	/** When to offer it to the collector again (ms since the epoch). */
	retryAt?: number;
	/** Why the last offer failed (said once on stderr). */
	failure?: string;
	/** The timeout is being settled with the collector. */
	expiring?: boolean;
}

export interface ApprovalBrokerOptions {
	sessionId: string;
	openDatabase: () => StoreDatabase;
	pollMs?: number;
	/** The collector, when `sync.endpoint` is set and someone is signed in: then it decides held calls. */
	remote?: RemoteApprovals;
	/** How often the collector is asked (default 1 s). */
	remotePollMs?: number;
	/** Tells the person something (`run`: a line on stderr). */
	announce: (text: string) => void;
	/** ms since the epoch (default Date.now): one clock for expiries, polls and grants. */
	nowMs?: () => number;
}

export class ApprovalBroker {
	private readonly waiting = new Map<string, Waiting>();
	private readonly issuedStates = new Map<string, { digest: string; expiresAt: number; call: HeldCall }>();
	private readonly withdrawals = new Set<Promise<void>>();
	private database: StoreDatabase | undefined;
	private poller: NodeJS.Timeout | undefined;
	private lastRemotePoll = 0;
	private remotePolling = false;

	private readonly nowMs: () => number;

	constructor(private readonly options: ApprovalBrokerOptions) {
		this.nowMs = options.nowMs ?? Date.now;
	}

	hold(request: ApprovalRequest, context: SessionContext): Promise<ApprovalOutcome> {
		// With a collector, the person who made the call does not decide it, unless the rule says so.
		const requesterDecides = !this.options.remote || request.call.selfApprove === true;
		if (requesterDecides) {
			const grant = this.grantFor(request, context);
			if (grant) return Promise.resolve({ decision: 'approved', via: 'grant', reason: `pre-approved by grant ${grant}`, authority: 'local' });
		}
		const canElicit = requesterDecides && context.clientCapabilities.elicitation !== undefined;
		if (context.modern && canElicit) return Promise.resolve(this.inputRequired(request, context));
		return new Promise<ApprovalOutcome>((resolve) => {
			const waiting: Waiting = {
				request,
				settle: (outcome) => {
					if (this.waiting.get(request.rpcKey) !== waiting) return;
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
		if (issued.expiresAt < this.nowMs()) return { decision: 'denied', via: 'input_required', reason: 'the approval question expired' };
		if (issued.digest !== digest) {
			return { decision: 'denied', via: 'input_required', reason: 'the retried call differs from the one that was asked about' };
		}
		const answer = (inputResponses as Record<string, unknown> | undefined)?.[APPROVAL_INPUT_KEY];
		const { approved, reason } = readElicitationAnswer(answer);
		return { decision: approved ? 'approved' : 'denied', via: 'input_required', reason, authority: 'local' };
	}

	/** The client cancelled the held request: stop asking, deny quietly. */
	cancel(rpcKey: string): void {
		const waiting = this.waiting.get(rpcKey);
		if (!waiting) return;
		waiting.onCancel?.();
		if (waiting.approvalId) this.closeInStore(waiting.approvalId, 'cancelled', 'client');
		if (waiting.authority === 'collector') this.withdrawQuietly(waiting.approvalId!);
		waiting.settle({ decision: 'cancelled', via: 'client', reason: 'the client cancelled the call' });
	}

	/** Denies every call still waiting: the session is ending (its outcome is recorded before the end). */
	denyWaiting(): void {
		for (const rpcKey of [...this.waiting.keys()]) {
			const waiting = this.waiting.get(rpcKey)!;
			if (waiting.approvalId) this.closeInStore(waiting.approvalId, 'cancelled', 'session-end');
			if (waiting.authority === 'collector') this.withdrawQuietly(waiting.approvalId!);
			waiting.settle({ decision: 'denied', via: 'session-end', reason: 'the session ended', ...(waiting.approvalId ? { approvalId: waiting.approvalId } : {}) });
		}
	}

	/** Denies everything still waiting (the session is ending); resolves once the collector heard of it (at most ~2 s). */
	async close(): Promise<void> {
		this.denyWaiting();
		try {
			this.database?.close();
		} catch {
			// nothing left to tell
		}
		this.database = undefined;
		await Promise.allSettled([...this.withdrawals]);
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
		this.issuedStates.set(token, { digest: request.digest, expiresAt: this.nowMs() + request.timeoutMs, call: request.call });
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
					waiting.settle({ decision: 'denied', via: 'elicitation', reason: 'the client could not ask (elicitation failed)', authority: 'local' });
					return;
				}
				const { approved, reason } = readElicitationAnswer(response.result);
				waiting.settle({ decision: approved ? 'approved' : 'denied', via: 'elicitation', reason, authority: 'local' });
			})
			.catch(() => waiting.settle({ decision: 'denied', via: 'elicitation', reason: 'no answer from the client', authority: 'local' }));
	}

	private askOutOfBand(waiting: Waiting, context: SessionContext): void {
		const { request } = waiting;
		const { remote } = this.options;
		const now = context.now();
		const id = newApprovalId();
		const authority: ApprovalAuthority = remote ? 'collector' : 'local';
		const decideUrl = remote?.viewerUrl(id) ?? null;
		try {
			insertApproval(this.store(), {
				id,
				session_id: this.options.sessionId,
				server: request.call.server,
				method: request.call.method,
				tool: request.call.tool ?? null,
				rule: request.call.rule,
				digest: request.digest,
				summary: argumentsSummary(request.call.arguments),
				arguments: compactArguments(request.call.arguments),
				authority,
				decide_url: decideUrl,
				requested_at: now,
				expires_at: now + request.timeoutMs * 1000,
			});
		} catch (error) {
			waiting.settle({ decision: 'denied', via: 'store', reason: `the approval could not be stored (${(error as Error).message})` });
			return;
		}
		waiting.approvalId = id;
		waiting.authority = authority;
		waiting.expiresAt = Math.floor(now / 1000) + request.timeoutMs;
		context.note(
			{ kind: 'decision', details: { step: 'asked', channel: 'out-of-band', authority, approvalId: id, rule: request.call.rule, ...(decideUrl ? { url: decideUrl } : {}) } },
			request.rpcKey,
		);
		if (authority === 'local') {
			this.announce(
				`call to '${request.call.tool ?? request.call.method}' on '${request.call.server}' is waiting for approval: run \`mcprec approve ${id}\` or \`mcprec deny ${id}\` (${formatSeconds(request.timeoutMs)})`,
			);
		} else {
			this.offer(waiting);
		}
		this.startPolling();
	}

	// Offers the approval to the collector; on failure it is offered again on later ticks
	// until it expires. It is never settled here instead: with a collector configured, the
	// collector's approver group is the only one who decides.
	private offer(waiting: Waiting): void {
		const remote = this.options.remote!;
		const { call, digest, rpcKey, timeoutMs } = waiting.request;
		const id = waiting.approvalId!;
		waiting.publishing = true;
		const published = {
			id,
			sessionId: this.options.sessionId,
			server: call.server,
			method: call.method,
			tool: call.tool ?? null,
			rule: call.rule,
			summary: argumentsSummary(call.arguments),
			arguments: call.arguments ?? {},
			selfApprove: call.selfApprove === true,
			digest,
			expiresAt: waiting.expiresAt!,
		};
		remote.publish(published).then(
			(stored) => {
				waiting.publishing = false;
				if (this.waiting.get(rpcKey) !== waiting) return;
				// Ids are visible locally: someone may have published other arguments under this one first.
				if (!sameCall(stored, waiting.request)) {
					this.closeInStore(id, 'denied', 'collector');
					waiting.settle({ decision: 'denied', via: 'collector', reason: `the collector holds a different call under approval id ${id}`, approvalId: id, authority: 'collector' });
					return;
				}
				waiting.published = true;
				const url = stored.viewerUrl ?? remote.viewerUrl(id);
				try {
					setDecideUrl(this.store(), id, url);
				} catch {
					// `mcprec approvals` then shows the collector's address as guessed
				}
				this.announce(
					`call to '${call.tool ?? call.method}' on '${call.server}' is waiting for approval ${id} by the collector's approver group: ${url} (${formatSeconds(timeoutMs)})`,
				);
				this.settleFromRemote(waiting, stored);
			},
			(error: unknown) => {
				waiting.publishing = false;
				if (this.waiting.get(rpcKey) !== waiting) return;
				const message = (error as Error).message;
				if ((error as { permanent?: boolean }).permanent) {
					this.closeInStore(id, 'denied', 'collector');
					waiting.settle({ decision: 'denied', via: 'collector', reason: `the collector refused approval ${id}: ${message}`, approvalId: id, authority: 'collector' });
					return;
				}
				waiting.retryAt = this.nowMs() + 2 * (this.options.remotePollMs ?? 1000);
				if (waiting.failure === undefined) {
					this.announce(
						`call to '${call.tool ?? call.method}' on '${call.server}' is waiting for approval ${id}, which could not be offered to the collector yet (${message}); trying again until it expires (${formatSeconds(timeoutMs)}). Only the collector's approver group can decide it.`,
					);
				}
				waiting.failure = message;
			},
		);
	}

	private pollRemote(): void {
		const { remote } = this.options;
		if (!remote) return;
		const held = [...this.waiting.values()].filter((waiting) => waiting.authority === 'collector' && !waiting.expiring);
		for (const waiting of held) {
			if (!waiting.published && !waiting.publishing && (waiting.retryAt ?? 0) <= this.nowMs()) this.offer(waiting);
		}
		if (this.remotePolling || this.nowMs() - this.lastRemotePoll < (this.options.remotePollMs ?? 1000)) return;
		const published = held.filter((waiting) => waiting.published);
		if (published.length === 0) return;
		this.lastRemotePoll = this.nowMs();
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

	/** Settles the call when the collector has decided it; false while it has not. */
	private settleFromRemote(waiting: Waiting, decision: RemoteDecision): boolean {
		if (decision.status !== 'approved' && decision.status !== 'denied') return false;
		if (this.waiting.get(waiting.request.rpcKey) !== waiting) return true;
		const id = waiting.approvalId!;
		const matches = sameCall(decision, waiting.request);
		const status = matches ? decision.status : 'denied';
		// Mirrored into the local store so `mcprec approvals` tells the same story.
		try {
			closeApproval(this.store(), id, status, 'viewer', this.nowMs() * 1000, decision.decidedBy ?? undefined, (matches && decision.reason) || undefined);
		} catch {
			// the held call is settled either way
		}
		const who = decision.decidedBy ? ` by ${decision.decidedBy}` : '';
		const words = matches && decision.reason ? decision.reason : undefined;
		waiting.settle({
			decision: status,
			via: 'viewer',
			reason: matches ? `${status}${who} in the viewer${words ? `: ${words}` : ''}` : 'the approval does not match the held call',
			approvalId: id,
			authority: 'collector',
			...(matches && decision.decidedBy ? { decidedBy: decision.decidedBy } : {}),
			...(words ? { approverReason: words } : {}),
		});
		return true;
	}

	private expire(rpcKey: string, context: SessionContext): void {
		const waiting = this.waiting.get(rpcKey);
		if (!waiting) return;
		const reason = `no decision within ${formatSeconds(waiting.request.timeoutMs)}`;
		if (waiting.authority === 'collector') {
			// Withdrawn at the collector first, so no decision can land after this one; a
			// decision that got there just before wins.
			if (waiting.expiring) return;
			waiting.expiring = true;
			const id = waiting.approvalId!;
			const timedOut = () => {
				this.closeInStore(id, 'expired', 'timeout', context.now());
				const detail = waiting.published || waiting.failure === undefined ? '' : ` (the collector could not be reached: ${waiting.failure})`;
				waiting.settle({ decision: 'denied', via: 'timeout', reason: `${reason}${detail}`, approvalId: id, authority: 'collector' });
			};
			this.options.remote!.withdraw(id, 'expired').then(
				(decision) => this.settleFromRemote(waiting, decision) || timedOut(),
				() => timedOut(),
			);
			return;
		}
		// A decision made just before the deadline may not have been read yet.
		if (waiting.approvalId) this.pollLocal();
		if (this.waiting.get(rpcKey) !== waiting) return;
		if (waiting.approvalId) this.closeInStore(waiting.approvalId, 'expired', 'timeout', context.now());
		waiting.settle({
			decision: 'denied',
			via: 'timeout',
			reason,
			approvalId: waiting.approvalId,
			...(waiting.authority ? { authority: waiting.authority } : {}),
		});
	}

	private withdrawQuietly(id: string): void {
		const withdrawal = this.options.remote!.withdraw(id, 'cancelled', 2000).then(
			() => {},
			() => {}, // it expires at the collector anyway
		);
		this.withdrawals.add(withdrawal);
		void withdrawal.finally(() => this.withdrawals.delete(withdrawal));
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
		this.pollLocal();
	}

	// Only calls held locally are settled from the store: the row of a call the collector
	// holds is a mirror, and changing it here decides nothing.
	private pollLocal(): void {
		const byId = new Map<string, Waiting>();
		for (const waiting of this.waiting.values()) if (waiting.approvalId && waiting.authority === 'local') byId.set(waiting.approvalId, waiting);
		if (byId.size === 0) return;
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
				waiting.settle({ decision: 'denied', via: row.channel ?? 'store', reason: 'the approval does not match the held call', approvalId: row.id, authority: 'local' });
				continue;
			}
			const who = row.decided_by ? ` by ${row.decided_by}` : '';
			waiting.settle({
				decision: row.status === 'approved' ? 'approved' : 'denied',
				via: row.channel ?? 'cli',
				reason: `${row.status}${who}${row.reason ? `: ${row.reason}` : ''}`,
				approvalId: row.id,
				authority: 'local',
				...(row.decided_by ? { decidedBy: row.decided_by } : {}),
				...(row.reason ? { approverReason: row.reason } : {}),
			});
		}
	}

	private closeInStore(id: string, status: 'expired' | 'cancelled' | 'denied', channel: string, now = this.nowMs() * 1000): void {
		try {
			closeApproval(this.store(), id, status, channel, now);
		} catch {
			// The held call is settled either way; the row stays pending until it expires.
		}
	}

	private announce(text: string): void {
		this.options.announce(text);
	}

	private store(): StoreDatabase {
		this.database ??= this.options.openDatabase();
		return this.database;
	}
}

// The collector's copy is the call held here: same digest and, when it keeps them, the
// same (masked) arguments, which is what its approvers were shown.
function sameCall(stored: RemoteDecision, request: ApprovalRequest): boolean {
	if (stored.digest !== request.digest) return false;
	return stored.arguments === undefined || canonicalJson(stored.arguments) === canonicalJson(request.call.arguments ?? {});
}

function formatSeconds(ms: number): string {
	const seconds = ms / 1000;
	return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}
