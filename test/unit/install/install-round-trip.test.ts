// install then uninstall, on real files in a temp folder: the fixtures copied from real
// clients' configs, and generated configs (fast-check, seeded) in every shape the editors
// meet: JSON with comments, tabs or spaces, CRLF, a byte order mark; TOML with quoted keys
// and comments. Uninstall must give back the bytes when nothing changed since, and otherwise
// the original entries with the later edit kept; a second install must change no byte.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { applyEdits, modify, parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { clientConfigFiles, type ClientConfigFile } from '../../../src/install/client-registry.js';
import { resolveClientRoots } from '../../../src/install/client-roots.js';
import { installClients, uninstallClients } from '../../../src/install/install-clients.js';
import { InstallLedger } from '../../../src/install/install-ledger.js';
import { sameValue } from '../../../src/install/same-value.js';
import { readWrapped, type McprecLauncher } from '../../../src/install/wrap-entry.js';
import { fixturesDir } from '../../helpers/mcprec.js';

const launcher: McprecLauncher = { command: '/opt/node/bin/node', prefix: ['/opt/mcprec/bin/mcprec.js'] };
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-install-unit-'));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));
let counter = 0;

/** Where each fixture goes in a home folder: the client's file of that scope. */
const FIXTURES: [fixture: string, client: string, scope: string][] = [
	['claude_desktop_config.json', 'claude-desktop', 'user'],
	['claude.json', 'claude-code', 'user'],
	['mcp.json', 'claude-code', 'project'],
	['cursor-mcp.json', 'cursor', 'user'],
	['vscode-mcp.json', 'vscode', 'project'],
	['windsurf-mcp_config.json', 'windsurf', 'user'],
	['codex-config.toml', 'codex', 'user'],
	['gemini-settings.json', 'gemini', 'user'],
];

function freshHome() {
	const home = path.join(temporary, `home-${counter++}`);
	const roots = resolveClientRoots({ platform: 'linux', environment: { MCPREC_CLIENT_HOME: home }, project: path.join(home, 'project') });
	return { home, files: clientConfigFiles(roots), ledger: () => InstallLedger.open(path.join(home, 'state')) };
}

function place(files: ClientConfigFile[], client: string, scope: string, bytes: Buffer | string): ClientConfigFile {
	const config = files.find((file) => file.client === client && file.scope === scope)!;
	fs.mkdirSync(path.dirname(config.file), { recursive: true });
	fs.writeFileSync(config.file, bytes);
	return config;
}

function readEntries(config: ClientConfigFile): Map<string, unknown> {
	const text = fs.readFileSync(config.file, 'utf8').replace(/^\ufeff/, '');
	const document = (config.format === 'toml' ? parseToml(text) : parseJsonc(text, [], { allowTrailingComma: true })) as Record<string, unknown>;
	const found = new Map<string, unknown>();
	const walk = (node: unknown, mapPath: readonly string[], trail: string[]) => {
		if (mapPath.length === 0) {
			for (const [key, value] of Object.entries((node ?? {}) as Record<string, unknown>)) found.set(JSON.stringify([...trail, key]), value);
			return;
		}
		const [head, ...rest] = mapPath;
		const object = (node ?? {}) as Record<string, unknown>;
		for (const key of head === '*' ? Object.keys(object) : [head!]) if (object[key] !== undefined) walk(object[key], rest, [...trail, key]);
	};
	for (const mapPath of config.serverMaps) walk(document, mapPath, []);
	return found;
}

