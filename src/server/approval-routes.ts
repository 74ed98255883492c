// Held calls settled through the collector (DESIGN §3): a run process publishes its pending
// approval, members of the approver group approve or deny it (API or viewer), and the run
// process polls the decision. Owners see their own; approvers see all. The person who made
// the call never approves it here unless its policy rule says `selfApprove: true`, and a call
// the run process stopped holding (timeout, cancel, session end) is withdrawn, so no
// decision can follow one that was already taken on the laptop.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, forbidden, notFound } from './api-error.js';
import { SESSION_ID } from './session-document.js';
import type { ApprovalInput, CollectorApproval, CollectorStore, StoreClock } from './store/collector-store.js';
import { systemClock } from './store/collector-store.js';
import type { Principal } from './verify-access-token.js';
import { withAuth } from './route-auth.js';

const APPROVAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A run process never holds a call longer than this; later expiries are refused. */
const MAX_HOLD_MS = 24 * 3600_000;
/** The complete arguments of one held call, as JSON text: more is refused (the call is then denied on the laptop). */
export const MAX_ARGUMENTS_BYTES = 4 * 1024 * 1024;

export interface ApprovalRouteOptions {
	clock?: StoreClock;
	/** The viewer page of an approval, when the collector serves the viewer. */
	viewerUrl?: (request: FastifyRequest, id: string) => string;
}

export function registerApprovalRoutes(app: FastifyInstance, store: CollectorStore, options: ApprovalRouteOptions = {}): void {
	const clock = options.clock ?? systemClock;
	const view = (request: FastifyRequest, approval: CollectorApproval) => ({
		...approvalView(approval, clock.now()),
		...(options.viewerUrl ? { viewerUrl: options.viewerUrl(request, approval.id) } : {}),
	});

	app.post('/api/v1/approvals', withAuth('bearer'), async (request, reply) => {
		const principal = request.principal!;
		const input = parseApprovalInput(request.body, principal, clock.now());
		const result = await store.putApproval(input);
		if (result.kind === 'owned-by-other') throw new ApiError(409, 'approval_exists', `approval '${input.id}' was published by another user; publish it under a new id`);
		return reply.status(result.created ? 201 : 200).send(view(request, result.approval));
	});

	app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/approvals', withAuth('bearer'), async (request) => {
		const principal = request.principal!;
		const status = request.query.status ?? 'pending';
		if (status !== 'pending' && status !== 'all') throw badRequest('invalid_query', `'status' must be pending or all, got '${status}'`);
		const approvals = await listVisibleApprovals(store, principal, { status, now: clock.now() });
		return { approvals: approvals.map((approval) => view(request, approval)) };
	});

	app.get<{ Params: { id: string } }>('/api/v1/approvals/:id', withAuth('bearer'), async (request) => {
		const approval = await readVisibleApproval(store, request.principal!, request.params.id);
		return view(request, approval);
	});

	// The run process that published a call no longer holds it; the answer is the final state
	// (a decision made just before wins, and the run process honours it).
	app.post<{ Params: { id: string } }>('/api/v1/approvals/:id/withdraw', withAuth('bearer'), async (request) => {
		const id = approvalIdParam(request.params.id);
		const status = (request.body as { status?: unknown } | null)?.status;
		if (status !== 'expired' && status !== 'cancelled') throw badRequest('invalid_withdrawal', `the body must be {"status": "expired"} or {"status": "cancelled"}, got ${JSON.stringify(status ?? null)}`);
		const result = await store.withdrawApproval({ id, ownerSub: request.principal!.sub, status, now: clock.now() });
		switch (result.kind) {
			case 'unknown':
				throw notFound(`unknown approval '${id}'`);
			case 'not-owner':
				throw forbidden(`approval '${id}' was published by another user; only its publisher may withdraw it`);
			default:
				return view(request, result.approval);
		}
	});

	app.post<{ Params: { id: string } }>('/api/v1/approvals/:id/decision', withAuth('bearer'), async (request) => {
		const body = request.body as { decision?: unknown; reason?: unknown } | null;
		const decision = body?.decision;
		if (decision !== 'approved' && decision !== 'denied') throw badRequest('invalid_decision', `the body must be {"decision": "approved"} or {"decision": "denied"} (with an optional "reason"), got ${JSON.stringify(decision ?? null)}`);
		const approval = await decideAsPrincipal(store, request.principal!, request.params.id, decision, clock.now(), parseReason(body?.reason));
		return view(request, approval);
	});
}

export async function listVisibleApprovals(store: CollectorStore, principal: Principal, options: { status: 'pending' | 'all'; now: number }): Promise<CollectorApproval[]> {
	return store.listApprovals({
		status: options.status === 'pending' ? 'pending' : undefined,
		ownerSub: principal.approver ? undefined : principal.sub,
		now: options.now,
		limit: 200,
	});
}

export async function readVisibleApproval(store: CollectorStore, principal: Principal, id: string): Promise<CollectorApproval> {
	const approval = await store.getApproval(approvalIdParam(id));
	if (!approval) throw notFound(`unknown approval '${id}'`);
	if (approval.ownerSub !== principal.sub && !principal.approver && !principal.auditor) {
		throw forbidden(`approval '${id}' belongs to another user; only its owner and the approver group may read it`);
	}
	return approval;
}

/** True when this person may approve the call: an approver, and not the one who made it unless its rule allows that. */
export function mayApprove(principal: Principal, approval: CollectorApproval): boolean {
	return principal.approver && (approval.ownerSub !== principal.sub || approval.selfApprove);
}

