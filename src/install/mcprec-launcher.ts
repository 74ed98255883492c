// The command a client config gets to start mcprec: this node binary and mcprec's entry
// script, both absolute, because GUI clients (Claude Desktop, Cursor, VS Code on macOS) are
// started without the shell's PATH and would not find `mcprec` or `node`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McprecLauncher } from './wrap-entry.js';

export function currentLauncher(): McprecLauncher {
	// This module sits two folders below the package (dist/bundle/, dist/install/ or src/install/).
	const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mcprec.js');
	let script = entry;
	try {
		script = fs.realpathSync(entry);
	} catch {
		// Not there: doctor says so.
	}
	return { command: process.execPath, prefix: [script] };
}