describe('install and uninstall on the fixture configs', () => {
	const { files, ledger } = freshHome();
	const originals = new Map<string, Buffer>();
	const placed = FIXTURES.map(([fixture, client, scope]) => {
		const bytes = fs.readFileSync(path.join(fixturesDir, 'client-configs', fixture));
		const config = place(files, client, scope, bytes);
		originals.set(config.file, bytes);
		return config;
	});

	it('wraps every entry, keeps the other fields, and says which were wrapped by hand', () => {
		const before = new Map(placed.map((config) => [config.file, readEntries(config)]));
		const outcomes = installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
		expect(outcomes.map((outcome) => outcome.file).sort()).toEqual(placed.map((config) => config.file).sort());
		expect(outcomes.flatMap((outcome) => outcome.servers.filter((server) => server.action !== 'wrapped').map((server) => `${server.key}: ${server.action}`))).toEqual([
			'already: already-wrapped',
			'notion: skipped',
		]);
		for (const config of placed) {
			for (const [id, value] of readEntries(config)) {
				const original = before.get(config.file)!.get(id) as Record<string, unknown>;
				const target = readWrapped(value as Record<string, unknown>)!;
				if (id.includes('notion')) {
					expect(sameValue(value, original), 'a skipped entry stays as it was').toBe(true);
					continue;
				}
				expect(target, id).toBeDefined();
				if (id.includes('already')) {
					expect(sameValue(value, original), 'an entry wrapped by hand stays as it was').toBe(true);
					continue;
				}
				expect((value as Record<string, unknown>).command).toBe(launcher.command);
				if (typeof original.command === 'string') expect([target.kind === 'stdio' && target.command, ...(target.kind === 'stdio' ? target.args : [])]).toEqual([original.command, ...((original.args as string[]) ?? [])]);
				else expect(target.kind === 'remote' && target.url).toBe(original.url ?? original.serverUrl ?? original.httpUrl);
				for (const [name, field] of Object.entries(original)) {
					if (!['command', 'args', 'url', 'serverUrl', 'httpUrl', 'headers', 'http_headers', 'type'].includes(name)) expect(sameValue((value as Record<string, unknown>)[name], field), `${id} ${name}`).toBe(true);
				}
			}
		}
		// Comments and unusual keys stay.
		const vscode = fs.readFileSync(placed.find((config) => config.client === 'vscode')!.file, 'utf8');
		expect(vscode).toContain('// Official GitHub server, remote');
		expect(vscode).toContain('/* the memory server, local */');
		expect(vscode).toContain('"inputs": [');
		const codex = fs.readFileSync(placed.find((config) => config.client === 'codex')!.file, 'utf8');
		expect(codex).toContain('command = "/opt/node/bin/node"   # launched with npx'.replace('   #', ' #'));
		expect(codex).toContain('[mcp_servers."docs server".env]');
		expect(fs.readFileSync(placed.find((config) => config.client === 'claude-code' && config.scope === 'user')!.file, 'utf8')).toMatch(/^\{\r\n\t"numStartups"/);
	});

	it('changes no byte the second time', () => {
		const snapshot = placed.map((config) => fs.readFileSync(config.file));
		const outcomes = installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
		expect(outcomes.filter((outcome) => outcome.changed)).toEqual([]);
		expect(placed.map((config) => fs.readFileSync(config.file))).toEqual(snapshot);
	});

	it('keeps a symlinked config a symlink, and writes through it', () => {
		const cursor = placed.find((config) => config.client === 'cursor')!;
		const real = path.join(path.dirname(cursor.file), 'real-mcp.json');
		fs.renameSync(cursor.file, real);
		fs.symlinkSync(real, cursor.file);
		const before = fs.readFileSync(real);
		// Unwrap and wrap again through the link.
		uninstallClients({ files: [cursor], servers: ['linear'], dryRun: false, ledger: ledger() });
		expect(fs.lstatSync(cursor.file).isSymbolicLink()).toBe(true);
		expect(fs.readFileSync(real).equals(before)).toBe(false);
		installClients({ files: [cursor], servers: ['linear'], dryRun: false, ledger: ledger(), launcher });
		expect(fs.lstatSync(cursor.file).isSymbolicLink()).toBe(true);
		expect(fs.readFileSync(real).equals(before)).toBe(true);
	});

	it('restores every file byte for byte', () => {
		const outcomes = uninstallClients({ files, servers: [], dryRun: false, ledger: ledger() });
		expect(outcomes.every((outcome) => outcome.restored)).toBe(true);
		for (const config of placed) expect(fs.readFileSync(config.file).equals(originals.get(config.file)!), config.file).toBe(true);
	});
});

// ---- generated configs ----

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const awkward = fc.oneof(text, fc.constantFrom('my server', 'a.b', 'say "hi"', 'C:\\Program Files\\x', 'zoë', '日本語', "it's", '#not-a-comment', '[x]'));
const stdioEntry = fc.record(
	{
		command: awkward,
		args: fc.array(awkward, { maxLength: 5 }),
		env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), awkward, { maxKeys: 3 }),
		cwd: awkward,
		timeout: fc.integer({ min: 1, max: 100000 }),
	},
	{ requiredKeys: ['command'] },
);
const remoteEntry = fc.record(
	{ url: fc.webUrl(), headers: fc.dictionary(fc.stringMatching(/^[A-Za-z-]{1,10}$/), fc.string({ unit: 'grapheme', maxLength: 10 }), { maxKeys: 2 }), type: fc.constantFrom('http', 'sse') },
	{ requiredKeys: ['url'] },
);
const servers = fc.dictionary(awkward, fc.oneof(stdioEntry, remoteEntry), { minKeys: 1, maxKeys: 5 });
const jsonStyle = fc.record({ indent: fc.constantFrom(2, 4, '\t'), crlf: fc.boolean(), comment: fc.boolean(), bom: fc.boolean(), finalNewline: fc.boolean() });

