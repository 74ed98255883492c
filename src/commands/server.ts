// `mcprec server`: the central collector (DESIGN §7). Runs until SIGINT/SIGTERM.

import path from 'node:path';
import { UserError } from '../errors/user-error.js';
import { resolveStatePaths } from '../config/paths.js';
import { resolveServerSettings, type ServerFlags } from '../server/resolve-server-settings.js';
import { startCollector } from '../server/start-collector.js';
import { isPostgresUrl } from '../server/store/open-collector-store.js';

export async function serverCommand(flags: ServerFlags): Promise<void> {
	const paths = resolveStatePaths();
	const settings = resolveServerSettings({ flags, configFile: paths.config, dataDir: path.dirname(paths.database) });
	let collector;
	try {
		collector = await startCollector({ settings, logger: { level: process.env.MCPREC_LOG_LEVEL ?? 'info' } });
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EADDRINUSE') throw new UserError(`port ${settings.port} on ${settings.host} is in use; choose another with --port`);
		if (code === 'ECONNREFUSED' && isPostgresUrl(settings.database)) throw new UserError(`cannot reach PostgreSQL at ${redact(settings.database)} (${(error as Error).message})`);
		throw error;
	}
	const storage = isPostgresUrl(settings.database) ? `PostgreSQL ${redact(settings.database)}` : `SQLite ${settings.database}`;
	process.stderr.write(`mcprec collector listening on ${collector.url} (${storage}; tokens from ${settings.issuer} for '${settings.audience}')\n`);
	if (settings.retention) process.stderr.write(`Pruning sessions that ended more than ${settings.retention.text} ago, except those under a legal hold\n`);
	if (settings.otlp) process.stderr.write(`Forwarding ended sessions as OTLP traces (${settings.otlp.target.protocol}) to ${settings.otlp.target.url}\n`);
	await new Promise<void>((resolve) => {
		const stop = () => resolve();
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	});
	await collector.close();
}

function redact(url: string): string {
	return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