/** The decision rules the API and the viewer share: approvers only, never your own call unless its rule allows it, once, before expiry. */
export async function decideAsPrincipal(store: CollectorStore, principal: Principal, id: string, decision: 'approved' | 'denied', now: number, reason: string | null = null): Promise<CollectorApproval> {
	approvalIdParam(id);
	if (!principal.approver) throw forbidden('only members of the approver group may approve or deny held calls');
	if (decision === 'approved') {
		const approval = await store.getApproval(id);
		if (approval && !mayApprove(principal, approval)) {
			throw new ApiError(403, 'self_approval', `approval '${id}' is for a call you made; another member of the approver group must approve it (its policy rule does not allow self-approval)`);
		}
	}
	const result = await store.decideApproval({ id, decision, decidedBy: principal.email ?? principal.sub, reason, now });
	switch (result.kind) {
		case 'decided':
			return result.approval;
		case 'unknown':
			throw notFound(`unknown approval '${id}'`);
		case 'settled':
			throw new ApiError(409, 'approval_settled', `approval '${id}' is already ${result.approval.status}${result.approval.decidedBy ? ` by ${result.approval.decidedBy}` : ''}`, { status: result.approval.status });
		case 'expired':
			throw new ApiError(409, 'approval_expired', `approval '${id}' expired at ${new Date(result.approval.expiresAt).toISOString()}; the held call was denied`, { status: 'expired' });
	}
}

/** The longest reason kept with a decision, in characters. */
export const MAX_REASON_CHARS = 2000;

/** An approver's reason: trimmed, empty means none; a reason longer than MAX_REASON_CHARS is refused, not cut. */
export function parseReason(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') throw badRequest('invalid_decision', `'reason' must be text, got ${JSON.stringify(value)}`);
	const reason = value.trim();
	if (reason.length > MAX_REASON_CHARS) throw badRequest('invalid_decision', `'reason' is ${reason.length} characters; at most ${MAX_REASON_CHARS} are kept`);
	return reason === '' ? null : reason;
}

/** What readers get: status `expired` once a pending approval's time is up; the complete arguments as JSON (null when only a summary was published). */
export function approvalView(approval: CollectorApproval, now: number) {
	return {
		id: approval.id,
		sessionId: approval.sessionId,
		server: approval.server,
		method: approval.method,
		tool: approval.tool,
		rule: approval.rule,
		summary: approval.summary,
		arguments: approval.arguments === null ? null : (JSON.parse(approval.arguments) as unknown),
		selfApprove: approval.selfApprove,
		digest: approval.digest,
		status: approval.status === 'pending' && approval.expiresAt <= now ? 'expired' : approval.status,
		owner: { sub: approval.ownerSub, email: approval.ownerEmail, groups: approval.ownerGroups },
		requestedAt: new Date(approval.requestedAt).toISOString(),
		expiresAt: new Date(approval.expiresAt).toISOString(),
		decidedAt: approval.decidedAt === null ? null : new Date(approval.decidedAt).toISOString(),
		decidedBy: approval.decidedBy,
		reason: approval.reason,
	};
}

function approvalIdParam(id: string): string {
	if (!APPROVAL_ID.test(id)) throw badRequest('invalid_approval_id', `'${id}' is not an approval id (letters, digits, '-' and '_', at most 64)`);
	return id;
}

function parseApprovalInput(body: unknown, principal: Principal, now: number): ApprovalInput {
	const shape = '{"id", "sessionId", "server", "method", "tool", "rule", "summary", "arguments", "selfApprove", "digest", "expiresAt"}';
	if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('invalid_approval', `the body must be a JSON object ${shape}`);
	const record = body as Record<string, unknown>;
	const text = (name: string, options: { optional?: boolean; max?: number } = {}): string | null => {
		const value = record[name];
		if ((value === undefined || value === null) && options.optional) return null;
		if (typeof value !== 'string' || value === '' || value.length > (options.max ?? 200)) {
			throw badRequest('invalid_approval', `'${name}' must be a non-empty string of at most ${options.max ?? 200} characters, got ${JSON.stringify(value ?? null)}`);
		}
		return value;
	};
	const id = text('id')!;
	approvalIdParam(id);
	const sessionId = text('sessionId')!;
	if (!SESSION_ID.test(sessionId)) throw badRequest('invalid_approval', `'sessionId' is not a session id, got '${sessionId}'`);
	const expiresText = text('expiresAt')!;
	const expiresAt = Date.parse(expiresText);
	if (!Number.isFinite(expiresAt) || !/^\d{4}-\d{2}-\d{2}T/.test(expiresText)) throw badRequest('invalid_approval', `'expiresAt' must be an ISO 8601 time, got '${expiresText}'`);
	if (expiresAt > now + MAX_HOLD_MS) throw badRequest('invalid_approval', `'expiresAt' may be at most 24 hours ahead, got '${expiresText}'`);
	const selfApprove = record.selfApprove ?? false;
	if (typeof selfApprove !== 'boolean') throw badRequest('invalid_approval', `'selfApprove' must be true or false, got ${JSON.stringify(selfApprove)}`);
	const args = record.arguments === undefined ? null : JSON.stringify(record.arguments);
	if (args !== null && Buffer.byteLength(args) > MAX_ARGUMENTS_BYTES) {
		throw badRequest('arguments_too_large', `'arguments' is ${Buffer.byteLength(args)} bytes of JSON; at most ${MAX_ARGUMENTS_BYTES} are shown to approvers`);
	}
	return {
		id,
		ownerSub: principal.sub,
		ownerEmail: principal.email,
		ownerGroups: principal.groups,
		sessionId,
		server: text('server')!,
		method: text('method', { optional: true }) ?? 'tools/call',
		tool: text('tool', { optional: true }),
		rule: text('rule', { optional: true }),
		summary: text('summary', { max: 4000 })!,
		arguments: args,
		selfApprove,
		digest: text('digest')!,
		expiresAt,
	};
}
