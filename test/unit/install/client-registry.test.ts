// Where each client's config files are looked for, on each platform (the documented
// locations), and how the roots are chosen from the environment.

import { describe, expect, it } from 'vitest';
import { clientConfigFiles, parseClientId } from '../../../src/install/client-registry.js';
import { resolveClientRoots } from '../../../src/install/client-roots.js';

const files = (platform: NodeJS.Platform, environment: NodeJS.ProcessEnv, project: string) =>
	clientConfigFiles(resolveClientRoots({ platform, environment, project })).map((file) => `${file.client} ${file.scope} ${file.file}`);

describe('client config locations', () => {
	it('on Linux', () => {
		expect(files('linux', { MCPREC_CLIENT_HOME: '/home/ann' }, '/home/ann/app').map((line) => line.replace('/home/ann', '~'))).toEqual([
			'claude-desktop user ~/.config/Claude/claude_desktop_config.json',
			'claude-code user ~/.claude.json',
			'claude-code project ~/app/.mcp.json',
			'cursor user ~/.cursor/mcp.json',
			'cursor project ~/app/.cursor/mcp.json',
			'vscode user ~/.config/Code/User/mcp.json',
			'vscode user ~/.config/Code/User/settings.json',
			'vscode project ~/app/.vscode/mcp.json',
			'windsurf user ~/.codeium/windsurf/mcp_config.json',
			'codex user ~/.codex/config.toml',
			'codex project ~/app/.codex/config.toml',
			'gemini user ~/.gemini/settings.json',
			'gemini project ~/app/.gemini/settings.json',
		]);
	});

	it('on macOS, the app settings under ~/Library/Application Support', () => {
		const found = files('darwin', { MCPREC_CLIENT_HOME: '/Users/ann' }, '/Users/ann/app');
		expect(found).toContain('claude-desktop user /Users/ann/Library/Application Support/Claude/claude_desktop_config.json');
		expect(found).toContain('vscode user /Users/ann/Library/Application Support/Code/User/mcp.json');
		expect(found).toContain('cursor user /Users/ann/.cursor/mcp.json');
	});

	it('on Windows, %APPDATA% and backslashes', () => {
		const found = files('win32', { APPDATA: 'C:\\Users\\Zoë\\AppData\\Roaming' }, 'C:\\src\\app');
		expect(found).toContain('claude-desktop user C:\\Users\\Zoë\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
		expect(found).toContain('vscode user C:\\Users\\Zoë\\AppData\\Roaming\\Code\\User\\mcp.json');
		expect(found).toContain('vscode project C:\\src\\app\\.vscode\\mcp.json');
	});

	it('honours XDG_CONFIG_HOME and CODEX_HOME, and MCPREC_CLIENT_HOME overrides them all', () => {
		const found = files('linux', { XDG_CONFIG_HOME: '/cfg', CODEX_HOME: '/codex' }, '/p');
		expect(found).toContain('claude-desktop user /cfg/Claude/claude_desktop_config.json');
		expect(found).toContain('codex user /codex/config.toml');
		const overridden = files('linux', { XDG_CONFIG_HOME: '/cfg', CODEX_HOME: '/codex', MCPREC_CLIENT_HOME: '/t' }, '/p');
		expect(overridden).toContain('claude-desktop user /t/.config/Claude/claude_desktop_config.json');
		expect(overridden).toContain('codex user /t/.codex/config.toml');
	});

	it('lists a file once when the project is the home folder', () => {
		const found = files('linux', { MCPREC_CLIENT_HOME: '/h' }, '/h');
		expect(found.filter((line) => line.endsWith('/h/.cursor/mcp.json'))).toEqual(['cursor user /h/.cursor/mcp.json']);
	});

	it('reads --client names and refuses unknown ones, naming the known', () => {
		expect(['vscode', 'VS Code', 'claude_desktop', 'gemini-cli'].map(parseClientId)).toEqual(['vscode', 'vscode', 'claude-desktop', 'gemini']);
		expect(() => parseClientId('zed')).toThrow("unknown client 'zed' (expected claude-desktop, claude-code, cursor, vscode, windsurf, codex, gemini)");
	});
});
