// How one server entry of a client config is wrapped in `mcprec run` and unwrapped again.
// Pure: an entry's parsed value in, the value it should have out. A stdio entry keeps every
// field but `command` and `args`; a remote one (url, serverUrl, httpUrl, type http|sse)
// becomes a stdio entry running `mcprec run --url`, its headers passed as `--header`, the
// secrets in them moved into the credential store when asked (header-secrets.ts).

import { headerSecret, type MovedSecret } from './header-secrets.js';

/** A server entry as parsed from a client's config. */
export type ServerEntry = Record<string, unknown>;

/** The command that starts mcprec: absolute paths, because GUI clients do not see the shell's PATH. */
export interface McprecLauncher {
	/** The node binary (process.execPath). */
	command: string;
	/** The words before `run`: mcprec's entry script (bin/mcprec.js). */
	prefix: string[];
}

/** What a wrapped entry runs behind mcprec. */
export type WrappedTarget =
	| { kind: 'stdio'; name?: string; command: string; args: string[]; secrets?: string[] }
	| { kind: 'remote'; name?: string; url: string; headers: Record<string, string>; transport?: string; secrets?: string[] };

/** Keys that name a remote server's address, by client: Windsurf serverUrl, Gemini CLI httpUrl (Streamable HTTP) and url (SSE). */
const URL_KEYS = ['url', 'serverUrl', 'httpUrl'] as const;
/** Keys that hold a remote server's headers (Codex: http_headers). */
const HEADER_KEYS = ['headers', 'http_headers'] as const;
/** `run` options that take a value; the first other word starts the server command. */
const RUN_VALUE_OPTIONS = new Set(['-n', '--name', '-p', '--policy', '--lock-timeout', '--secret', '--env', '--url', '--header', '--transport']);

/** The headers of a remote entry that hold secrets: moved into the credential store, or (not asked to) left in clear. */
export interface HeaderSecrets {
	moved?: MovedSecret[];
	/** Names of headers that still hold a secret in clear. */
	inClear?: string[];
}

export type WrapDecision =
	| ({ action: 'wrap'; entry: ServerEntry } & HeaderSecrets)
	| ({ action: 'already-wrapped'; target: WrappedTarget } & HeaderSecrets)
	/** Written by install with another node or mcprec (since moved or upgraded), or its secrets moved: only those words change. */
	| ({ action: 'relaunch'; target: WrappedTarget; entry: ServerEntry; launcherChanged: boolean } & HeaderSecrets)
	| { action: 'skip'; reason: string };

export interface WrapOptions {
	/**
	 * Asked to move secrets out of headers: the name the secret of this header is kept under
	 * in the credential store. Without it, secrets stay in clear and are listed.
	 */
	secretName?: (header: string, secret: string) => string;
}

