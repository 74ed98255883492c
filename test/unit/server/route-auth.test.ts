// Routes declare their auth (src/server/route-auth.ts), and the viewer's sign-in only ever
// sends people back to a path of its own site.

import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { enforceRouteAuth, withAuth } from '../../../src/server/route-auth.js';
import { safeReturnTo } from '../../../src/server/viewer/viewer-auth.js';

const refuseAll = async () => {
	throw Object.assign(new Error('no token'), { statusCode: 401 });
};

describe('route auth', () => {
	it('refuses to start an app with a route that declares no auth', async () => {
		const app = Fastify();
		enforceRouteAuth(app, refuseAll as never);
		expect(() => app.get('/api/v1/forgotten', async () => ({ secret: true }))).toThrow("route GET /api/v1/forgotten declares no auth; add withAuth('bearer' | 'viewer' | 'public') to it");
		await app.close();
	});

	it('checks the token on bearer routes only, whatever the URL looks like', async () => {
		const app = Fastify();
		app.decorateRequest('principal', null);
		enforceRouteAuth(app, refuseAll as never);
		app.get('/api/v1/thing', withAuth('bearer'), async () => ({ reached: true }));
		app.get('/healthz', withAuth('public'), async () => ({ ok: true }));
		for (const url of ['/api/v1/thing', '/%61pi/v1/thing', '/api/v1/%74hing']) expect((await app.inject({ url })).statusCode, url).toBe(401);
		expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
		await app.close();
	});
});

describe('safeReturnTo', () => {
	it.each([
		['/sessions/abc?user=alice#top', '/sessions/abc?user=alice#top'],
		['/', '/'],
		['/approvals', '/approvals'],
		[undefined, '/'],
		['', '/'],
		['https://evil.test/', '/'],
		['//evil.test/', '/'],
		['/\\evil.test/', '/'],
		['/\t/evil.test/', '/'],
		['/\n/evil.test/', '/'],
		['/\r\n/evil.test', '/'],
		['\t//evil.test', '/'],
		['/auth/callback?code=x', '/'],
		['javascript:alert(1)', '/'],
	])('%j → %j', (value, expected) => {
		expect(safeReturnTo(value)).toBe(expected);
	});

	it('never leaves the site for any string a browser would read (generated)', () => {
		const pieces = ['/', '\\', '\t', '\n', '\r', ' ', '%09', '%2F', '%5C', '.', '..', 'evil.test', ':', '@', '?', '#', 'a', '\u0000', '\u3000', '／'];
		let seed = 12345;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
		for (let round = 0; round < 5000; round++) {
			let value = '';
			for (let length = 1 + (next() % 8); length > 0; length--) value += pieces[next() % pieces.length];
			const result = safeReturnTo(value);
			// What a browser does with the Location header: resolve it against the viewer's origin.
			expect(new URL(result, 'https://viewer.example').origin, JSON.stringify(value)).toBe('https://viewer.example');
			expect(result.startsWith('/') && !result.startsWith('//') && !result.startsWith('/\\'), JSON.stringify(value)).toBe(true);
		}
	});
});
