// Every route says how its caller is authenticated, and the app checks by route, never by
// URL prefix: a prefix test sees the raw URL, while the router matches the decoded one, so
// `/%61pi/v1/…` reached API handlers without a token. A route added without a declaration
// stops the app from starting.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenVerifier } from './verify-access-token.js';

/** `bearer`: an access token in Authorization; `viewer`: the viewer's sign-in cookie, checked by its pages; `public`: nobody. */
export type RouteAuth = 'bearer' | 'viewer' | 'public';

declare module 'fastify' {
	interface FastifyContextConfig {
		auth?: RouteAuth;
	}
}

/** Route options declaring `auth`, for `app.get(url, withAuth('bearer'), handler)`. */
export function withAuth(auth: RouteAuth): { config: { auth: RouteAuth } } {
	return { config: { auth } };
}

export function enforceRouteAuth(app: FastifyInstance, verifyToken: TokenVerifier): void {
	app.addHook('onRoute', function requireAuthDeclaration(route) {
		const auth = route.config?.auth;
		if (auth !== 'bearer' && auth !== 'viewer' && auth !== 'public') {
			throw new Error(`route ${String(route.method)} ${route.url} declares no auth; add withAuth('bearer' | 'viewer' | 'public') to it`);
		}
	});
	// Runs before the body is read, so an unauthenticated 32 MiB upload is refused up front.
	app.addHook('onRequest', async function authenticateByRoute(request: FastifyRequest) {
		if (request.routeOptions.config?.auth === 'bearer') request.principal = await verifyToken(request.headers.authorization);
	});
}