function writeJson(map: Record<string, unknown>, style: { indent: number | string; crlf: boolean; comment: boolean; bom: boolean; finalNewline: boolean }): string {
	let body = JSON.stringify({ note: 'kept', mcpServers: map }, null, style.indent);
	if (style.comment) body = `// my servers\n${body.replace('"mcpServers": {', '"mcpServers": { /* wrapped? */')}`;
	if (style.finalNewline) body += '\n';
	if (style.crlf) body = body.replace(/\n/g, '\r\n');
	return (style.bom ? '\ufeff' : '') + body;
}

const tomlString = (value: string) => JSON.stringify(value).replace(/\x7f/g, '\\u007f');
const tomlKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key));

function writeToml(map: Record<string, Record<string, unknown>>, crlf: boolean): string {
	const lines = ['# codex', 'model = "o3"', ''];
	for (const [key, entry] of Object.entries(map)) {
		lines.push(`# ${key.replace(/[\r\n]/g, ' ')}`, `[mcp_servers.${tomlKey(key)}]`);
		for (const [name, value] of Object.entries(entry)) {
			if (name === 'type') continue;
			const field = name === 'headers' ? 'http_headers' : name;
			if (typeof value === 'string') lines.push(`${field} = ${tomlString(value)}`);
			else if (typeof value === 'number') lines.push(`${field} = ${value}`);
			else if (Array.isArray(value)) lines.push(`${field} = [`, ...value.map((item) => `  ${tomlString(item as string)},`), ']');
			else lines.push(`${field} = { ${Object.entries(value as Record<string, string>).map(([k, v]) => `${tomlKey(k)} = ${tomlString(v)}`).join(', ')} }`);
		}
		lines.push('');
	}
	return lines.join(crlf ? '\r\n' : '\n');
}

const shapes = fc.oneof(
	fc.record({ format: fc.constant('json' as const), servers, style: jsonStyle, client: fc.constantFrom('cursor', 'vscode', 'claude-desktop', 'gemini', 'windsurf') }),
	fc.record({ format: fc.constant('toml' as const), servers, crlf: fc.boolean() }),
);

type Shape = { format: 'json'; servers: Record<string, Record<string, unknown>>; style: Parameters<typeof writeJson>[1]; client: string } | { format: 'toml'; servers: Record<string, Record<string, unknown>>; crlf: boolean };

function setUp(shape: Shape) {
	const fresh = freshHome();
	const client = shape.format === 'toml' ? 'codex' : shape.client;
	let bytes: string;
	if (shape.format === 'toml') bytes = writeToml(shape.servers, shape.crlf);
	else {
		const key = client === 'vscode' ? 'servers' : 'mcpServers';
		bytes = writeJson(shape.servers, shape.style).replace('"mcpServers"', `"${key}"`);
	}
	const config = place(fresh.files, client, 'user', bytes);
	return { ...fresh, config, bytes: Buffer.from(bytes, 'utf8'), files: [config] };
}

const runs = { seed: 1705, numRuns: 60 };

