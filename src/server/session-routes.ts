// Session metadata: PUT (upload, idempotent, with the signed head once closed), GET one,
// and the filtered, paged, newest-first list.

import type { FastifyInstance } from 'fastify';
import { UserError } from '../errors/user-error.js';
import { parseSince } from '../time/parse-since.js';
import { ApiError, badRequest, forbidden, notFound } from './api-error.js';
import { verifySealedHead } from '../event/device-signature.js';
import { OUTCOME_NAMES, type OutcomeName } from './event-outcomes.js';
import { prunedError, readableSession } from './session-access.js';
import { parseSessionDocument, SESSION_ID, type SealInput } from './session-document.js';
import type { Seal } from './session-integrity.js';
import { sessionView } from './session-view.js';
import { buildEvidenceBundle, evidenceFileName } from './evidence-export.js';
import { SESSION_SORT_KEYS, type CollectorStore, type LegalHold, type SessionCursor, type SessionQuery, type SessionSortKey } from './store/collector-store.js';
import { searchTerms } from './search-words.js';
import type { Principal } from './verify-access-token.js';
import { withAuth } from './route-auth.js';

export function registerSessionRoutes(app: FastifyInstance, store: CollectorStore): void {
	app.put<{ Params: { id: string } }>('/api/v1/sessions/:id', withAuth('bearer'), async (request, reply) => {
		const id = sessionIdParam(request.params.id);
		const principal = request.principal!;
		const document = parseSessionDocument(request.body, id);
		if (document.userSub !== null && document.userSub !== principal.sub) {
			throw forbidden(`session '${id}' was recorded by another user than the token's; a user may upload only their own sessions`);
		}
		// A session retention removed is not stored again by a late or repeated upload.
		const pruned = await store.getPrunedSession(id);
		if (pruned) throw prunedError(pruned);
		const { seal, problem } = document.seal ? await checkSeal(store, principal, id, document.seal) : { seal: null, problem: undefined };
		// Who owns it comes from the token alone; the document's `user` stays what the device claimed.
		const result = await store.putSession({ document, ownerSub: principal.sub, ownerEmail: principal.email ?? null, seal });
		if (result.kind === 'owned-by-other') {
			throw forbidden(`session '${id}' is not yours; a user may upload only their own sessions`);
		}
		return reply.status(result.created ? 201 : 200).send({ ...sessionView(result.session), ...(problem ? { sealProblem: problem } : {}) });
	});

	app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', withAuth('bearer'), async (request) => {
		const id = sessionIdParam(request.params.id);
		const session = await readableSession(store, request.principal!, id);
		return sessionView(session);
	});

	// The session as an evidence bundle (a tar of session.json, events.ndjson, seal.json, device-key.json).
	app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/evidence', withAuth('bearer'), async (request, reply) => {
		const id = sessionIdParam(request.params.id);
		const session = await readableSession(store, request.principal!, id);
		const bundle = await buildEvidenceBundle(store, session, `${request.protocol}://${request.host}`);
		return reply.type('application/x-tar').header('content-disposition', `attachment; filename="${evidenceFileName(session)}"`).send(bundle);
	});

	// Legal holds (issue 18): the auditor group keeps a session from retention until it lifts the hold.
	app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/legal-hold', withAuth('bearer'), async (request) => {
		const id = sessionIdParam(request.params.id);
		await readableSession(store, request.principal!, id);
		const hold = await store.getLegalHold(id);
		if (!hold) throw notFound(`session '${id}' is under no legal hold`);
		return legalHoldView(hold);
	});

	app.put<{ Params: { id: string } }>('/api/v1/sessions/:id/legal-hold', withAuth('bearer'), async (request) => {
		const id = sessionIdParam(request.params.id);
		const principal = request.principal!;
		if (!principal.auditor) throw forbidden('only the auditor group places legal holds');
		const body = (request.body ?? {}) as { reason?: unknown };
		if (body.reason !== undefined && body.reason !== null && (typeof body.reason !== 'string' || body.reason.length > 500)) {
			throw badRequest('invalid_legal_hold', "'reason' must be text of at most 500 characters");
		}
		await readableSession(store, principal, id);
		const hold = await store.placeLegalHold({ sessionId: id, placedBy: principal.email ?? principal.sub, reason: (body.reason as string | undefined) ?? null, at: Date.now() });
		if (!hold) throw notFound(`unknown session '${id}'`);
		return legalHoldView(hold);
	});

	app.delete<{ Params: { id: string } }>('/api/v1/sessions/:id/legal-hold', withAuth('bearer'), async (request, reply) => {
		const id = sessionIdParam(request.params.id);
		if (!request.principal!.auditor) throw forbidden('only the auditor group lifts legal holds');
		if (!(await store.removeLegalHold(id))) throw notFound(`session '${id}' is under no legal hold`);
		return reply.status(204).send();
	});

	app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/sessions', withAuth('bearer'), async (request) => {
		const query = parseSessionListQuery(request.query, request.principal!);
		const page = await store.listSessions(query);
		return { sessions: page.sessions.map(sessionView), nextCursor: page.next ? encodeCursor(page.next) : null };
	});
}

function legalHoldView(hold: LegalHold): Record<string, unknown> {
	return { sessionId: hold.sessionId, placedBy: hold.placedBy, reason: hold.reason, placedAt: new Date(hold.placedAt).toISOString() };
}

export function sessionIdParam(id: string): string {
	if (!SESSION_ID.test(id)) throw badRequest('invalid_session_id', `'${id}' is not a session id (letters, digits, '-' and '_', at most 64)`);
	return id;
}

