// The web viewer (DESIGN §7), served by the collector itself: server-rendered pages over
// the same store and the same access rules as the API (owners see their own, the auditor
// group everything, the approver group settles held calls), signed in through the issuer.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../api-error.js';
import { toReplayView } from '../../event/event-forms.js';
import { decideAsPrincipal, parseReason, listVisibleApprovals, readVisibleApproval } from '../approval-routes.js';
import { readableSession } from '../session-access.js';
import { encodeCursor, parseSessionListQuery, sessionIdParam } from '../session-routes.js';
import { buildEvidenceBundle, evidenceFileName } from '../evidence-export.js';
import type { CollectorStore, StoredSession, StoreClock } from '../store/collector-store.js';
import type { Principal } from '../verify-access-token.js';
import { renderApprovalDetail, renderApprovalLists, renderApprovalPage, renderApprovalsPage } from './approvals-page.js';
import { Html } from './html.js';
import { LOOKAHEAD_EVENTS, PAGE_EVENTS, pageExchanges } from './page-exchanges.js';
import { renderExchanges } from './render-exchanges.js';
import { FILTERS, isFiltered, matchText, renderSessionList } from './session-list-page.js';
import { moreButton, renderSessionPage } from './session-page.js';
import { VIEWER_SCRIPT, VIEWER_STYLES } from './viewer-assets.js';
import { AUDITOR_SCRIPT, AUDITOR_STYLES } from './auditor-assets.js';
import { registerViewerAuth, type ViewerAuthOptions, type ViewerSignIn } from './viewer-auth.js';
import { renderMessagePage, renderPage } from './viewer-layout.js';
import { withAuth } from '../route-auth.js';

export interface ViewerOptions {
	store: CollectorStore;
	clock: StoreClock;
	auth: ViewerAuthOptions;
}

// No inline script or style anywhere, so the policy can forbid both.
const SECURITY_HEADERS = {
	'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'cache-control': 'no-store',
};