describe('install and uninstall on generated configs', () => {
	it('uninstall after install gives back the same bytes, and a second install changes none', () => {
		fc.assert(
			fc.property(shapes, (shape) => {
				const { config, files, ledger, bytes } = setUp(shape as Shape);
				const before = readEntries(config);
				installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
				const installed = fs.readFileSync(config.file);
				expect(installed.equals(bytes)).toBe(false);
				for (const value of readEntries(config).values()) expect(readWrapped(value as Record<string, unknown>)).toBeDefined();
				expect([...readEntries(config).keys()]).toEqual([...before.keys()]);
				installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
				expect(fs.readFileSync(config.file).equals(installed)).toBe(true);
				// One server put back and wrapped again: still the same bytes, still restorable.
				const first = JSON.parse([...before.keys()][0]!).at(-1) as string;
				uninstallClients({ files, servers: [first], dryRun: false, ledger: ledger() });
				expect(readWrapped(readEntries(config).get([...before.keys()][0]!) as Record<string, unknown>)).toBeUndefined();
				installClients({ files, servers: [first], dryRun: false, ledger: ledger(), launcher });
				expect(fs.readFileSync(config.file).equals(installed)).toBe(true);
				const [outcome] = uninstallClients({ files, servers: [], dryRun: false, ledger: ledger() });
				expect(outcome!.restored).toBe(true);
				expect(fs.readFileSync(config.file).equals(bytes)).toBe(true);
			}),
			runs,
		);
	});

	it('after a later edit, uninstall puts back each entry and keeps the edit', () => {
		fc.assert(
			fc.property(shapes, (shape) => {
				const { config, files, ledger } = setUp(shape as Shape);
				const before = readEntries(config);
				installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
				// The person adds a server by hand after install.
				let edited = fs.readFileSync(config.file, 'utf8');
				if (config.format === 'toml') edited += `${edited.includes('\r\n') ? '\r\n' : '\n'}[mcp_servers.added-later]\ncommand = "later"\n`;
				else edited = applyEdits(edited, modify(edited.replace(/^\ufeff/, ''), [config.serverMaps[0]![0]!, 'added later'], { command: 'later' }, {}).map((edit) => ({ ...edit, offset: edit.offset + (edited.startsWith('\ufeff') ? 1 : 0) })));
				fs.writeFileSync(config.file, edited);
				const [outcome] = uninstallClients({ files, servers: [], dryRun: false, ledger: ledger() });
				expect(outcome!.restored).toBe(false);
				const after = readEntries(config);
				for (const [id, value] of before) expect(sameValue(after.get(id), value), id).toBe(true);
				expect(after.size).toBe(before.size + 1);
			}),
			runs,
		);
	});

	it('without the ledger, uninstall still unwraps what install wrote (stdio entries exactly)', () => {
		fc.assert(
			fc.property(shapes, (shape) => {
				const { config, files, ledger, home } = setUp(shape as Shape);
				const before = readEntries(config);
				installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
				fs.rmSync(path.join(home, 'state'), { recursive: true });
				uninstallClients({ files, servers: [], dryRun: false, ledger: ledger() });
				for (const [id, value] of readEntries(config)) {
					expect(readWrapped(value as Record<string, unknown>), id).toBeUndefined();
					const original = before.get(id) as Record<string, unknown>;
					if (typeof original.command === 'string') expect(sameValue({ args: [], ...original }, value), id).toBe(true);
				}
			}),
			runs,
		);
	});

	it('--dry-run writes nothing', () => {
		fc.assert(
			fc.property(shapes, (shape) => {
				const { config, files, ledger, bytes, home } = setUp(shape as Shape);
				const [outcome] = installClients({ files, servers: [], dryRun: true, ledger: ledger(), launcher });
				expect(outcome!.changed).toBe(true);
				expect(fs.readFileSync(config.file).equals(bytes)).toBe(true);
				expect(fs.existsSync(path.join(home, 'state'))).toBe(false);
			}),
			{ ...runs, numRuns: 20 },
		);
	});
});