/** What `install` does with one entry. */
export function wrapEntry(key: string, entry: unknown, launcher: McprecLauncher, options: WrapOptions = {}): WrapDecision {
	if (!isObject(entry)) return { action: 'skip', reason: 'not an object' };
	const wrapped = readWrapped(entry);
	if (wrapped) {
		let args = entry.args as string[];
		const launcherChanged = isInstallForm(entry) && (entry.command !== launcher.command || args[0] !== launcher.prefix[0]);
		if (launcherChanged) args = [...launcher.prefix, ...args.slice(1)];
		const secrets = wrapped.kind === 'remote' ? moveWrappedHeaderSecrets(args, options) : { args };
		const { moved, inClear } = secrets;
		if (!launcherChanged && !moved) return { action: 'already-wrapped', target: wrapped, ...(inClear && { inClear }) };
		const command = launcherChanged ? launcher.command : entry.command;
		return { action: 'relaunch', target: wrapped, entry: { ...entry, command, args: secrets.args }, launcherChanged, ...(moved && { moved }), ...(inClear && { inClear }) };
	}
	if (typeof entry.command === 'string') {
		if (entry.args !== undefined && !isStringArray(entry.args)) return { action: 'skip', reason: "'args' is not a list of strings" };
		const args = (entry.args as string[] | undefined) ?? [];
		return { action: 'wrap', entry: { ...entry, command: launcher.command, args: [...launcher.prefix, 'run', '--name', key, '--', entry.command, ...args] } };
	}
	const urlKey = URL_KEYS.find((name) => typeof entry[name] === 'string');
	if (urlKey && typeof entry.bearer_token_env_var === 'string') {
		// Codex reads the token from its own environment; `run --header` takes secrets from mcprec's store.
		return { action: 'skip', reason: `its token comes from $${entry.bearer_token_env_var}; wrap it by hand with \`mcprec secret set ${entry.bearer_token_env_var}\` and --header "Authorization: Bearer \${${entry.bearer_token_env_var}}" --secret ${entry.bearer_token_env_var}` };
	}
	if (urlKey) {
		const headerKey = HEADER_KEYS.find((name) => entry[name] !== undefined);
		const headers = headerKey ? entry[headerKey] : {};
		if (!isObject(headers) || !Object.values(headers).every((value) => typeof value === 'string')) return { action: 'skip', reason: `'${headerKey}' is not a map of strings` };
		const transport = remoteTransport(entry, urlKey);
		const args = [...launcher.prefix, 'run', '--name', key, '--url', entry[urlKey] as string];
		if (transport) args.push('--transport', transport);
		const secrets = moveWrappedHeaderSecrets(
			Object.entries(headers as Record<string, string>).flatMap(([name, value]) => ['--header', `${name}: ${value}`]),
			options,
		);
		args.push(...secrets.args);
		const result: ServerEntry = {};
		for (const [name, value] of Object.entries(entry)) {
			if (name === urlKey || name === headerKey) continue;
			// A declared remote type becomes stdio; VS Code and Claude Code read `type`.
			result[name] = name === 'type' ? 'stdio' : value;
		}
		result.command = launcher.command;
		result.args = args;
		return { action: 'wrap', entry: result, ...(secrets.moved && { moved: secrets.moved }), ...(secrets.inClear && { inClear: secrets.inClear }) };
	}
	return { action: 'skip', reason: 'neither a command nor a url' };
}

// The `--header` words of `run` arguments with each secret in them moved (`--secret NAME
// --header "Name: Bearer ${NAME}"`) or, when not asked to, listed as in clear.
function moveWrappedHeaderSecrets(args: readonly string[], options: WrapOptions): { args: string[] } & HeaderSecrets {
	const result: string[] = [];
	const moved: MovedSecret[] = [];
	const inClear: string[] = [];
	for (let index = 0; index < args.length; index++) {
		const word = args[index]!;
		if (word === '--') {
			result.push(...args.slice(index));
			break;
		}
		const inline = word.startsWith('--header=');
		if (word !== '--header' && !inline) {
			result.push(word);
			// An option's value is never read as an option itself.
			if (RUN_VALUE_OPTIONS.has(word) && index + 1 < args.length) result.push(args[++index]!);
			continue;
		}
		const text = inline ? word.slice('--header='.length) : (args[++index] ?? '');
		const colon = text.indexOf(':');
		const name = colon > 0 ? text.slice(0, colon).trim() : '';
		const found = name ? headerSecret(name, text.slice(colon + 1)) : undefined;
		if (!found) {
			result.push(...(inline ? [word] : ['--header', text]));
			continue;
		}
		if (!options.secretName) {
			inClear.push(name);
			result.push(...(inline ? [word] : ['--header', text]));
			continue;
		}
		const secretName = options.secretName(name, found.secret);
		moved.push({ name: secretName, value: found.secret });
		result.push('--secret', secretName, '--header', `${name}: ${found.before}\${${secretName}}${found.after}`);
	}
	return { args: result, ...(moved.length > 0 && { moved }), ...(inClear.length > 0 && { inClear }) };
}

