// The collector's HTTP app (DESIGN §7): auth declared by every route (route-auth.ts), the session,
// event, device and approval routes, the web viewer, and one error handler. Holds no
// state of its own: everything lives in the store, so several collectors can share one
// PostgreSQL.

import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { ApiError } from './api-error.js';
import { registerApprovalRoutes } from './approval-routes.js';
import { registerDeviceRoutes } from './device-routes.js';
import { createErrorHandler } from './error-handler.js';
import { registerEventRoutes } from './event-routes.js';
import { enforceRouteAuth, withAuth } from './route-auth.js';
import { registerSessionRoutes } from './session-routes.js';
import { systemClock, type CollectorStore, type StoreClock } from './store/collector-store.js';
import type { Principal, TokenVerifier } from './verify-access-token.js';
import type { ViewerAuthOptions } from './viewer/viewer-auth.js';
import { registerViewerRoutes } from './viewer/viewer-routes.js';

declare module 'fastify' {
	interface FastifyRequest {
		/** The caller, set for routes that declare bearer auth. */
		principal: Principal | null;
	}
}

export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export interface CollectorAppOptions {
	store: CollectorStore;
	verifyToken: TokenVerifier;
	/** Largest accepted request body (default 32 MiB → 413 beyond). */
	bodyLimitBytes?: number;
	logger?: FastifyServerOptions['logger'];
	/** Serves the web viewer when given (its sign-in settings; the token verifier is shared). */
	viewer?: Omit<ViewerAuthOptions, 'verifyToken' | 'cookieSecret'> & { cookieSecret?: string };
	clock?: StoreClock;
}

export async function createCollectorApp(options: CollectorAppOptions): Promise<FastifyInstance> {
	const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
	const app = Fastify({ logger: options.logger ?? false, bodyLimit: bodyLimitBytes });
	app.decorateRequest('principal', null);
	app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
	app.setErrorHandler(createErrorHandler({ bodyLimitBytes }));
	app.setNotFoundHandler(function routeNotFound(request) {
		throw new ApiError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
	});
	enforceRouteAuth(app, options.verifyToken);
	app.get('/healthz', withAuth('public'), async () => ({ ok: true, store: options.store.backend }));
	registerSessionRoutes(app, options.store);
	registerEventRoutes(app, options.store);
	registerDeviceRoutes(app, options.store);
	const clock = options.clock ?? systemClock;
	const viewerBase = (request: FastifyRequest) => options.viewer?.publicUrl ?? `${request.protocol}://${request.host}`;
	registerApprovalRoutes(app, options.store, { clock, viewerUrl: options.viewer ? (request, id) => `${viewerBase(request)}/approvals/${encodeURIComponent(id)}` : undefined });
	if (options.viewer) {
		const { cookieSecret, ...viewer } = options.viewer;
		registerViewerRoutes(app, {
			store: options.store,
			clock,
			auth: { ...viewer, verifyToken: options.verifyToken, cookieSecret: async () => cookieSecret ?? options.store.sharedSecret('viewer-cookie') },
		});
	}
	return app;
}
