// `sync.auto: true`: after `mcprec run` ends, upload in the background. The sync runs as
// its own detached process with no pipes, so the MCP client is never kept waiting and
// the sync outlives the run; a failure only means the next sync uploads more.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { readSyncConfig } from '../config/sync-config.js';

export function startBackgroundSync(configFile: string): void {
	try {
		if (!fs.existsSync(configFile) || !readSyncConfig(configFile).auto) return;
		const child = spawn(process.execPath, [process.argv[1]!, 'sync'], { detached: true, stdio: 'ignore', env: process.env });
		child.on('error', () => {});
		child.unref();
	} catch {
		// A broken config is reported by the commands that need it; `run` must still exit cleanly.
	}
}
