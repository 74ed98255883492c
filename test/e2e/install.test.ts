// `mcprec install` through the built binary, one test per client shape: a config file like
// the client's own in a temp home, `install` run on it, then the rewritten entry started
// exactly as that client starts a stdio server (its command, args, env and cwd, with the
// SDK's default environment as clients pass it) by the official SDK client; a tool call goes
// through to the real server-memory, the session lands in the store under the entry's key,
// and `uninstall` gives the file back byte for byte.

import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { makeHome, readSessions, removeHome, runMcprec, servers } from '../helpers/mcprec.js';
import { waitFor } from '../helpers/sdk-client.js';

const KEY = 'mémoire partagée';

interface Shape {
	client: string;
	/** Where the file goes, relative to the client home ({project} is the project folder). */
	file: string;
	/** The file's text, given the entry's command, args and env as JSON (TOML for Codex). */
	write: (entry: { command: string; args: string[]; env: Record<string, string> }) => string;
	/** The entry inside the parsed file. */
	entry: (document: Record<string, any>) => Record<string, any>;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

const SHAPES: Shape[] = [
	{
		client: 'claude-desktop',
		file: '.config/Claude/claude_desktop_config.json',
		write: (entry) => json({ mcpServers: { [KEY]: entry }, globalShortcut: '' }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		client: 'claude-code',
		file: '.claude.json',
		write: (entry) => json({ numStartups: 3, projects: { '/home/ann/app': { allowedTools: [], mcpServers: { [KEY]: { type: 'stdio', ...entry } } } } }),
		entry: (document) => document.projects['/home/ann/app'].mcpServers[KEY],
	},
	{
		client: 'cursor',
		file: '{project}/.cursor/mcp.json',
		write: (entry) => json({ mcpServers: { [KEY]: entry } }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		client: 'vscode',
		file: '{project}/.vscode/mcp.json',
		write: (entry) => `// servers of this workspace\n{\n\t"inputs": [],\n\t"servers": {\n\t\t// the memory\n\t\t${JSON.stringify(KEY)}: ${JSON.stringify({ type: 'stdio', ...entry })},\n\t},\n}\n`,
		entry: (document) => document.servers[KEY],
	},
	{
		client: 'windsurf',
		file: '.codeium/windsurf/mcp_config.json',
		write: (entry) => json({ mcpServers: { [KEY]: { ...entry, disabled: false } } }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		client: 'codex',
		file: '.codex/config.toml',
		write: (entry) =>
			[
				'# Codex',
				'model = "o3"',
				'',
				`[mcp_servers.${JSON.stringify(KEY)}]`,
				`command = ${JSON.stringify(entry.command)} # node`,
				`args = [${entry.args.map((arg) => JSON.stringify(arg)).join(', ')}]`,
				'startup_timeout_sec = 20',
				'',
				`[mcp_servers.${JSON.stringify(KEY)}.env]`,
				...Object.entries(entry.env).map(([name, value]) => `${name} = ${JSON.stringify(value)}`),
				'',
			].join('\n'),
		entry: (document) => document.mcp_servers[KEY],
	},
	{
		client: 'gemini',
		file: '.gemini/settings.json',
		write: (entry) => json({ theme: 'GitHub', mcpServers: { [KEY]: { ...entry, trust: false } } }),
		entry: (document) => document.mcpServers[KEY],
	},
];

describe('mcprec install, then the client starts the wrapped entry', () => {
	const homes: string[] = [];
	afterAll(() => homes.forEach(removeHome));

	it.each(SHAPES)('$client', async (shape) => {
		const home = makeHome('mcprec-install-e2e-');
		homes.push(home);
		const clientHome = path.join(home, 'client home');
		const project = path.join(clientHome, 'project');
		const file = path.join(clientHome, shape.file.replace('{project}/', 'project/'));
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.mkdirSync(project, { recursive: true });
		const memoryFile = path.join(home, 'memory ü.jsonl');
		const original = shape.write({ command: process.execPath, args: [servers.memory], env: { MEMORY_FILE_PATH: memoryFile } });
		fs.writeFileSync(file, original);
		const env = { MCPREC_CLIENT_HOME: clientHome };

		const installed = await runMcprec(['install', '--client', shape.client], home, { env, cwd: project });
		expect(installed.exitCode, installed.stderr).toBe(0);
		expect(installed.stdout).toContain(`${KEY}: wrapped`);
		const text = fs.readFileSync(file, 'utf8');
		const entry = shape.entry((shape.client === 'codex' ? parseToml(text) : parseJsonc(text)) as Record<string, any>);
		expect(entry.command).toBe(process.execPath);
		expect(entry.args.slice(1, 5)).toEqual(['run', '--name', KEY, '--']);
		expect(entry.env.MEMORY_FILE_PATH).toBe(memoryFile);

		const transport = new StdioClientTransport({
			command: entry.command,
			args: entry.args,
			// MCPREC_HOME stands in for the person's default state folder.
			env: { ...getDefaultEnvironment(), ...entry.env, MCPREC_HOME: home },
			cwd: entry.cwd,
			stderr: 'pipe',
		});
		const client = new Client({ name: `${shape.client}-like`, version: '1.0.0' });
		await client.connect(transport);
		try {
			const result = (await client.callTool({ name: 'create_entities', arguments: { entities: [{ name: 'Zoë', entityType: 'person', observations: ['likes TOML'] }] } })) as CallToolResult;
			expect(result.isError ?? false).toBe(false);
			expect(JSON.stringify(result.content)).toContain('Zoë');
		} finally {
			await client.close();
		}
		expect(fs.readFileSync(memoryFile, 'utf8')).toContain('likes TOML');
		const session = await waitFor('the session in the store', () => readSessions(home).find((row) => row.server === KEY && row.ended_at !== null));
		expect(session.client_name).toBe(`${shape.client}-like`);

		const again = await runMcprec(['install', '--client', shape.client], home, { env, cwd: project });
		expect(again.exitCode).toBe(0);
		expect(fs.readFileSync(file, 'utf8')).toBe(text);

		const uninstalled = await runMcprec(['uninstall', '--client', shape.client], home, { env, cwd: project });
		expect(uninstalled.exitCode, uninstalled.stderr).toBe(0);
		expect(fs.readFileSync(file, 'utf8')).toBe(original);
	});
});

describe('mcprec install --dry-run and mcprec doctor', () => {
	const home = makeHome('mcprec-doctor-e2e-');
	afterAll(() => removeHome(home));
	const clientHome = path.join(home, 'client');
	const file = path.join(clientHome, '.cursor', 'mcp.json');
	const env = { MCPREC_CLIENT_HOME: clientHome };
	const original = json({ mcpServers: { memory: { command: process.execPath, args: [servers.memory] }, gone: { command: 'no-such-server-command-xyz' } } });

	it('--dry-run prints the diff and writes nothing', async () => {
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.writeFileSync(file, original);
		const result = await runMcprec(['install', '--dry-run'], home, { env, cwd: clientHome });
		expect(result.exitCode, result.stderr).toBe(0);
		expect(result.stdout).toContain('mcpServers › memory: would be wrapped');
		expect(result.stdout).toContain('-       "command": "no-such-server-command-xyz"');
		expect(result.stdout).toContain('+         "--name",');
		expect(result.stdout).toContain('nothing was written');
		expect(fs.readFileSync(file, 'utf8')).toBe(original);
		const asJson = JSON.parse((await runMcprec(['install', '--dry-run', '--json'], home, { env, cwd: clientHome })).stdout) as { dryRun: boolean; files: { file: string; changed: boolean; diff: string }[] };
		expect(asJson.dryRun).toBe(true);
		expect(asJson.files.map((entry) => [entry.file, entry.changed])).toEqual([[file, true]]);
	});

	it('doctor says what is wrapped, what will not start, and the fix; exit 1', async () => {
		const before = await runMcprec(['doctor'], home, { env, cwd: clientHome });
		expect(before.exitCode).toBe(0);
		expect(before.stdout).toContain("mcpServers › memory: not wrapped (mcprec install --client cursor --server 'memory')");

		expect((await runMcprec(['install', '--client', 'cursor'], home, { env, cwd: clientHome })).exitCode).toBe(0);
		const after = await runMcprec(['doctor', '--json'], home, { env, cwd: clientHome });
		expect(after.exitCode).toBe(1);
		const report = JSON.parse(after.stdout) as { ok: boolean; store: { writable: boolean }; files: { servers: { key: string; wrapped: boolean; resolves: boolean }[] }[]; problems: { what: string; fix: string }[] };
		expect(report.ok).toBe(false);
		expect(report.store.writable).toBe(true);
		expect(report.files[0]!.servers.map((server) => [server.key, server.wrapped, server.resolves])).toEqual([
			['memory', true, true],
			['gone', true, true],
		]);
		expect(report.problems).toEqual([
			{ what: "Cursor: 'gone': the server command 'no-such-server-command-xyz' is not found on the PATH Cursor sees", fix: `write its absolute path in ${file} (\`command -v no-such-server-command-xyz\` in a shell shows it)` },
		]);

		// The launcher written by install points at a script that is gone (mcprec moved).
		const text = fs.readFileSync(file, 'utf8');
		fs.writeFileSync(file, text.replaceAll(JSON.stringify(path.resolve('bin/mcprec.js')).slice(1, -1), '/nowhere/bin/mcprec.js'));
		const broken = await runMcprec(['doctor'], home, { env, cwd: clientHome });
		expect(broken.exitCode).toBe(1);
		expect(broken.stdout).toContain("Cursor: 'memory': mcprec's entry script /nowhere/bin/mcprec.js is gone");
		expect(broken.stdout).toContain("fix: mcprec install --client cursor --server 'memory'");
		const fixed = await runMcprec(['install', '--client', 'cursor'], home, { env, cwd: clientHome });
		expect(fixed.stdout).toContain('mcpServers › memory: launcher updated');
		expect(fs.readFileSync(file, 'utf8')).toBe(text);
	});
});

describe('mcprec doctor on the policy and the login', () => {
	const home = makeHome('mcprec-doctor-policy-');
	afterAll(() => removeHome(home));
	const env = { MCPREC_CLIENT_HOME: path.join(home, 'no clients'), MCPREC_CREDENTIAL_STORE: 'file' };

	it('names a policy that does not load, and a login the policy requires', async () => {
		fs.writeFileSync(path.join(home, 'config.yaml'), 'policy: missing.yaml\n');
		const missing = await runMcprec(['doctor', '--json'], home, { env });
		expect(missing.exitCode).toBe(1);
		expect(JSON.parse(missing.stdout).problems).toEqual([
			{ what: expect.stringContaining("policy file 'missing.yaml' does not exist"), fix: `correct 'policy:' in ${path.join(home, 'config.yaml')}` },
		]);

		fs.writeFileSync(path.join(home, 'policy.yaml'), 'version: 1\nidentity:\n  required: true\n');
		fs.writeFileSync(path.join(home, 'config.yaml'), 'policy: policy.yaml\n');
		const required = await runMcprec(['doctor'], home, { env });
		expect(required.exitCode).toBe(1);
		expect(required.stdout).toContain(`✓ policy  ${path.join(home, 'policy.yaml')}`);
		expect(required.stdout).toContain('✗ login   not signed in (required by the policy)');
		expect(required.stdout).toContain('the policy requires a login and there is no usable one\n    fix: mcprec login');

		fs.writeFileSync(path.join(home, 'policy.yaml'), 'version: 1\nrules:\n  - name: x\n    match: {}\n    action: block\n');
		const broken = await runMcprec(['doctor', '--json'], home, { env });
		expect(broken.exitCode).toBe(1);
		expect(JSON.parse(broken.stdout).problems).toEqual([{ what: expect.stringContaining("unknown action 'block'"), fix: `mcprec policy check ${path.join(home, 'policy.yaml')}` }]);
	});
});
