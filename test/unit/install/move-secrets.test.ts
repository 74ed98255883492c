// install --move-secrets on real files in a temp folder: which header values count as
// secrets, and, on generated configs (fast-check, seeded) with tokens in their remote
// entries' headers, that no file install writes (the config, the ledger, the backup) holds a
// token in clear, that each token is in the vault under the name the entry refers to, and
// that uninstall gives back the original bytes from the vault.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { clientConfigFiles, type ClientConfigFile } from '../../../src/install/client-registry.js';
import { resolveClientRoots } from '../../../src/install/client-roots.js';
import { headerSecret, secretBaseName } from '../../../src/install/header-secrets.js';
import { installClients, uninstallClients, type SecretVault } from '../../../src/install/install-clients.js';
import { InstallLedger } from '../../../src/install/install-ledger.js';
import { readWrapped, type McprecLauncher } from '../../../src/install/wrap-entry.js';

const launcher: McprecLauncher = { command: '/opt/node/bin/node', prefix: ['/opt/mcprec/bin/mcprec.js'] };
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-move-secrets-'));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));
let counter = 0;

function memoryVault(): SecretVault & { values: Map<string, string> } {
	const values = new Map<string, string>();
	return { values, get: (name) => values.get(name), set: (name, value) => void values.set(name, value) };
}

function freshHome() {
	const home = path.join(temporary, `home-${counter++}`);
	const roots = resolveClientRoots({ platform: 'linux', environment: { MCPREC_CLIENT_HOME: home }, project: path.join(home, 'project') });
	const state = path.join(home, 'state');
	return { home, state, files: clientConfigFiles(roots), ledger: () => InstallLedger.open(state) };
}

function place(files: ClientConfigFile[], client: string, bytes: string): ClientConfigFile {
	const config = files.find((file) => file.client === client && file.scope === 'user')!;
	fs.mkdirSync(path.dirname(config.file), { recursive: true });
	fs.writeFileSync(config.file, bytes);
	return config;
}

/** Every file under a folder, as text. */
function allText(folder: string): string {
	if (!fs.existsSync(folder)) return '';
	return (fs.readdirSync(folder, { recursive: true }) as string[])
		.map((name) => path.join(folder, name))
		.filter((file) => fs.statSync(file).isFile())
		.map((file) => fs.readFileSync(file, 'utf8'))
		.join('\n');
}

// Tokens as services issue them: a prefix, then 20 to 40 characters with letters and digits.
const token = fc
	.tuple(fc.constantFrom('sk_live_', 'ghp_', 'xoxb-', 'ctx7-', ''), fc.stringMatching(/^[A-Za-z0-9_-]{20,40}$/))
	.map(([prefix, body]) => `${prefix}${body}`)
	.filter((value) => /[0-9]/.test(value) && /[A-Za-z]/.test(value));

describe('headerSecret', () => {
	it('finds the token after an auth scheme, and the whole value of a header named for a key or token', () => {
		fc.assert(
			fc.property(token, fc.constantFrom('Bearer', 'bearer', 'Token', 'Basic'), fc.constantFrom(' ', '  ', '\t'), (value, scheme, space) => {
				expect(headerSecret('Authorization', `${scheme}${space}${value}`)).toEqual({ before: `${scheme}${space}`, secret: value, after: '' });
				for (const name of ['X-API-Key', 'api_key', 'X-Auth-Token', 'CONTEXT7_API_KEY', 'Cookie']) expect(headerSecret(name, value)).toEqual({ before: '', secret: value, after: '' });
				// A token-like value is a secret whatever the header is called.
				expect(headerSecret('X-Custom', value)?.secret).toBe(value);
			}),
			{ seed: 42, numRuns: 200 },
		);
	});

	it('leaves references, short values and ordinary headers alone', () => {
		for (const [name, value] of [
			['Authorization', 'Bearer ${input:github-pat}'],
			['Authorization', 'Bearer ${SENTRY_TOKEN}'],
			['X-API-Key', '${env:KEY}'],
			['X-API-Key', 'abc'],
			['Accept-Language', 'en-US,en;q=0.9'],
			['X-Figma-Region', 'us-east-1'],
			['User-Agent', 'my-client/1.2.3 (linux; x64)'],
		]) {
			expect(headerSecret(name!, value!), `${name}: ${value}`).toBeUndefined();
		}
	});

	it('names secrets as environment variables', () => {
		expect(secretBaseName('github', 'Authorization')).toBe('GITHUB_TOKEN');
		expect(secretBaseName('mémoire partagée', 'X-API-Key')).toBe('MEMOIRE_PARTAGEE_X_API_KEY');
		expect(secretBaseName('7 seas', 'Authorization')).toBe('MCP_7_SEAS_TOKEN');
		expect(secretBaseName('日本語', 'Authorization')).toBe('TOKEN');
		fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 15 }), fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), (key, header) => {
			expect(secretBaseName(key, header)).toMatch(/^[A-Z_][A-Z0-9_]*$/);
		}), {
			seed: 7,
			numRuns: 200,
		});
	});
});

