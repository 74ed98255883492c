// `mcprec doctor`: will the servers in the AI clients start through mcprec? Per client and
// server: wrapped or not, the command resolving on the PATH that client sees, the last
// recorded session; then the store, the login and the policy. Exit 1 with the fix to run
// when something would fail.

import fs from 'node:fs';
import path from 'node:path';
import { resolveStatePaths } from '../config/paths.js';
import { clientConfigFiles, clientDefinition, parseClientId, type ClientConfigFile, type ClientId } from '../install/client-registry.js';
import { resolveClientRoots } from '../install/client-roots.js';
import { describeEntryPath } from '../install/config-document.js';
import { openDocument } from '../install/install-clients.js';
import { clientSearchPath, isReadableFile, resolveCommand } from '../install/resolve-command.js';
import { isObject, readWrapped } from '../install/wrap-entry.js';
import { UserError } from '../errors/user-error.js';
import { openStore } from '../store/open-store.js';
import { stdoutColours } from '../terminal/colours.js';

export interface DoctorOptions {
	client?: string[];
	project?: string;
	json?: boolean;
}

interface Problem {
	what: string;
	fix: string;
}

interface ServerReport {
	key: string;
	path: string;
	wrapped: boolean;
	command?: string;
	resolves?: boolean;
	lastSession?: string | null;
	problems: Problem[];
}

interface FileReport {
	client: ClientId;
	scope: string;
	file: string;
	servers: ServerReport[];
	problems: Problem[];
}

export async function doctorCommand(options: DoctorOptions): Promise<void> {
	let clients: ClientId[];
	try {
		clients = (options.client ?? []).map(parseClientId);
	} catch (error) {
		throw new UserError(`option '--client <name>': ${(error as Error).message}`);
	}
	const paths = resolveStatePaths();
	const store = checkStore(paths.database);
	const policy = await checkPolicy(paths.config);
	const login = await checkLogin(policy.identityRequired);
	const lastSessions = readLastSessions(paths.database);
	const roots = resolveClientRoots({ project: options.project });
	const files: FileReport[] = [];
	const secretNames = await storedSecretNames();
	for (const config of clientConfigFiles(roots, clients)) {
		if (!fs.existsSync(config.file)) continue;
		files.push(checkFile(config, lastSessions, secretNames));
	}
	const problems = [...store.problems, ...policy.problems, ...login.problems, ...files.flatMap((file) => [...file.problems, ...file.servers.flatMap((server) => server.problems)])];
	if (options.json) {
		const { problems: _s, ...storeSummary } = store;
		const { problems: _p, identityRequired: _i, ...policySummary } = policy;
		const { problems: _l, ...loginSummary } = login;
		process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, store: storeSummary, login: loginSummary, policy: policySummary, files, problems }, null, 2)}\n`);
	} else printReport({ store, policy, login, files, problems });
	if (problems.length > 0) process.exitCode = 1;
}

function checkStore(database: string) {
	const folder = path.dirname(database);
	let probe = fs.existsSync(database) ? database : folder;
	while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
	let writable = true;
	try {
		fs.accessSync(probe, fs.constants.W_OK);
		if (probe === database) fs.accessSync(folder, fs.constants.W_OK);
	} catch {
		writable = false;
	}
	const problems: Problem[] = writable ? [] : [{ what: `the store ${database} is not writable`, fix: `chmod u+w ${probe === database ? `${database} ${folder}` : probe} (or set MCPREC_HOME to a folder you own)` }];
	return { database, writable, problems };
}

async function checkPolicy(configFile: string) {
	const { resolvePolicy } = await import('../policy/resolve-policy.js');
	try {
		const policy = resolvePolicy({ configFile });
		return { source: policy.source, digest: policy.digest, identityRequired: policy.identity.required, problems: [] as Problem[] };
	} catch (error) {
		const message = (error as Error).message;
		const file = (error as { file?: string }).file ?? configFile;
		const fix = file === configFile ? `correct 'policy:' in ${configFile}` : `mcprec policy check ${file}`;
		return { source: file, error: message, identityRequired: false, problems: [{ what: `the policy does not load: ${message}`, fix }] };
	}
}

async function checkLogin(required: boolean) {
	try {
		const [{ openCredentialStore }, { readLogin, isAccessTokenFresh }] = await Promise.all([import('../identity/open-credential-store.js'), import('../identity/login-record.js')]);
		const { store } = openCredentialStore();
		const record = readLogin(store);
		const usable = record !== undefined && (isAccessTokenFresh(record) || record.refreshToken !== undefined);
		const problems: Problem[] = required && !usable ? [{ what: 'the policy requires a login and there is no usable one', fix: 'mcprec login' }] : [];
		return { signedIn: record !== undefined, user: record ? (record.profile.email ?? record.profile.sub) : null, usable, required, store: store.kind, problems };
	} catch (error) {
		const message = (error as Error).message;
		return { signedIn: false, user: null, usable: false, required, error: message, problems: required ? [{ what: `the credential store cannot be read: ${message}`, fix: 'mcprec whoami' }] : [] };
	}
}

// The newest session start per server label, from the store when there is one.
function readLastSessions(database: string): Map<string, number> {
	const last = new Map<string, number>();
	if (!fs.existsSync(database)) return last;
	try {
		const db = openStore({ file: database, readonly: true });
		try {
			for (const row of db.prepare('SELECT server, MAX(started_at) AS started FROM sessions GROUP BY server').all() as { server: string; started: number }[]) last.set(row.server, row.started);
		} finally {
			db.close();
		}
	} catch {
		// An unreadable store shows as "no session"; checkStore reports what matters for writing.
	}
	return last;
}

// The names of the secrets in the credential store; undefined when it cannot be read (checkLogin says why).
async function storedSecretNames(): Promise<Set<string> | undefined> {
	try {
		const [{ openCredentialStore }, { listSecretNames }] = await Promise.all([import('../identity/open-credential-store.js'), import('../identity/secrets.js')]);
		return new Set(listSecretNames(openCredentialStore().store));
	} catch {
		return undefined;
	}
}

function checkFile(config: ClientConfigFile, lastSessions: Map<string, number>, secretNames: Set<string> | undefined): FileReport {
	const client = clientDefinition(config.client);
	const report: FileReport = { client: config.client, scope: config.scope, file: config.file, servers: [], problems: [] };
	let entries;
	try {
		entries = openDocument(config, fs.readFileSync(config.file, 'utf8').replace(/^\ufeff/, '')).entries();
	} catch (error) {
		report.problems.push({ what: (error as Error).message, fix: `fix ${config.file} (${client.label} cannot read it either)` });
		return report;
	}
	const searchPath = clientSearchPath({ gui: client.gui });
	for (const entry of entries) {
		const value = isObject(entry.value) ? entry.value : {};
		const target = readWrapped(value);
		const server: ServerReport = { key: entry.key, path: describeEntryPath(entry.mapPath, entry.key), wrapped: target !== undefined, problems: [] };
		report.servers.push(server);
		if (!target) continue;
		const cwd = typeof value.cwd === 'string' ? path.resolve(path.dirname(config.file), value.cwd) : undefined;
		const command = value.command as string;
		const args = (value.args as string[] | undefined) ?? [];
		server.command = command;
		// install writes the current node and mcprec over an install-written launcher that went stale.
		const rewrap = `mcprec install --client ${config.client} --server '${entry.key}'`;
		server.resolves = resolveCommand(command, { searchPath, cwd }) !== undefined;
		const byInstall = /(^|[\\/])mcprec\.js$/.test(args[0] ?? '');
		const absolute = `write the absolute path of '${command}' in ${config.file} (\`command -v ${command}\` in a shell shows it)`;
		if (!server.resolves) server.problems.push({ what: `${client.label}: '${entry.key}': '${command}' is not found on the PATH ${client.label} sees`, fix: byInstall ? rewrap : absolute });
		const script = args.find((arg) => /(^|[\\/])mcprec\.js$/.test(arg));
		if (script && !isReadableFile(script)) {
			server.resolves = false;
			server.problems.push({ what: `${client.label}: '${entry.key}': mcprec's entry script ${script} is gone`, fix: rewrap });
		}
		if (target.kind === 'stdio' && target.command && resolveCommand(target.command, { searchPath, cwd }) === undefined) {
			server.problems.push({
				what: `${client.label}: '${entry.key}': the server command '${target.command}' is not found on the PATH ${client.label} sees`,
				fix: `write its absolute path in ${config.file} (\`command -v ${target.command}\` in a shell shows it)`,
			});
		}
		// A --secret the store does not hold: `run` refuses to start the server.
		for (const name of secretNames ? (target.secrets ?? []) : []) {
			if (!secretNames!.has(name)) server.problems.push({ what: `${client.label}: '${entry.key}': secret ${name} is not in the credential store`, fix: `mcprec secret set ${name}` });
		}
		const started = lastSessions.get(target.name ?? entry.key);
		server.lastSession = started === undefined ? null : new Date(started / 1000).toISOString();
	}
	return report;
}