// The transport a client declared, when it is not the default (auto-detect).
function remoteTransport(entry: ServerEntry, urlKey: string): string | undefined {
	if (entry.type === 'sse' || entry.transport === 'sse') return 'sse';
	// Gemini CLI: `url` is SSE, `httpUrl` Streamable HTTP; only a Gemini entry has httpUrl alongside.
	if (urlKey === 'httpUrl') return 'streamable-http';
	return undefined;
}

/** The server behind an entry that runs `mcprec run` (written by install or by hand), else undefined. */
export function readWrapped(entry: ServerEntry): WrappedTarget | undefined {
	if (typeof entry.command !== 'string' || !isStringArray(entry.args ?? [])) return undefined;
	const words = [entry.command, ...((entry.args as string[] | undefined) ?? [])];
	const runAt = mcprecRunIndex(words);
	if (runAt === undefined) return undefined;
	let name: string | undefined;
	let url: string | undefined;
	let transport: string | undefined;
	const headers: Record<string, string> = {};
	const secrets: string[] = [];
	for (let index = runAt + 1; index < words.length; index++) {
		const word = words[index]!;
		const withSecrets = secrets.length > 0 ? { secrets } : {};
		if (word === '--') return { kind: 'stdio', name, command: words[index + 1] ?? '', args: words.slice(index + 2), ...withSecrets };
		if (!word.startsWith('-')) {
			if (url !== undefined) break;
			return { kind: 'stdio', name, command: word, args: words.slice(index + 1), ...withSecrets };
		}
		const [flag, inline] = word.includes('=') && word.startsWith('--') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
		if (!RUN_VALUE_OPTIONS.has(flag)) continue;
		const value = inline ?? words[++index] ?? '';
		if (flag === '-n' || flag === '--name') name = value;
		else if (flag === '--url') url = value;
		else if (flag === '--transport') transport = value;
		else if (flag === '--secret') secrets.push(value);
		else if (flag === '--header') {
			const colon = value.indexOf(':');
			if (colon > 0) headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trimStart();
		}
	}
	if (url === undefined) return undefined;
	return { kind: 'remote', name, url, headers, transport, ...(secrets.length > 0 && { secrets }) };
}

// Where `run` sits in `mcprec run …`, `node …/bin/mcprec.js run …`, `npx -y mcprec run …`.
function mcprecRunIndex(words: string[]): number | undefined {
	for (let index = 0; index < Math.min(words.length - 1, 4); index++) {
		if (isMcprecWord(words[index]!) && words[index + 1] === 'run') return index + 1;
	}
	return undefined;
}

function isMcprecWord(word: string): boolean {
	const base = word.split(/[\\/]/).pop()!.toLowerCase();
	return /^mcprec(\.js|\.cmd|\.exe|\.ps1)?$/.test(base) || /^mcprec@/.test(base);
}

/**
 * What `uninstall` puts back when it has no record of the original entry: the command
 * after `--`, or the url and headers, with the entry's other fields kept.
 */
export function unwrapEntry(entry: ServerEntry, target: WrappedTarget): ServerEntry {
	const result: ServerEntry = {};
	for (const [name, value] of Object.entries(entry)) {
		if (name === 'command' || name === 'args') continue;
		result[name] = value;
	}
	if (target.kind === 'stdio') return { ...result, command: target.command, args: target.args };
	const remote: ServerEntry = { ...result, url: target.url };
	if (remote.type === 'stdio') remote.type = target.transport === 'sse' ? 'sse' : 'http';
	if (Object.keys(target.headers).length > 0) remote.headers = target.headers;
	return remote;
}

/** What install writes: an absolute node binary running mcprec's entry script (bin/mcprec.js). */
export function isInstallForm(value: ServerEntry): boolean {
	const args = (value.args ?? []) as string[];
	return typeof value.command === 'string' && /(^|[\\/])node(\.exe)?$/i.test(value.command) && /(^|[\\/])mcprec\.js$/.test(args[0] ?? '') && args[1] === 'run';
}

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
	return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
