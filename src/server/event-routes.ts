// Events: POST an NDJSON batch (checked for continuity and the hash chain, duplicates
// ignored, DESIGN §7) and GET them back in seq order, a page at a time.

import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest } from './api-error.js';
import { parseEventLines } from './parse-event-lines.js';
import { assertOwner, readableSession, requireSession } from './session-access.js';
import { sessionIdParam } from './session-routes.js';
import type { CollectorStore } from './store/collector-store.js';
import { verifyBatch } from './verify-batch.js';
import { toReplayView, toWire } from '../event/event-forms.js';
import { withAuth } from './route-auth.js';

export function registerEventRoutes(app: FastifyInstance, store: CollectorStore): void {
	app.post<{ Params: { id: string }; Body: Buffer }>('/api/v1/sessions/:id/events', withAuth('bearer'), async (request) => {
		const id = sessionIdParam(request.params.id);
		const session = requireSession(await store.getSession(id), id);
		assertOwner(request.principal!, session);
		if (!/^application\/x-ndjson\b/i.test(request.headers['content-type'] ?? '')) {
			throw new ApiError(415, 'unsupported_media_type', `send events as application/x-ndjson, got '${request.headers['content-type'] ?? 'no content type'}'`);
		}
		const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
		const batch = verifyBatch(id, parseEventLines(body));
		const result = await store.appendEvents(batch);
		switch (result.kind) {
			case 'appended':
				return { ackSeq: result.ackSeq, stored: result.stored, duplicates: result.duplicates, integrity: result.integrity };
			case 'unknown-session':
				return requireSession(undefined, id);
			case 'gap':
				throw new ApiError(409, 'seq_gap', `the collector holds events up to ${result.expectedSeq - 1}; send from seq ${result.expectedSeq}`, { expectedSeq: result.expectedSeq });
			case 'conflict':
				throw new ApiError(409, 'seq_conflict', `event ${result.seq} differs from the event already stored with that seq`, { seq: result.seq });
			case 'unlinked':
				throw new ApiError(422, 'chain_broken', `event ${result.seq}: prevHash does not link to the stored event ${result.seq - 1} (${result.expectedPrevHash})`, { seq: result.seq });
		}
	});

	app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/api/v1/sessions/:id/events', withAuth('bearer'), async (request) => {
		const id = sessionIdParam(request.params.id);
		const session = await readableSession(store, request.principal!, id);
		const afterSeq = integerParam(request.query.afterSeq, 'afterSeq', -1, -1, Number.MAX_SAFE_INTEGER);
		const limit = integerParam(request.query.limit, 'limit', 500, 1, 5000);
		const format = request.query.format ?? 'replay';
		if (format !== 'replay' && format !== 'wire') throw badRequest('invalid_query', `'format' must be replay or wire, got '${format}'`);
		const events = await store.readEvents(id, { afterSeq, limit });
		const last = events[events.length - 1];
		return {
			events: format === 'wire' ? events.map(toWire) : events.map(toReplayView),
			nextAfterSeq: events.length === limit && last ? last.seq : null,
		};
	});
}

function integerParam(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
	if (value === undefined || value === '') return fallback;
	const number = Number(value);
	if (!Number.isInteger(number) || number < min || number > max) throw badRequest('invalid_query', `'${name}' must be a whole number from ${min} to ${max}, got '${value}'`);
	return number;
}
