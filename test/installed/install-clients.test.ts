// `mcprec install`, `doctor` and `uninstall` from the installed package on a temp home: the
// entry install writes must start the installed mcprec without the shell's PATH (the node
// binary and the package's bin/mcprec.js, absolute), as a desktop client starts it.

import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, servers } from '../helpers/mcprec.js';
import { installedPackage, mcprec, type InstalledPackage } from './installed-package.js';

let installed: InstalledPackage;
let home: string;

beforeAll(async () => {
	installed = await installedPackage();
	home = makeHome('mcprec-installed-install-');
}, 20 * 60_000);

afterAll(() => {
	if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe('install, doctor and uninstall of the installed mcprec', () => {
	it('wraps a Claude Desktop entry that then starts without PATH, and puts the file back', async () => {
		const clientHome = path.join(home, 'person');
		const file = path.join(clientHome, '.config', 'Claude', 'claude_desktop_config.json');
		fs.mkdirSync(path.dirname(file), { recursive: true });
		const original = `{\n  "mcpServers": {\n    "memory": { "command": ${JSON.stringify(process.execPath)}, "args": [${JSON.stringify(servers.memory)}], "env": { "MEMORY_FILE_PATH": ${JSON.stringify(path.join(home, 'memory.jsonl'))} } }\n  }\n}\n`;
		fs.writeFileSync(file, original);
		const env = { MCPREC_CLIENT_HOME: clientHome };

		const install = await mcprec(installed, home, ['install'], { env, cwd: clientHome });
		expect(install.exitCode, install.stderr).toBe(0);
		const entry = JSON.parse(fs.readFileSync(file, 'utf8')).mcpServers.memory;
		expect(entry.args[0]).toBe(fs.realpathSync(path.join(installed.packageDir, 'bin/mcprec.js')));
		expect(path.isAbsolute(entry.command)).toBe(true);

		// A desktop app's environment: no PATH of the shell, nothing of mcprec's bin folder.
		const environment = { ...getDefaultEnvironment(), PATH: '/usr/bin:/bin', ...entry.env, MCPREC_HOME: home, MCPREC_CREDENTIAL_STORE: 'file' };
		const client = new Client({ name: 'claude-ai', version: '0.1.0' });
		await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: environment, stderr: 'pipe' }));
		try {
			const result = (await client.callTool({ name: 'read_graph', arguments: {} })) as CallToolResult;
			expect(result.isError ?? false).toBe(false);
		} finally {
			await client.close();
		}

		const deadline = Date.now() + 15_000;
		let sessions: { server: string; endedAt: string | null }[] = [];
		while (Date.now() < deadline) {
			sessions = JSON.parse((await mcprec(installed, home, ['sessions', '--json'])).stdout);
			if (sessions.some((session) => session.server === 'memory' && session.endedAt)) break;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(sessions.map((session) => session.server)).toEqual(['memory']);

		const doctor = await mcprec(installed, home, ['doctor', '--json'], { env, cwd: clientHome });
		expect(doctor.exitCode, doctor.stdout).toBe(0);
		const report = JSON.parse(doctor.stdout);
		expect(report.files[0].servers[0]).toMatchObject({ key: 'memory', wrapped: true, resolves: true });
		expect(report.files[0].servers[0].lastSession).toMatch(/^\d{4}-/);

		const uninstall = await mcprec(installed, home, ['uninstall'], { env, cwd: clientHome });
		expect(uninstall.exitCode, uninstall.stderr).toBe(0);
		expect(fs.readFileSync(file, 'utf8')).toBe(original);
	});
});
