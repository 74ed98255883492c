// `mcprec install` on remote entries, through the built binary, one test per client shape
// (url, serverUrl, httpUrl, type http|sse; JSON, JSONC and TOML): a config like the
// client's own in a temp home, `install` run on it, then the rewritten entry started exactly
// as that client starts a stdio server (its command, args and env) by the official SDK
// client, against a real MCP server on 127.0.0.1 — server-everything (Streamable HTTP or
// HTTP+SSE), or the SDK-built fixture where the server must require a token. A tool call
// goes through, the session lands in the store under the entry's key, and `uninstall`
// gives the file back byte for byte. With --move-secrets the token is in no file mcprec
// wrote, and the server still gets it.

import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, readEvents, readSessions, removeHome, runMcprec } from '../helpers/mcprec.js';
import { startEverything, startFixture, type RemoteServer } from '../helpers/remote-server.js';
import { waitFor } from '../helpers/sdk-client.js';

const KEY = 'équipe distante';
const TOKEN = 'sk_live_e2e_0123456789abcdefXYZ';
// The file credential store, and no desktop keychain to find.
const credentialEnv = { MCPREC_CREDENTIAL_STORE: 'file', DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' };

type Upstream = 'streamable' | 'sse' | 'token';

interface Shape {
	name: string;
	client: string;
	/** Where the file goes, relative to the client home ({project} is the project folder). */
	file: string;
	upstream: Upstream;
	moveSecrets: boolean;
	/** Also: doctor on the moved secret, and uninstall once it is gone from the store. */
	secretGone?: boolean;
	/** The file's text, given the server's URL and the headers to send. */
	write: (url: string, headers: Record<string, string>) => string;
	/** The entry inside the parsed file. */
	entry: (document: Record<string, any>) => Record<string, any>;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const bearer = { Authorization: `Bearer ${TOKEN}` };

const SHAPES: Shape[] = [
	{
		name: 'Claude Code, type http in ~/.claude.json',
		client: 'claude-code',
		file: '.claude.json',
		upstream: 'streamable',
		moveSecrets: false,
		write: (url, headers) => json({ numStartups: 7, mcpServers: { [KEY]: { type: 'http', url, headers } }, projects: { 'C:\\Users\\Zoë\\app': { mcpServers: {} } } }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		name: "Claude Code, type sse in a project's .mcp.json",
		client: 'claude-code',
		file: '{project}/.mcp.json',
		upstream: 'sse',
		moveSecrets: false,
		write: (url, headers) => json({ mcpServers: { [KEY]: { type: 'sse', url, headers } } }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		name: 'Cursor, url with the token left in clear',
		client: 'cursor',
		file: '.cursor/mcp.json',
		upstream: 'token',
		moveSecrets: false,
		write: (url, headers) => json({ mcpServers: { [KEY]: { url, headers: { ...headers, ...bearer } } } }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		name: 'VS Code, type http in .vscode/mcp.json (JSONC)',
		client: 'vscode',
		file: '{project}/.vscode/mcp.json',
		upstream: 'streamable',
		moveSecrets: false,
		write: (url, headers) =>
			`// workspace servers\n{\n\t"inputs": [],\n\t"servers": {\n\t\t/* remote */\n\t\t${JSON.stringify(KEY)}: {\n\t\t\t"type": "http",\n\t\t\t"url": ${JSON.stringify(url)}, // the team's\n\t\t\t"headers": ${JSON.stringify(headers)},\n\t\t},\n\t},\n}\n`,
		entry: (document) => document.servers[KEY],
	},
	{
		name: 'Windsurf, serverUrl, token moved',
		client: 'windsurf',
		file: '.codeium/windsurf/mcp_config.json',
		upstream: 'token',
		moveSecrets: true,
		write: (url, headers) => json({ mcpServers: { [KEY]: { serverUrl: url, headers: { ...headers, ...bearer }, disabled: false } } }),
		entry: (document) => document.mcpServers[KEY],
	},
	{
		name: 'Codex, url and http_headers (TOML), token moved',
		client: 'codex',
		file: '.codex/config.toml',
		upstream: 'token',
		moveSecrets: true,
		write: (url, headers) =>
			[
				'# Codex',
				'model = "o3"',
				'',
				`[mcp_servers.${JSON.stringify(KEY)}]`,
				`url = ${JSON.stringify(url)} # remote`,
				`http_headers = { ${Object.entries({ ...headers, ...bearer }).map(([name, value]) => `${JSON.stringify(name)} = ${JSON.stringify(value)}`).join(', ')} }`,
				'startup_timeout_sec = 20',
				'',
			].join('\n'),
		entry: (document) => document.mcp_servers[KEY],
	},
	{
		name: 'Gemini CLI, httpUrl, token moved',
		client: 'gemini',
		file: '.gemini/settings.json',
		upstream: 'token',
		moveSecrets: true,
		secretGone: true,
		write: (url, headers) => json({ theme: 'GitHub', mcpServers: { [KEY]: { httpUrl: url, headers: { ...headers, ...bearer }, trust: false, timeout: 30000 } } }),
		entry: (document) => document.mcpServers[KEY],
	},
];

describe('mcprec install on remote entries, then the client starts the wrapped entry', () => {
	const upstreams: Partial<Record<Upstream, RemoteServer>> = {};
	const homes: string[] = [];

	beforeAll(async () => {
		[upstreams.streamable, upstreams.sse, upstreams.token] = await Promise.all([startEverything('streamableHttp'), startEverything('sse'), startFixture(['--token', TOKEN])]);
	}, 30_000);
	afterAll(async () => {
		await Promise.all(Object.values(upstreams).map((server) => server?.stop()));
		homes.forEach(removeHome);
	});

	it.each(SHAPES)('$name', async (shape) => {
		const upstream = upstreams[shape.upstream]!;
		const home = makeHome('mcprec-install-remote-');
		homes.push(home);
		const clientHome = path.join(home, 'client home');
		const project = path.join(clientHome, 'project');
		const file = path.join(clientHome, shape.file.replace('{project}/', 'project/'));
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.mkdirSync(project, { recursive: true });
		const original = shape.write(upstream.url, { 'X-Team': 'blue team 42' });
		fs.writeFileSync(file, original);
		const env = { MCPREC_CLIENT_HOME: clientHome, ...credentialEnv };

		const installed = await runMcprec(['install', '--client', shape.client, ...(shape.moveSecrets ? ['--move-secrets'] : [])], home, { env, cwd: project });
		expect(installed.exitCode, installed.stderr).toBe(0);
		expect(installed.stdout).toContain(`${KEY}: wrapped`);
		const text = fs.readFileSync(file, 'utf8');
		const entry = shape.entry((shape.client === 'codex' ? parseToml(text) : parseJsonc(text)) as Record<string, any>);
		expect(entry.command).toBe(process.execPath);
		expect(entry.args.slice(1, 6)).toEqual(['run', '--name', KEY, '--url', upstream.url]);
		expect(entry.url ?? entry.serverUrl ?? entry.httpUrl).toBeUndefined();
		if (shape.upstream === 'sse') expect(entry.args).toEqual(expect.arrayContaining(['--transport', 'sse']));
		if (shape.upstream === 'token' && shape.moveSecrets) {
			const name = installed.stdout.match(/moved a header secret into the credential store as (\w+)/)?.[1];
			expect(name, installed.stdout).toBeDefined();
			expect(entry.args).toEqual(expect.arrayContaining(['--secret', name, '--header', `Authorization: Bearer \${${name}}`]));
			// Not in the config, nor in anything install keeps beside it.
			expect(text).not.toContain(TOKEN);
			for (const kept of fs.readdirSync(path.join(home, 'installs'))) expect(fs.readFileSync(path.join(home, 'installs', kept), 'utf8')).not.toContain(TOKEN);
			const secrets = await runMcprec(['secret', 'list', '--json'], home, { env });
			expect(JSON.parse(secrets.stdout)).toEqual([name]);
		} else if (shape.upstream === 'token') {
			expect(installed.stdout).toContain(`header 'Authorization' holds a secret in clear in this file; move it into the credential store with: mcprec install --move-secrets --client ${shape.client} --server '${KEY}'`);
			expect(entry.args).toEqual(expect.arrayContaining(['--header', `Authorization: Bearer ${TOKEN}`]));
		}

		const transport = new StdioClientTransport({
			command: entry.command,
			args: entry.args,
			// MCPREC_HOME stands in for the person's default state folder.
			env: { ...getDefaultEnvironment(), ...(entry.env ?? {}), MCPREC_HOME: home, ...credentialEnv },
			cwd: entry.cwd,
			stderr: 'pipe',
		});
		let stderr = '';
		transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
		const client = new Client({ name: `${shape.client}-like`, version: '1.0.0' });
		await client.connect(transport);
		try {
			if (shape.upstream === 'token') {
				// The fixture answered 401 to anything without the token; the other header went through as written.
				const result = (await client.callTool({ name: 'header', arguments: { name: 'x-team' } })) as CallToolResult;
				expect(result.isError ?? false, stderr).toBe(false);
				expect(JSON.stringify(result.content)).toContain('blue team 42');
			} else {
				const result = (await client.callTool({ name: 'echo', arguments: { message: 'héllo' } })) as CallToolResult;
				expect(result.isError ?? false, stderr).toBe(false);
				expect(JSON.stringify(result.content)).toContain('héllo');
			}
		} finally {
			await client.close();
		}
		const session = await waitFor('the session in the store', () => readSessions(home).find((row) => row.server === KEY && row.ended_at !== null));
		expect(session.client_name).toBe(`${shape.client}-like`);
		expect(session.url).toBe(upstream.url);
		if (shape.moveSecrets) {
			const recorded = readEvents(home).map((event) => Buffer.from((event.payload as Buffer | null) ?? []).toString('utf8')).join('\n');
			expect(recorded).not.toContain(TOKEN);
		}

		const again = await runMcprec(['install', '--client', shape.client, ...(shape.moveSecrets ? ['--move-secrets'] : [])], home, { env, cwd: project });
		expect(again.exitCode, again.stderr).toBe(0);
		expect(fs.readFileSync(file, 'utf8')).toBe(text);

		if (shape.secretGone) {
			const name = (entry.args as string[])[(entry.args as string[]).indexOf('--secret') + 1]!;
			const doctor = await runMcprec(['doctor', '--json'], home, { env, cwd: project });
			expect(JSON.parse(doctor.stdout).problems, doctor.stdout).toEqual([]);
			expect((await runMcprec(['secret', 'rm', name], home, { env })).exitCode).toBe(0);
			const missing = await runMcprec(['doctor', '--json'], home, { env, cwd: project });
			expect(missing.exitCode).toBe(1);
			expect(JSON.parse(missing.stdout).problems).toEqual([{ what: `Gemini CLI: '${KEY}': secret ${name} is not in the credential store`, fix: `mcprec secret set ${name}` }]);
			const stuck = await runMcprec(['uninstall', '--client', shape.client], home, { env, cwd: project });
			expect(stuck.stdout).toContain(`${KEY}: left wrapped (its original holds secret ${name}, which is not in the credential store; put it back with \`mcprec secret set ${name}\` and run uninstall again)`);
			expect(fs.readFileSync(file, 'utf8')).toBe(text);
			expect((await runMcprec(['secret', 'set', name], home, { env, input: TOKEN })).exitCode).toBe(0);
		}

		const uninstalled = await runMcprec(['uninstall', '--client', shape.client], home, { env, cwd: project });
		expect(uninstalled.exitCode, uninstalled.stderr).toBe(0);
		expect(uninstalled.stdout).toContain('restored from its backup');
		expect(fs.readFileSync(file, 'utf8')).toBe(original);
	});
});