export function registerViewerRoutes(app: FastifyInstance, options: ViewerOptions): void {
	const { store, clock } = options;
	app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
	const auth = registerViewerAuth(app, options.auth);

	// Every viewer route answers HTML, errors included, and asks for a sign-in when there is none.
	const page = <Request extends FastifyRequest>(handler: (request: Request, reply: FastifyReply, signIn: ViewerSignIn) => Promise<Html | FastifyReply>) =>
		async function viewerPage(request: Request, reply: FastifyReply) {
			reply.headers(SECURITY_HEADERS);
			const signIn = await auth.signedIn(request);
			if (!signIn) {
				if (request.method === 'GET' && request.headers.accept?.includes('text/html') !== false && !request.url.includes('/exchanges?')) return auth.redirectToLogin(request, reply);
				return sendHtml(reply, 401, renderMessagePage({ title: 'Signed out', message: 'Your sign-in has expired.', link: { href: '/auth/login', text: 'Sign in' } }));
			}
			try {
				const result = await handler(request, reply, signIn);
				return result instanceof Html ? sendHtml(reply, 200, result) : result;
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
				return sendHtml(reply, error.status, renderMessagePage({ title: error.status === 403 ? 'Not allowed' : error.status === 404 ? 'Not found' : error.status === 410 ? 'Pruned' : 'Cannot show this', message: error.message, principal: signIn.principal, link: { href: '/', text: 'Back to sessions' } }));
			}
		};

	app.get<{ Querystring: Record<string, string | undefined> }>(
		'/',
		withAuth('viewer'),
		page(async (request, _reply, { principal }) => {
			const filters = listFilters(request.query);
			let body: Html;
			try {
				const query = parseSessionListQuery({ ...filters, cursor: request.query.cursor }, principal);
				const result = await store.listSessions(query);
				// One page holds them all: that is the count. Otherwise the page asks /session-count once it shows,
				// so a count that has to read every session (a user name, a tool) never delays the list.
				const total = !result.next && !query.after ? result.sessions.length : 'later';
				body = renderSessionList({ sessions: result.sessions, filters, nextCursor: result.next ? encodeCursor(result.next) : null, total, auditor: principal.auditor, collectorUrl: `${request.protocol}://${request.host}` });
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
				body = renderSessionList({ sessions: [], filters, nextCursor: null, total: null, auditor: principal.auditor, error: error.message });
			}
			return renderPage({ title: 'Sessions', principal, section: 'sessions', body });
		}),
	);

	// How many sessions the list's filters match, as the sentence the list shows.
	app.get<{ Querystring: Record<string, string | undefined> }>(
		'/session-count',
		withAuth('viewer'),
		page(async (request, reply, { principal }) => {
			const filters = listFilters(request.query);
			const total = await store.countSessions(parseSessionListQuery(filters, principal));
			return reply.type('text/plain; charset=utf-8').send(matchText(total, isFiltered(filters)));
		}),
	);

	app.get<{ Params: { id: string } }>(
		'/sessions/:id',
		withAuth('viewer'),
		page(async (request, _reply, { principal, formToken }) => {
			const id = sessionIdParam(request.params.id);
			const session = await viewerSession(store, principal, id);
			const events = await store.readEvents(id, { afterSeq: -1, limit: PAGE_EVENTS + LOOKAHEAD_EVENTS });
			const first = pageExchanges(events.map(toReplayView), { afterSeq: -1, skip: new Set() });
			const legalHold = { hold: await store.getLegalHold(id), canChange: principal.auditor, formToken };
			return renderPage({ title: `${session.server} session`, principal, section: 'sessions', body: renderSessionPage(session, first, legalHold) });
		}),
	);

	// The auditor group places and lifts legal holds from the session page (as PUT/DELETE /api/v1/sessions/:id/legal-hold).
	app.post<{ Params: { id: string }; Body: Record<string, string> | undefined }>(
		'/sessions/:id/legal-hold',
		withAuth('viewer'),
		page(async (request, reply, { principal, formToken }) => {
			const id = sessionIdParam(request.params.id);
			const body = request.body ?? {};
			if (body.formToken !== formToken) throw new ApiError(403, 'forbidden', 'this form is from another sign-in; reload the page and try again');
			if (!principal.auditor) throw new ApiError(403, 'forbidden', 'only the auditor group places and lifts legal holds');
			await viewerSession(store, principal, id);
			if (body.action === 'place') {
				const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim().slice(0, 500) : null;
				await store.placeLegalHold({ sessionId: id, placedBy: principal.email ?? principal.sub, reason, at: clock.now() });
			} else if (body.action === 'lift') await store.removeLegalHold(id);
			else throw badRequest('invalid_action', `choose Place legal hold or Lift hold (got '${body.action ?? ''}')`);
			return reply.redirect(`/sessions/${id}`, 303);
		}),
	);

	// The session as an evidence bundle, for the download link on its page.
	app.get<{ Params: { id: string } }>(
		'/sessions/:id/evidence',
		withAuth('viewer'),
		page(async (request, reply, { principal }) => {
			const id = sessionIdParam(request.params.id);
			const session = await viewerSession(store, principal, id);
			const bundle = await buildEvidenceBundle(store, session, `${request.protocol}://${request.host}`);
			return reply.type('application/x-tar').header('content-disposition', `attachment; filename="${evidenceFileName(session)}"`).send(bundle);
		}),
	);

	// The next page of a timeline, as the rows plus the next "more" control.
	app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
		'/sessions/:id/exchanges',
		withAuth('viewer'),
		page(async (request, _reply, { principal }) => {
			const id = sessionIdParam(request.params.id);
			const session = await viewerSession(store, principal, id);
			const afterSeq = Number(request.query.afterSeq ?? '-1');
			if (!Number.isInteger(afterSeq) || afterSeq < -1) throw badRequest('invalid_query', `'afterSeq' must be a whole number, got '${request.query.afterSeq}'`);
			const skip = new Set((request.query.skip ?? '').split(',').filter(Boolean).map(Number));
			const events = await store.readEvents(id, { afterSeq, limit: PAGE_EVENTS + LOOKAHEAD_EVENTS });
			const next = pageExchanges(events.map(toReplayView), { afterSeq, skip });
			return new Html(renderExchanges(next.exchanges, session.startedAt).text + moreButton(id, next).text);
		}),
	);

	const approvalLists = async (principal: Principal) => {
		const now = clock.now();
		const pending = await listVisibleApprovals(store, principal, { status: 'pending', now });
		const recent = (await listVisibleApprovals(store, principal, { status: 'all', now })).filter((approval) => approval.status !== 'pending' || approval.expiresAt <= now).slice(0, 50);
		return { pending, recent, now };
	};

	app.get<{ Querystring: { notice?: string } }>(
		'/approvals',
		withAuth('viewer'),
		page(async (request, _reply, { principal, formToken }) => {
			const notice = typeof request.query.notice === 'string' ? request.query.notice.slice(0, 400) : undefined;
			return renderPage({ title: 'Approvals', principal, section: 'approvals', body: renderApprovalsPage({ ...(await approvalLists(principal)), principal, formToken, notice }) });
		}),
	);

	// What viewer.js polls to keep the list current.
	app.get(
		'/approvals/live',
		withAuth('viewer'),
		page(async (_request, _reply, { principal, formToken }) => renderApprovalLists({ ...(await approvalLists(principal)), principal, formToken })),
	);

	app.get<{ Params: { id: string } }>(
		'/approvals/:id/live',
		withAuth('viewer'),
		page(async (request, _reply, { principal, formToken }) => {
			const approval = await readVisibleApproval(store, principal, request.params.id);
			return renderApprovalDetail(approval, { principal, formToken, now: clock.now() });
		}),
	);

	// One approval, whole: where `mcprec run` and `mcprec approve` send people to decide.
	app.get<{ Params: { id: string } }>(
		'/approvals/:id',
		withAuth('viewer'),
		page(async (request, _reply, { principal, formToken }) => {
			const approval = await readVisibleApproval(store, principal, request.params.id);
			const title = `Approval ${approval.id}`;
			return renderPage({ title, principal, section: 'approvals', body: renderApprovalPage(approval, { principal, formToken, now: clock.now() }) });
		}),
	);

	app.post<{ Params: { id: string }; Body: Record<string, string> | undefined }>(
		'/approvals/:id/decision',
		withAuth('viewer'),
		page(async (request, reply, { principal, formToken }) => {
			const body = request.body ?? {};
			if (body.formToken !== formToken) throw new ApiError(403, 'forbidden', 'this form is from another sign-in; reload the page and try again');
			const decision = body.decision;
			if (decision !== 'approved' && decision !== 'denied') throw badRequest('invalid_decision', `choose Approve or Deny (got '${decision ?? ''}')`);
			const approval = await decideAsPrincipal(store, principal, request.params.id, decision, clock.now(), parseReason(body.reason));
			const because = approval.reason ? ` Reason: ${approval.reason.length > 200 ? `${approval.reason.slice(0, 200)}…` : approval.reason}` : '';
			const notice = `${approval.status === 'approved' ? 'Approved' : 'Denied'} ${approval.tool ?? approval.method} on ${approval.server} (${approval.id}).${because}`;
			return reply.redirect(`/approvals?notice=${encodeURIComponent(notice)}`, 303);
		}),
	);

	app.get('/viewer/viewer.js', withAuth('public'), async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(VIEWER_SCRIPT));
	app.get('/viewer/viewer.css', withAuth('public'), async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(VIEWER_STYLES));
	app.get('/viewer/auditor.js', withAuth('public'), async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(AUDITOR_SCRIPT));
	app.get('/viewer/auditor.css', withAuth('public'), async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(AUDITOR_STYLES));

}