// A seal whose device the uploader has not registered, or whose signature fails, is stored as
// invalid (the auditor sees it); the uploader is told why in `sealProblem`.
async function checkSeal(store: CollectorStore, principal: Principal, sessionId: string, input: SealInput): Promise<{ seal: Seal; problem?: string }> {
	const device = await store.getDevice(principal.sub, input.deviceId);
	let problem: string | undefined;
	if (!device) problem = `device '${input.deviceId}' is not registered to you; PUT /api/v1/devices/${input.deviceId} first, then send the session again`;
	else if (!verifySealedHead(device.publicKey, { sessionId, eventCount: input.eventCount, headHash: input.headHash }, input.signature)) {
		problem = `the signature does not verify with device '${input.deviceId}''s registered key`;
	}
	return { seal: { ...input, valid: problem === undefined }, problem };
}

const MAX_LIMIT = 500;

/** The list filters of the API and the viewer: owners see their own, auditors everything. */
export function parseSessionListQuery(raw: Record<string, string | undefined>, principal: Principal): SessionQuery {
	const query: SessionQuery = { limit: 50 };
	if (!principal.auditor) query.ownerSub = principal.sub;
	const value = (name: string) => {
		const field = raw[name];
		if (Array.isArray(field)) throw badRequest('invalid_query', `'${name}' may be given once`);
		return field === undefined || field === '' ? undefined : field;
	};
	const values = (name: string): string[] => {
		const field = raw[name] as string | string[] | undefined;
		return (Array.isArray(field) ? field : field === undefined ? [] : [field]).filter((text) => text !== '');
	};
	const limit = value('limit');
	if (limit !== undefined) {
		const number = Number(limit);
		if (!Number.isInteger(number) || number < 1 || number > MAX_LIMIT) throw badRequest('invalid_query', `'limit' must be a whole number from 1 to ${MAX_LIMIT}, got '${limit}'`);
		query.limit = number;
	}
	query.user = value('user');
	query.server = value('server');
	query.tool = value('tool');
	const since = value('since');
	if (since !== undefined) query.since = parseInstant('since', since);
	// A time range: `from` (inclusive) and `to` (exclusive); a time without a zone (what a
	// datetime-local input sends) is UTC, as every time the viewer shows.
	const from = value('from');
	if (from !== undefined) query.since = Math.max(query.since ?? -Infinity, parseInstant('from', from));
	const to = value('to');
	if (to !== undefined) query.until = parseInstant('to', to);
	const search = value('q');
	if (search !== undefined) {
		const terms = searchTerms(search);
		if (terms.length === 0) throw badRequest('invalid_query', `'q' needs a word (letters or digits) to search for, got '${search}'`);
		query.search = terms;
	}
	const sort = value('sort');
	if (sort !== undefined) {
		if (!SESSION_SORT_KEYS.includes(sort as SessionSortKey)) throw badRequest('invalid_query', `'sort' must be one of ${SESSION_SORT_KEYS.join(', ')}, got '${sort}'`);
		const direction = value('dir') ?? defaultDirection(sort as SessionSortKey);
		if (direction !== 'asc' && direction !== 'desc') throw badRequest('invalid_query', `'dir' must be asc or desc, got '${direction}'`);
		query.sort = { key: sort as SessionSortKey, direction };
	}
	// Several outcomes, as `outcome=errors,denied` or `outcome=errors&outcome=denied`: sessions with any of them.
	const outcomes = values('outcome').flatMap((text) => text.split(',')).map((text) => text.trim()).filter(Boolean);
	for (const outcome of outcomes) {
		if (!OUTCOME_NAMES.includes(outcome as OutcomeName)) throw badRequest('invalid_query', `'outcome' must be one of ${OUTCOME_NAMES.join(', ')} (or several, comma-separated), got '${outcome}'`);
	}
	if (outcomes.length > 0) query.outcomes = [...new Set(outcomes as OutcomeName[])];
	const cursor = value('cursor');
	if (cursor !== undefined) query.after = decodeCursor(cursor);
	if (query.after && query.sort && query.sort.key !== 'start' && query.after.value === undefined) {
		throw badRequest('invalid_query', `'cursor' was made for another sort order; start from the first page of this one`);
	}
	return query;
}

/** Which way a column sorts when only `sort` is given: names A to Z, numbers and times largest first. */
export function defaultDirection(key: SessionSortKey): 'asc' | 'desc' {
	return key === 'user' || key === 'server' ? 'asc' : 'desc';
}

function parseInstant(name: string, text: string): number {
	const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
	try {
		return parseSince(local ? `${text}Z` : text);
	} catch (error) {
		if (error instanceof UserError) throw badRequest('invalid_query', error.message.replace('--since', `'${name}'`));
		throw error;
	}
}

export function encodeCursor(cursor: SessionCursor): string {
	return Buffer.from(JSON.stringify(cursor.value === undefined ? [cursor.startedAt, cursor.id] : [cursor.startedAt, cursor.id, cursor.value])).toString('base64url');
}

function decodeCursor(text: string): SessionCursor {
	try {
		const [startedAt, id, value] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
		if (typeof startedAt === 'number' && typeof id === 'string' && (typeof value === 'number' || typeof value === 'string')) return { startedAt, id, value };
		if (typeof startedAt === 'number' && typeof id === 'string') return { startedAt, id };
	} catch {
		// reported below
	}
	throw new ApiError(400, 'invalid_query', "'cursor' is not a cursor this collector returned (use nextCursor from the previous page)");
}
