// The web viewer in headless Chromium for tests: a collector with a real OIDC issuer, uploads
// through the API as a laptop would, sign-in through the issuer's pages, screenshots for
// reviewers and an axe-core accessibility pass injected into the page.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { newSessionId } from '../../src/event/session-id.js';
import { encodeEventLines } from '../../src/event/event-forms.js';
import { startCollector, type RunningCollector } from '../../src/server/start-collector.js';
import { chain, sessionDocument, testCollectorSettings, type EventSpec } from './collector-fixtures.js';
import { startOidcIssuer, type IssuerUser, type OidcIssuer } from './oidc-issuer.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export interface ViewerRig {
	folder: string;
	issuer: OidcIssuer;
	collector: RunningCollector;
	browser: Browser;
	tokens: Record<string, string>;
	api(method: string, url: string, user: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
	/** Uploads a session (document overrides, then its events in batches of 1000) as `user`; returns its id. */
	upload(user: string, overrides: Record<string, unknown>, specs: EventSpec[]): Promise<string>;
	/** A fresh browser profile signed in as `user` through the issuer's login and consent pages. */
	signIn(user: string): Promise<{ context: BrowserContext; page: Page }>;
	close(): Promise<void>;
}

export async function startViewerRig(users: IssuerUser[]): Promise<ViewerRig> {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-viewer-'));
	const port = await freePort();
	const issuer = await startOidcIssuer(users, { viewer: { clientId: 'mcprec-viewer', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] } });
	const collector = await startCollector({
		settings: testCollectorSettings({ folder, port, issuer: issuer.issuer, audience: issuer.audience, approverGroup: 'approvers', viewerClientId: 'mcprec-viewer', viewerScope: 'openid email' }),
	});
	const tokens: Record<string, string> = {};
	for (const user of users) tokens[user.sub] = await issuer.accessToken(user.sub);
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

	const api: ViewerRig['api'] = async (method, url, user, body, contentType = 'application/json') => {
		const response = await fetch(`${collector.url}${url}`, {
			method,
			headers: { authorization: `Bearer ${tokens[user]}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
			body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
		});
		const text = await response.text();
		return { status: response.status, body: text ? JSON.parse(text) : undefined };
	};

	return {
		folder,
		issuer,
		collector,
		browser,
		tokens,
		api,
		async upload(user, overrides, specs) {
			const document = sessionDocument({ id: newSessionId(), ...overrides });
			expect((await api('PUT', `/api/v1/sessions/${document.id}`, user, document)).status).toBe(201);
			const events = chain(document.id, specs, { startTs: Date.parse(String(document.startedAt)) * 1000 });
			for (let from = 0; from < events.length; from += 1000) {
				expect((await api('POST', `/api/v1/sessions/${document.id}/events`, user, encodeEventLines(events.slice(from, from + 1000)), 'application/x-ndjson')).status).toBe(200);
			}
			return document.id;
		},
		async signIn(user) {
			const context = await browser.newContext();
			const page = await context.newPage();
			await signInThroughProvider(page, { start: `${collector.url}/`, issuer: issuer.issuer, user });
			return { context, page };
		},
		async close() {
			await browser.close();
			await collector.close();
			await issuer.close();
			fs.rmSync(folder, { recursive: true, force: true });
		},
	};
}

/**
 * Opens `start`, which sends the browser to the OIDC provider, signs in as `user` on its
 * login page, consents, and waits until the browser is back on `start`.
 */
export async function signInThroughProvider(page: Page, options: { start: string; issuer: string; user: string }): Promise<void> {
	await page.goto(options.start);
	// oidc-provider's login page, then its consent page.
	await page.waitForURL(`${options.issuer}/**`);
	await page.fill('input[name=login]', options.user);
	await page.fill('input[name=password]', 'any password');
	await page.click('button[type=submit]');
	await page.waitForSelector('button[type=submit]').catch(async (error: Error) => {
		throw new Error(`${error.message}\n${page.url()}\n${(await page.content()).slice(0, 3000)}`);
	});
	await page.click('button[type=submit]');
	await page.waitForURL(options.start);
}

/** Saves a full-page screenshot for reviewers under test-artifacts/viewer/ (gitignored). */
export async function saveShot(page: Page, name: string): Promise<void> {
	const folder = path.resolve(import.meta.dirname, '../../test-artifacts/viewer');
	fs.mkdirSync(folder, { recursive: true });
	await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules: contrast, names, labels, keyboard-reachable
 * controls…) on the page as it stands and returns the violations, one readable line each.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
	// Evaluated through the DevTools protocol, which the page's CSP (no inline scripts) does not govern.
	await page.evaluate(axe.source);
	const results = await page.evaluate(() =>
		(window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
	);
	return results.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}${node.failureSummary ? ` [${node.failureSummary.replace(/\s+/g, ' ')}]` : ''}`).join('; ')}`);
}

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