function printReport(report: {
	store: ReturnType<typeof checkStore>;
	policy: Awaited<ReturnType<typeof checkPolicy>>;
	login: Awaited<ReturnType<typeof checkLogin>>;
	files: FileReport[];
	problems: Problem[];
}): void {
	const { store, policy, login, files, problems } = report;
	const out = (line: string) => process.stdout.write(`${line}\n`);
	const mark = (ok: boolean) => (ok ? stdoutColours.green('✓') : stdoutColours.red('✗'));
	out(`${mark(store.writable)} store   ${store.database} ${store.writable ? 'writable' : 'NOT writable'}`);
	out(`${mark(policy.problems.length === 0)} policy  ${policy.problems.length === 0 ? policy.source : `does not load (${policy.source})`}`);
	const loginText = login.signedIn ? `${login.user}${login.usable ? '' : ' (expired; run `mcprec login`)'}` : 'not signed in';
	out(`${mark(login.problems.length === 0)} login   ${loginText}${login.required ? ' (required by the policy)' : ''}`);
	if (files.length === 0) out('· no MCP client config found');
	for (const file of files) {
		out('');
		out(`${stdoutColours.bold(`${clientDefinition(file.client).label} (${file.scope})`)} ${file.file}`);
		for (const problem of file.problems) out(`  ${mark(false)} ${problem.what}`);
		for (const server of file.servers) {
			if (!server.wrapped) {
				out(`  · ${server.path}: not wrapped (mcprec install --client ${file.client} --server '${server.key}')`);
				continue;
			}
			const last = server.lastSession ? `last session ${server.lastSession}` : 'no session yet';
			out(`  ${mark(server.problems.length === 0)} ${server.path}: wrapped, ${server.problems.length === 0 ? 'command resolves' : 'will not start'}, ${last}`);
		}
	}
	if (problems.length === 0) return;
	out('');
	out(stdoutColours.red(`${problems.length} problem(s):`));
	for (const problem of problems) {
		out(`  ${mark(false)} ${problem.what}`);
		out(`    fix: ${problem.fix}`);
	}
}
