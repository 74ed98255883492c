// The AI clients mcprec can wrap, where each keeps its MCP servers (per platform, user and
// project scope) and the shape of its server map. The locations are the clients' documented
// ones; Linux has no official Claude Desktop, and ~/.config/Claude is where community builds look.

import path from 'node:path';
import type { ClientRoots } from './client-roots.js';

export type ClientId = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode' | 'windsurf' | 'codex' | 'gemini';
export type ConfigFormat = 'json' | 'toml';
export type ConfigScope = 'user' | 'project';

/** One config file a client reads, and where its server maps sit inside it. */
export interface ClientConfigFile {
	client: ClientId;
	scope: ConfigScope;
	file: string;
	format: ConfigFormat;
	/**
	 * The server maps in the parsed document: each is a path of keys to an object whose
	 * members are server entries. A `*` segment stands for every key of the object there
	 * (Claude Code's `projects[<path>].mcpServers`).
	 */
	serverMaps: readonly (readonly string[])[];
}

/** A client mcprec knows. */
export interface ClientDefinition {
	id: ClientId;
	label: string;
	/** GUI apps started from the desktop do not see the shell's PATH (macOS launchd's is /usr/bin:/bin:/usr/sbin:/sbin). */
	gui: boolean;
	files: (roots: ClientRoots) => ClientConfigFile[];
}

const pathsFor = (roots: ClientRoots) => (roots.platform === 'win32' ? path.win32 : path.posix);

export const CLIENTS: readonly ClientDefinition[] = [
	{
		id: 'claude-desktop',
		label: 'Claude Desktop',
		gui: true,
		files: (roots) => [
			{ client: 'claude-desktop', scope: 'user', format: 'json', file: pathsFor(roots).join(roots.appData, 'Claude', 'claude_desktop_config.json'), serverMaps: [['mcpServers']] },
		],
	},
	{
		id: 'claude-code',
		label: 'Claude Code',
		gui: false,
		files: (roots) => [
			{
				client: 'claude-code',
				scope: 'user',
				format: 'json',
				file: pathsFor(roots).join(roots.home, '.claude.json'),
				serverMaps: [['mcpServers'], ['projects', '*', 'mcpServers']],
			},
			{ client: 'claude-code', scope: 'project', format: 'json', file: pathsFor(roots).join(roots.project, '.mcp.json'), serverMaps: [['mcpServers']] },
		],
	},
	{
		id: 'cursor',
		label: 'Cursor',
		gui: true,
		files: (roots) => [
			{ client: 'cursor', scope: 'user', format: 'json', file: pathsFor(roots).join(roots.home, '.cursor', 'mcp.json'), serverMaps: [['mcpServers']] },
			{ client: 'cursor', scope: 'project', format: 'json', file: pathsFor(roots).join(roots.project, '.cursor', 'mcp.json'), serverMaps: [['mcpServers']] },
		],
	},
	{
		id: 'vscode',
		label: 'VS Code',
		gui: true,
		files: (roots) => [
			{ client: 'vscode', scope: 'user', format: 'json', file: pathsFor(roots).join(roots.appData, 'Code', 'User', 'mcp.json'), serverMaps: [['servers']] },
			// Before mcp.json (VS Code 1.102), servers lived in settings.json under "mcp".
			{ client: 'vscode', scope: 'user', format: 'json', file: pathsFor(roots).join(roots.appData, 'Code', 'User', 'settings.json'), serverMaps: [['mcp', 'servers']] },
			{ client: 'vscode', scope: 'project', format: 'json', file: pathsFor(roots).join(roots.project, '.vscode', 'mcp.json'), serverMaps: [['servers']] },
		],
	},
	{
		id: 'windsurf',
		label: 'Windsurf',
		gui: true,
		files: (roots) => [
			{ client: 'windsurf', scope: 'user', format: 'json', file: pathsFor(roots).join(roots.home, '.codeium', 'windsurf', 'mcp_config.json'), serverMaps: [['mcpServers']] },
		],
	},
	{
		id: 'codex',
		label: 'Codex',
		gui: false,
		files: (roots) => [
			{
				client: 'codex',
				scope: 'user',
				format: 'toml',
				file: pathsFor(roots).join(roots.codexHome ?? pathsFor(roots).join(roots.home, '.codex'), 'config.toml'),
				serverMaps: [['mcp_servers']],
			},
			{ client: 'codex', scope: 'project', format: 'toml', file: pathsFor(roots).join(roots.project, '.codex', 'config.toml'), serverMaps: [['mcp_servers']] },
		],
	},
	{
		id: 'gemini',
		label: 'Gemini CLI',
		gui: false,
		files: (roots) => [
			{ client: 'gemini', scope: 'user', format: 'json', file: pathsFor(roots).join(roots.home, '.gemini', 'settings.json'), serverMaps: [['mcpServers']] },
			{ client: 'gemini', scope: 'project', format: 'json', file: pathsFor(roots).join(roots.project, '.gemini', 'settings.json'), serverMaps: [['mcpServers']] },
		],
	},
];

export const CLIENT_IDS: readonly ClientId[] = CLIENTS.map((client) => client.id);

/** The config files of the given clients (all when none is named), user scope first; the same file is listed once. */
export function clientConfigFiles(roots: ClientRoots, clients: readonly ClientId[] = []): ClientConfigFile[] {
	const chosen = clients.length === 0 ? CLIENTS : CLIENTS.filter((client) => clients.includes(client.id));
	const seen = new Set<string>();
	const files: ClientConfigFile[] = [];
	for (const client of chosen) {
		for (const file of client.files(roots)) {
			// The project folder may be the home folder (~/.cursor/mcp.json is then both scopes).
			if (seen.has(file.file)) continue;
			seen.add(file.file);
			files.push(file);
		}
	}
	return files;
}

export function clientDefinition(id: ClientId): ClientDefinition {
	return CLIENTS.find((client) => client.id === id)!;
}

/** Reads `--client` values: a known id, a few common spellings accepted. */
export function parseClientId(text: string): ClientId {
	const normal = text.trim().toLowerCase().replace(/[\s_]+/g, '-');
	const aliases: Record<string, ClientId> = { claude: 'claude-desktop', 'vs-code': 'vscode', code: 'vscode', 'gemini-cli': 'gemini' };
	const id = (CLIENT_IDS as readonly string[]).includes(normal) ? (normal as ClientId) : aliases[normal];
	if (!id) throw new Error(`unknown client '${text}' (expected ${CLIENT_IDS.join(', ')})`);
	return id;
}