// ---- generated configs ----

const headerName = fc.constantFrom('Authorization', 'X-API-Key', 'x-goog-api-key', 'X-Region');
const remoteEntry = fc.record({
	url: fc.constantFrom('https://mcp.example.com/mcp', 'http://127.0.0.1:8080/mcp', 'https://api.githubcopilot.com/mcp/'),
	headers: fc.dictionary(headerName, token, { minKeys: 1, maxKeys: 3 }).map((headers) => {
		const result: Record<string, string> = {};
		for (const [name, value] of Object.entries(headers)) result[name] = name === 'Authorization' ? `Bearer ${value}` : name === 'X-Region' ? 'us-east-1' : value;
		return result;
	}),
});
const key = fc.constantFrom('github', 'my server', 'zoë', 'Context 7', 'a.b', 'github-2');
const servers = fc.dictionary(key, fc.oneof(remoteEntry, remoteEntry, fc.record({ command: fc.constantFrom('npx', 'C:\\tools\\srv.exe'), args: fc.constant(['-y', 'x']) })), { minKeys: 1, maxKeys: 4 });
const shapes = fc.record({ servers, client: fc.constantFrom('cursor', 'gemini', 'vscode', 'codex'), crlf: fc.boolean(), comment: fc.boolean() });

function writeConfig(shape: { servers: Record<string, Record<string, unknown>>; client: string; crlf: boolean; comment: boolean }): string {
	let text: string;
	if (shape.client === 'codex') {
		const lines = ['# codex', 'model = "o3"', ''];
		for (const [name, entry] of Object.entries(shape.servers)) {
			lines.push(`[mcp_servers.${JSON.stringify(name)}]`);
			if (typeof entry.command === 'string') lines.push(`command = ${JSON.stringify(entry.command)}`, `args = ${JSON.stringify(entry.args)}`);
			else lines.push(`url = ${JSON.stringify(entry.url)}`, `http_headers = { ${Object.entries(entry.headers as Record<string, string>).map(([h, v]) => `${JSON.stringify(h)} = ${JSON.stringify(v)}`).join(', ')} }`);
			if (shape.comment) lines.push('# tokens below');
			lines.push('');
		}
		text = lines.join('\n');
	} else {
		const map = shape.client === 'vscode' ? 'servers' : 'mcpServers';
		const entries = Object.fromEntries(Object.entries(shape.servers).map(([name, entry]) => [name, shape.client === 'vscode' && entry.url ? { type: 'http', ...entry } : entry]));
		text = JSON.stringify({ [map]: entries, other: 1 }, null, '\t');
		if (shape.comment) text = `// my servers, tokens and all\n${text}\n`;
	}
	return shape.crlf ? text.replace(/\n/g, '\r\n') : text;
}

function tokensOf(shape: { servers: Record<string, Record<string, unknown>> }): string[] {
	return Object.values(shape.servers).flatMap((entry) => Object.values((entry.headers ?? {}) as Record<string, string>).map((value) => value.replace(/^Bearer /, ''))).filter((value) => value !== 'us-east-1');
}