// The session of a page, read as the API reads it (approvers too, for a session that holds
// a call put to them); one that is not here is explained for a person, not for the API.
async function viewerSession(store: CollectorStore, principal: Principal, id: string): Promise<StoredSession> {
	try {
		return await readableSession(store, principal, id);
	} catch (error) {
		if (!(error instanceof ApiError) || error.status !== 404) throw error;
		const held = principal.approver && (await store.listApprovals({ sessionId: id, now: 0, limit: 1 })).length > 0;
		throw notFound(
			held
				? `Session ${id} has not reached the collector yet. The mcprec that holds its call uploads it when the call is held; if it could not (an older mcprec, or the collector was unreachable), it arrives with the owner's next \`mcprec sync\`. The approval itself shows the whole call.`
				: `There is no session ${id} on this collector. Sessions arrive when their owner runs \`mcprec sync\` (or with sync.auto: true after each run).`,
		);
	}
}

// The list's filters from the query string; outcome checkboxes repeat the parameter, the list and its links keep them comma-joined.
function listFilters(query: Record<string, string | string[] | undefined>): Record<string, string> {
	const filters: Record<string, string> = {};
	for (const name of FILTERS) {
		const raw = query[name];
		const value = Array.isArray(raw) ? raw.filter(Boolean).join(',') : raw;
		if (typeof value === 'string' && value !== '') filters[name] = value;
	}
	return filters;
}

function sendHtml(reply: FastifyReply, status: number, body: Html): FastifyReply {
	return reply.status(status).type('text/html; charset=utf-8').send(body.text);
}
