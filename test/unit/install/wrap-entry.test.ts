// Which entries count as wrapped in mcprec (written by install or by hand), what a wrapped
// entry runs, and how each kind of entry is wrapped.

import { describe, expect, it } from 'vitest';
import { readWrapped, unwrapEntry, wrapEntry, type WrappedTarget } from '../../../src/install/wrap-entry.js';

const launcher = { command: 'C:\\Program Files\\nodejs\\node.exe', prefix: ['C:\\Users\\Zoë\\AppData\\Roaming\\npm\\node_modules\\mcprec\\bin\\mcprec.js'] };

describe('readWrapped', () => {
	const cases: [string, Record<string, unknown>, WrappedTarget | undefined][] = [
		['mcprec on PATH', { command: 'mcprec', args: ['run', '--name', 'fs', '--', 'npx', '-y', 'server-fs'] }, { kind: 'stdio', name: 'fs', command: 'npx', args: ['-y', 'server-fs'] }],
		['no --, options before the command', { command: 'mcprec', args: ['run', '-n', 'g', '--policy', 'p.yaml', 'server', '--name', 'x'] }, { kind: 'stdio', name: 'g', command: 'server', args: ['--name', 'x'] }],
		['npx -y mcprec', { command: 'npx', args: ['-y', 'mcprec', 'run', '--name=fs', '--', 'srv'] }, { kind: 'stdio', name: 'fs', command: 'srv', args: [] }],
		['node and the entry script (install)', { command: launcher.command, args: [...launcher.prefix, 'run', '--name', 'a b', '--', 'x'] }, { kind: 'stdio', name: 'a b', command: 'x', args: [] }],
		['Windows shim', { command: 'C:\\npm\\mcprec.cmd', args: ['run', '--', 'x'] }, { kind: 'stdio', name: undefined, command: 'x', args: [] }],
		[
			'remote',
			{ command: 'mcprec', args: ['run', '--name', 'gh', '--url', 'https://h/mcp', '--header', 'Authorization: Bearer ${input:pat}', '--transport', 'sse'] },
			{ kind: 'remote', name: 'gh', url: 'https://h/mcp', headers: { Authorization: 'Bearer ${input:pat}' }, transport: 'sse' },
		],
		['not mcprec', { command: 'npx', args: ['-y', 'server-mcprec-tools', 'run'] }, undefined],
		['mcprec without run', { command: 'mcprec', args: ['sessions'] }, undefined],
		['a url entry', { url: 'https://h/mcp' }, undefined],
	];
	it.each(cases)('%s', (_name, entry, expected) => {
		expect(readWrapped(entry)).toEqual(expected);
	});
});

describe('wrapEntry', () => {
	it('puts a stdio entry behind the launcher, every other field kept', () => {
		const entry = { type: 'stdio', command: 'npx', args: ['-y', 'srv'], env: { A: '1' }, cwd: 'D:\\w', disabled: false };
		expect(wrapEntry('mémoire', entry, launcher)).toEqual({
			action: 'wrap',
			entry: { type: 'stdio', command: launcher.command, args: [...launcher.prefix, 'run', '--name', 'mémoire', '--', 'npx', '-y', 'srv'], env: { A: '1' }, cwd: 'D:\\w', disabled: false },
		});
	});

	it.each([
		['VS Code / Claude Code', { type: 'http', url: 'https://h/mcp', headers: { 'X-Key': 'k' } }, { type: 'stdio' }, ['--url', 'https://h/mcp', '--header', 'X-Key: k']],
		['Cursor SSE', { type: 'sse', url: 'https://h/sse' }, { type: 'stdio' }, ['--url', 'https://h/sse', '--transport', 'sse']],
		['Windsurf', { serverUrl: 'https://h/mcp', disabled: false }, { disabled: false }, ['--url', 'https://h/mcp']],
		['Gemini CLI', { httpUrl: 'https://h/mcp', timeout: 5 }, { timeout: 5 }, ['--url', 'https://h/mcp', '--transport', 'streamable-http']],
		['Codex', { url: 'https://h/mcp', http_headers: { R: 'us' } }, {}, ['--url', 'https://h/mcp', '--header', 'R: us']],
	])('wraps a remote entry (%s) as run --url', (_client, entry, kept, args) => {
		expect(wrapEntry('k', entry, launcher)).toEqual({ action: 'wrap', entry: { ...kept, command: launcher.command, args: [...launcher.prefix, 'run', '--name', 'k', ...args] } });
	});

	it('recognises an entry wrapped by hand and leaves it', () => {
		expect(wrapEntry('k', { command: 'mcprec', args: ['run', '--', 'x'] }, launcher).action).toBe('already-wrapped');
	});

	it('updates only the launcher of an entry install wrote with another node or mcprec', () => {
		const old = { command: '/old/node', args: ['/old/mcprec/bin/mcprec.js', 'run', '--name', 'k', '--', 'x'], env: {} };
		expect(wrapEntry('k', old, launcher)).toMatchObject({ action: 'relaunch', entry: { command: launcher.command, args: [...launcher.prefix, 'run', '--name', 'k', '--', 'x'], env: {} } });
	});

	it('skips what it cannot wrap, saying why', () => {
		expect(wrapEntry('k', { command: 'x', args: 'not a list' }, launcher)).toEqual({ action: 'skip', reason: "'args' is not a list of strings" });
		expect(wrapEntry('k', { disabled: true }, launcher)).toEqual({ action: 'skip', reason: 'neither a command nor a url' });
		expect(wrapEntry('k', 'text', launcher)).toEqual({ action: 'skip', reason: 'not an object' });
		expect(wrapEntry('k', { url: 'https://h', bearer_token_env_var: 'TOKEN' }, launcher)).toMatchObject({ action: 'skip' });
	});

	it('unwraps a remote entry without a record to url, headers and type', () => {
		const wrapped = wrapEntry('k', { type: 'sse', url: 'https://h/sse', headers: { A: 'b' } }, launcher);
		if (wrapped.action !== 'wrap') throw new Error('not wrapped');
		expect(unwrapEntry(wrapped.entry, readWrapped(wrapped.entry)!)).toEqual({ type: 'sse', url: 'https://h/sse', headers: { A: 'b' } });
	});
});