function readEntries(config: ClientConfigFile): Record<string, Record<string, unknown>> {
	const text = fs.readFileSync(config.file, 'utf8');
	const document = (config.format === 'toml' ? parseToml(text) : parseJsonc(text)) as Record<string, Record<string, Record<string, unknown>>>;
	return document[config.serverMaps[0]![0]!]!;
}

const runs = { seed: 2026, numRuns: 40 };

describe('install --move-secrets on generated configs', () => {
	it('writes no token anywhere, keeps each in the vault under the name the entry uses, and uninstall gives the bytes back', () => {
		fc.assert(
			fc.property(shapes, (shape) => {
				const { files, ledger, state } = freshHome();
				const original = writeConfig(shape);
				const config = place(files, shape.client, original);
				const vault = memoryVault();
				const [outcome] = installClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), launcher, vault, moveSecrets: true });
				const written = fs.readFileSync(config.file, 'utf8');
				for (const secret of tokensOf(shape)) {
					expect(written).not.toContain(secret);
					expect(allText(state)).not.toContain(secret);
					expect([...vault.values.values()]).toContain(secret);
				}
				for (const [name, entry] of Object.entries(readEntries(config))) {
					const target = readWrapped(entry)!;
					const before = shape.servers[name]!;
					if (target.kind !== 'remote') continue;
					const args = entry.args as string[];
					// Each header is sent as it was: its ${NAME}s filled from the vault give the original value.
					const filled = Object.fromEntries(Object.entries(target.headers).map(([header, value]) => [header, value.replace(/\$\{(\w+)\}/g, (_whole, secret: string) => vault.values.get(secret)!)]));
					expect(filled).toEqual(before.headers);
					for (const secret of target.secrets ?? []) expect(args).toContain(secret);
					expect(outcome!.servers.find((server) => server.key === name)?.movedSecrets?.sort()).toEqual(target.secrets?.sort());
				}
				// Again: nothing changes, no second name for the same secret.
				const names = [...vault.values.keys()];
				installClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), launcher, vault, moveSecrets: true });
				expect(fs.readFileSync(config.file, 'utf8')).toBe(written);
				expect([...vault.values.keys()]).toEqual(names);
				const [undone] = uninstallClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), vault });
				expect(undone!.restored).toBe(true);
				expect(fs.readFileSync(config.file, 'utf8')).toBe(original);
			}),
			runs,
		);
	});

	it('first without the flag (secrets listed, left in clear), then with it: moved, and still restored byte for byte', () => {
		fc.assert(
			fc.property(shapes, (shape) => {
				const { files, ledger, state } = freshHome();
				const original = writeConfig(shape);
				const config = place(files, shape.client, original);
				const vault = memoryVault();
				const [plain] = installClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), launcher });
				const remote = Object.entries(shape.servers).filter(([, entry]) => entry.url);
				for (const [name, entry] of remote) {
					const secretHeaders = Object.keys(entry.headers as object).filter((header) => header !== 'X-Region');
					expect(plain!.servers.find((server) => server.key === name)?.secretsInClear?.sort(), name).toEqual(secretHeaders.length > 0 ? secretHeaders.sort() : undefined);
				}
				const [moved] = installClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), launcher, vault, moveSecrets: true });
				expect(moved!.servers.filter((server) => server.action === 'secrets-moved').map((server) => server.key).sort()).toEqual(remote.filter(([, entry]) => tokensOf({ servers: { x: entry } }).length > 0).map(([name]) => name).sort());
				for (const secret of tokensOf(shape)) {
					expect(fs.readFileSync(config.file, 'utf8')).not.toContain(secret);
					expect(allText(state)).not.toContain(secret);
				}
				const [undone] = uninstallClients({ files: [config], servers: [], dryRun: false, ledger: ledger(), vault });
				expect(undone!.restored).toBe(true);
				expect(fs.readFileSync(config.file, 'utf8')).toBe(original);
			}),
			{ ...runs, numRuns: 25 },
		);
	});
});

