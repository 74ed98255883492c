// Held calls settled through the collector (DESIGN §3): a run process publishes its pending
// approval, members of the approver group approve or deny it (API or viewer), and the run
// process polls the decision. Owners see their own; approvers see all.

import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest, forbidden, notFound } from './api-error.js';
import { SESSION_ID } from './session-document.js';
import type { ApprovalInput, CollectorApproval, CollectorStore, StoreClock } from './store/collector-store.js';
import { systemClock } from './store/collector-store.js';
import type { Principal } from './verify-access-token.js';
import { withAuth } from './route-auth.js';

const APPROVAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A run process never holds a call longer than this; later expiries are refused. */
const MAX_HOLD_MS = 24 * 3600_000;

export function registerApprovalRoutes(app: FastifyInstance, store: CollectorStore, clock: StoreClock = systemClock): void {
	app.post('/api/v1/approvals', withAuth('bearer'), async (request, reply) => {
		const principal = request.principal!;
		const input = parseApprovalInput(request.body, principal, clock.now());
		const result = await store.putApproval(input);
		if (result.kind === 'owned-by-other') throw new ApiError(409, 'approval_exists', `approval '${input.id}' was published by another user; publish it under a new id`);
		return reply.status(result.created ? 201 : 200).send(approvalView(result.approval, clock.now()));
	});

	app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/approvals', withAuth('bearer'), async (request) => {
		const principal = request.principal!;
		const status = request.query.status ?? 'pending';
		if (status !== 'pending' && status !== 'all') throw badRequest('invalid_query', `'status' must be pending or all, got '${status}'`);
		const approvals = await listVisibleApprovals(store, principal, { status, now: clock.now() });
		return { approvals: approvals.map((approval) => approvalView(approval, clock.now())) };
	});

	app.get<{ Params: { id: string } }>('/api/v1/approvals/:id', withAuth('bearer'), async (request) => {
		const approval = await readVisibleApproval(store, request.principal!, request.params.id);
		return approvalView(approval, clock.now());
	});

	app.post<{ Params: { id: string } }>('/api/v1/approvals/:id/decision', withAuth('bearer'), async (request) => {
		const body = request.body as { decision?: unknown } | null;
		const decision = body?.decision;
		if (decision !== 'approved' && decision !== 'denied') throw badRequest('invalid_decision', `the body must be {"decision": "approved"} or {"decision": "denied"}, got ${JSON.stringify(decision ?? null)}`);
		const approval = await decideAsPrincipal(store, request.principal!, request.params.id, decision, clock.now());
		return approvalView(approval, clock.now());
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

/** The decision rules the API and the viewer share: approvers only, once, before expiry. */
export async function decideAsPrincipal(store: CollectorStore, principal: Principal, id: string, decision: 'approved' | 'denied', now: number): Promise<CollectorApproval> {
	approvalIdParam(id);
	if (!principal.approver) throw forbidden('only members of the approver group may approve or deny held calls');
	const result = await store.decideApproval({ id, decision, decidedBy: principal.email ?? principal.sub, now });
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

/** What readers get: status `expired` once a pending approval's time is up. */
export function approvalView(approval: CollectorApproval, now: number) {
	return {
		id: approval.id,
		sessionId: approval.sessionId,
		server: approval.server,
		method: approval.method,
		tool: approval.tool,
		rule: approval.rule,
		summary: approval.summary,
		digest: approval.digest,
		status: approval.status === 'pending' && approval.expiresAt <= now ? 'expired' : approval.status,
		owner: { sub: approval.ownerSub, email: approval.ownerEmail },
		requestedAt: new Date(approval.requestedAt).toISOString(),
		expiresAt: new Date(approval.expiresAt).toISOString(),
		decidedAt: approval.decidedAt === null ? null : new Date(approval.decidedAt).toISOString(),
		decidedBy: approval.decidedBy,
	};
}

function approvalIdParam(id: string): string {
	if (!APPROVAL_ID.test(id)) throw badRequest('invalid_approval_id', `'${id}' is not an approval id (letters, digits, '-' and '_', at most 64)`);
	return id;
}

function parseApprovalInput(body: unknown, principal: Principal, now: number): ApprovalInput {
	const shape = '{"id", "sessionId", "server", "method", "tool", "rule", "summary", "digest", "expiresAt"}';
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
	return {
		id,
		ownerSub: principal.sub,
		ownerEmail: principal.email,
		sessionId,
		server: text('server')!,
		method: text('method', { optional: true }) ?? 'tools/call',
		tool: text('tool', { optional: true }),
		rule: text('rule', { optional: true }),
		summary: text('summary', { max: 4000 })!,
		digest: text('digest')!,
		expiresAt,
	};
}
