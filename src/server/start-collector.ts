// Opens the store, builds the app and listens: what `mcprec server`, the API tests and
// the ingest bench all start.

import type { FastifyServerOptions } from 'fastify';
import { createCollectorApp } from './create-collector-app.js';
import { startOtlpForwarder, type OtlpForwarder } from './otlp-forwarder.js';
import { startRetention } from './retention.js';
import type { ServerSettings } from './resolve-server-settings.js';
import { openCollectorStore } from './store/open-collector-store.js';
import type { CollectorStore } from './store/collector-store.js';
import { createTokenVerifier, type TokenVerifier } from './verify-access-token.js';

export interface RunningCollector {
	/** http://host:port */
	url: string;
	store: CollectorStore;
	close(): Promise<void>;
}

export interface StartCollectorOptions {
	settings: ServerSettings;
	/** An already open store (tests, bench); otherwise settings.database is opened and closed with the collector. */
	store?: CollectorStore;
	/** Replaces OIDC verification (bench only). */
	verifyToken?: TokenVerifier;
	logger?: FastifyServerOptions['logger'];
}

export async function startCollector(options: StartCollectorOptions): Promise<RunningCollector> {
	const { settings } = options;
	const store = options.store ?? (await openCollectorStore({ database: settings.database }));
	const verifyToken =
		options.verifyToken ??
		createTokenVerifier({
			issuer: settings.issuer,
			audience: settings.audience,
			groupsClaim: settings.groupsClaim,
			auditorGroup: settings.auditorGroup,
			approverGroup: settings.approverGroup,
		});
	const app = await createCollectorApp({
		store,
		verifyToken,
		bodyLimitBytes: settings.bodyLimitBytes,
		logger: options.logger,
		viewer: {
			issuer: settings.issuer,
			audience: settings.audience,
			clientId: settings.viewerClientId ?? 'mcprec-viewer',
			clientSecret: settings.viewerClientSecret,
			scope: settings.viewerScope ?? 'openid email profile',
			publicUrl: settings.publicUrl,
			cookieSecret: settings.cookieSecret,
		},
	});
	try {
		await app.listen({ host: settings.host, port: settings.port });
	} catch (error) {
		if (!options.store) await store.close();
		throw error;
	}
	const forwarder: OtlpForwarder | undefined = settings.otlp
		? startOtlpForwarder({ store, target: settings.otlp.target, payloads: settings.otlp.payloads, log: { info: (message) => app.log.info(message), warn: (message) => app.log.warn(message) } })
		: undefined;
	const log = { info: (message: string) => app.log.info(message), warn: (message: string) => app.log.warn(message) };
	const retention = settings.retention ? startRetention({ store, retention: settings.retention, log }) : undefined;
	const address = app.server.address();
	const port = typeof address === 'object' && address ? address.port : settings.port;
	const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
	return {
		url: `http://${host}:${port}`,
		store,
		async close() {
			await forwarder?.close();
			await retention?.close();
			await app.close();
			if (!options.store) await store.close();
		},
	};
}