describe('install --move-secrets, edge cases', () => {
	const config = (servers: Record<string, unknown>) => JSON.stringify({ mcpServers: servers }, null, 2);

	it('a name the store holds with another value gets a suffix; the same value keeps its name; a dry run stores nothing', () => {
		const { files, ledger } = freshHome();
		const file = place(files, 'cursor', config({ github: { url: 'https://h/mcp', headers: { Authorization: 'Bearer ghp_0123456789abcdefghij' } } }));
		const vault = memoryVault();
		vault.set('GITHUB_TOKEN', 'someone-elses-token-1234');
		const [dry] = installClients({ files: [file], servers: [], dryRun: true, ledger: ledger(), launcher, vault, moveSecrets: true });
		expect(dry!.servers[0]!.movedSecrets).toEqual(['GITHUB_TOKEN_2']);
		expect([...vault.values.keys()]).toEqual(['GITHUB_TOKEN']);
		installClients({ files: [file], servers: [], dryRun: false, ledger: ledger(), launcher, vault, moveSecrets: true });
		expect(vault.values.get('GITHUB_TOKEN_2')).toBe('ghp_0123456789abcdefghij');
		expect(readEntries(file).github!.args).toEqual([...launcher.prefix, 'run', '--name', 'github', '--url', 'https://h/mcp', '--secret', 'GITHUB_TOKEN_2', '--header', 'Authorization: Bearer ${GITHUB_TOKEN_2}']);
	});

	it('a secret gone from the store at uninstall: the entry stays wrapped and says how to put it back', () => {
		const { files, ledger, state } = freshHome();
		const original = config({ linear: { url: 'https://h/mcp', headers: { 'X-API-Key': 'lin_api_0123456789abcdef' } }, fs: { command: 'npx', args: ['fs'] } });
		const file = place(files, 'cursor', original);
		const vault = memoryVault();
		installClients({ files: [file], servers: [], dryRun: false, ledger: ledger(), launcher, vault, moveSecrets: true });
		vault.values.clear();
		const [outcome] = uninstallClients({ files: [file], servers: [], dryRun: false, ledger: ledger(), vault });
		expect(outcome!.restored).toBe(false);
		expect(outcome!.servers.map((server) => [server.key, server.action])).toEqual([
			['linear', 'left-wrapped'],
			['fs', 'unwrapped'],
		]);
		expect(outcome!.servers[0]!.reason).toContain('mcprec secret set LINEAR_X_API_KEY');
		expect(readWrapped(readEntries(file).linear!)).toMatchObject({ kind: 'remote', secrets: ['LINEAR_X_API_KEY'] });
		// Put back, uninstall finishes the job: the record was kept for it, and the file comes back whole.
		vault.set('LINEAR_X_API_KEY', 'lin_api_0123456789abcdef');
		const [finished] = uninstallClients({ files: [file], servers: [], dryRun: false, ledger: ledger(), vault });
		expect(finished!.restored).toBe(true);
		expect(fs.readFileSync(file.file, 'utf8')).toBe(original);
		expect(allText(state)).not.toContain('lin_api_0123456789abcdef');
	});

	it('without the ledger, uninstall fills the header from the store', () => {
		const { files, ledger, state } = freshHome();
		const file = place(files, 'cursor', config({ ctx: { url: 'https://h/mcp', headers: { Authorization: 'Bearer ctx7-0123456789abcdefgh' } } }));
		const vault = memoryVault();
		installClients({ files: [file], servers: [], dryRun: false, ledger: ledger(), launcher, vault, moveSecrets: true });
		fs.rmSync(state, { recursive: true });
		uninstallClients({ files: [file], servers: [], dryRun: false, ledger: ledger(), vault });
		expect(readEntries(file).ctx).toEqual({ url: 'https://h/mcp', headers: { Authorization: 'Bearer ctx7-0123456789abcdefgh' } });
	});
});