describe('files install cannot edit', () => {
	it('are left as they are with the reason, and the other files are still done', () => {
		const { files, ledger } = freshHome();
		const broken = place(files, 'cursor', 'user', '{ "mcpServers": { "a": { "command": "x" }, }\n  oops');
		const inline = place(files, 'codex', 'user', 'mcp_servers = { inline = { command = "x" } }\n');
		const fine = place(files, 'gemini', 'user', '{ "mcpServers": { "a": { "command": "x" } } }');
		const before = [broken, inline].map((config) => fs.readFileSync(config.file, 'utf8'));
		const outcomes = installClients({ files, servers: [], dryRun: false, ledger: ledger(), launcher });
		expect(outcomes.map((outcome) => [outcome.client, outcome.changed, outcome.error])).toEqual([
			['cursor', false, `${broken.file}:2:3: not valid JSON (InvalidSymbol); fix the file or leave this client out with --client`],
			['codex', false, `${inline.file}: cannot rewrite server 'inline' in place (it is not written as its own [table]); edit it by hand or leave this client out with --client`],
			['gemini', true, undefined],
		]);
		expect([broken, inline].map((config) => fs.readFileSync(config.file, 'utf8'))).toEqual(before);
		expect(readWrapped(readEntries(fine).get('["mcpServers","a"]') as Record<string, unknown>)).toMatchObject({ kind: 'stdio', command: 'x' });
	});
});

describe('uninstall after the wrapped entry itself was edited', () => {
	it('keeps the new server arguments and env, and drops only the wrapping', () => {
		const { files, ledger } = freshHome();
		const config = place(files, 'cursor', 'user', '{\n  "mcpServers": {\n    "fs": { "command": "npx", "args": ["server-fs", "/a"] }\n  }\n}\n');
		installClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), launcher });
		let text = fs.readFileSync(config.file, 'utf8');
		const wrapped = readEntries(config).get('["mcpServers","fs"]') as { args: string[] };
		text = applyEdits(text, modify(text, ['mcpServers', 'fs', 'args'], [...wrapped.args, '/b'], {}));
		text = applyEdits(text, modify(text, ['mcpServers', 'fs', 'env'], { DEBUG: '1' }, {}));
		fs.writeFileSync(config.file, text);
		const [outcome] = uninstallClients({ files: [config], servers: [], dryRun: false, ledger: ledger() });
		expect(outcome!.restored).toBe(false);
		expect(readEntries(config).get('["mcpServers","fs"]')).toEqual({ command: 'npx', args: ['server-fs', '/a', '/b'], env: { DEBUG: '1' } });
	});
});

describe('file modes', () => {
	it('a config keeps its mode; the backup and the ledger are private (they hold the tokens of env and headers)', () => {
		const { files, ledger, home } = freshHome();
		const config = place(files, 'windsurf', 'user', '{ "mcpServers": { "a": { "command": "x", "env": { "TOKEN": "secret" } } } }');
		fs.chmodSync(config.file, 0o640);
		installClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), launcher });
		expect(fs.statSync(config.file).mode & 0o777).toBe(0o640);
		const record = ledger().record(config.file)!;
		expect(fs.statSync(record.backup).mode & 0o777).toBe(0o600);
		expect(fs.statSync(path.join(home, 'state', 'installs', 'installs.json')).mode & 0o777).toBe(0o600);
		expect(fs.statSync(path.join(home, 'state', 'installs')).mode & 0o777).toBe(0o700);
	});
});

describe("VS Code's settings.json", () => {
	it('has its servers under "mcp" wrapped, the rest of the settings untouched', () => {
		const { files, ledger } = freshHome();
		const settings = files.find((file) => file.file.endsWith('settings.json') && file.client === 'vscode')!;
		fs.mkdirSync(path.dirname(settings.file), { recursive: true });
		const original = '{\n\t// editor\n\t"editor.fontSize": 14,\n\t"mcp": {\n\t\t"servers": {\n\t\t\t"fs": { "command": "npx", "args": ["srv"] }\n\t\t}\n\t}\n}\n';
		fs.writeFileSync(settings.file, original);
		installClients({ files: [settings], servers: [], dryRun: false, ledger: ledger(), launcher });
		const text = fs.readFileSync(settings.file, 'utf8');
		expect(text.startsWith('{\n\t// editor\n\t"editor.fontSize": 14,\n')).toBe(true);
		expect(readWrapped(readEntries(settings).get('["mcp","servers","fs"]') as Record<string, unknown>)).toEqual({ kind: 'stdio', name: 'fs', command: 'npx', args: ['srv'] });
		uninstallClients({ files: [settings], servers: [], dryRun: false, ledger: ledger() });
		expect(fs.readFileSync(settings.file, 'utf8')).toBe(original);
	});
});
