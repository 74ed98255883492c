// `mcprec run [--] <command>`: the main job. Nothing here prompts or writes to stdout;
// stdout belongs to the JSON-RPC stream.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deviceSigner, type DevicePrivateJwk } from '../event/device-signature.js';
import { resolveStatePaths } from '../config/paths.js';
import { PolicyError, type Policy } from '../policy/policy-types.js';
import type { Refusal } from '../proxy/proxy.js';
import { sessionRow, type SessionStart } from '../store/session-row.js';
import { Journal } from '../recorder/journal.js';
import { journalDirectory } from '../store/recover-journals.js';
import { processStartOf } from '../store/process-identity.js';
import { systemClock } from '../time/clock.js';
import { backlogWatermarks, Recorder, type UnrecordedEvents } from '../recorder/recorder.js';
import { newSessionId } from '../event/session-id.js';
import { UserError } from '../errors/user-error.js';
import { currentUser } from '../identity/current-user.js';
import { describeRunUsageError } from './run-options.js';
import type { RunCredentials } from '../identity/load-run-credentials.js';
import type { ShareHeldSessionOptions } from '../sync/share-held-session.js';
import type { StdioUpstream } from '../upstream/stdio-upstream.js';
import { checkHeaderReferences, parseHeaderOption, resolveHeaders, type HeaderTemplate } from '../upstream/remote-headers.js';

export interface RunOptions {
	name?: string;
	lockTimeout?: number;
	policy?: string;
	/** `--secret NAME` (and its alias `--env NAME`): injected into the server's environment. */
	secret?: string[];
	env?: string[];
	/** `--url`: a remote server instead of a command (validated, normalised). */
	url?: string;
	/** `--header "Name: value"` for the remote server; `${NAME}` names a secret. */
	header?: string[];
	transport?: 'auto' | 'streamable-http' | 'sse';
}

export interface RunInvocation {
	/** The server command and its arguments; with a usage error, the words after `run` as given. */
	command: string[];
	options: RunOptions;
	/** Set when `run`'s command line is wrong: the message says how, and no server is started. */
	usageError?: string;
	/** The server, when the fast path could spawn it before this module loaded (run-early-launch.ts). */
	launched?: StdioUpstream;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function runCommand({ command: commandLine, options, usageError, launched }: RunInvocation): Promise<void> {
	const [command = '', ...args] = commandLine;
	// A person at a terminal is told at once. A client (stdin not a terminal) waits for its
	// `initialize`, so it gets the message as the answer to every request, like a failed
	// spawn, and it shows in the client's MCP log instead of a bare "server disconnected".
	if (usageError !== undefined && process.stdin.isTTY) throw new UserError(usageError);
	const remote = usageError === undefined ? checkRemoteOptions(commandLine, options) : undefined;
	const usageProblem =
		usageError ?? remote?.problem ?? (command === '' && !options.url ? describeRunUsageError("missing required argument 'command'") : undefined);
	const usageRefusal: Refusal | undefined = usageProblem === undefined ? undefined : { message: usageProblem, status: 2, reason: 'usage-error' };
	const url = usageRefusal || options.url === undefined ? undefined : new URL(options.url);
	const paths = resolveStatePaths();
	const clock = systemClock();
	const session: SessionStart = {
		id: newSessionId(),
		server: options.name ?? (usageRefusal ? 'unknown' : url ? url.host : path.basename(command)),
		command: url ? null : commandLine,
		url: url?.href ?? null,
		cwd: process.cwd(),
		host: os.hostname(),
		osUser: currentUser(),
		startedAt: clock.nowMicros(),
		pid: process.pid,
		pidStart: processStartOf(process.pid),
	};
	const stderr = process.stderr;
	let recordingHealthChanged = () => {};
	// Startup (DESIGN §8) is mostly this thread loading code while the server boots: the
	// server is spawned as soon as nothing can forbid it, the session row is written here by
	// proxy.start() (recorder.open()), and the writer thread starts once the session runs.
	// The device key, once read. It also signs sessions of dead processes that opening the
	// store recovers; the signer is built only then.
	let deviceKey: { id: string; jwk: DevicePrivateJwk } | undefined;
	const recoverySigner = () => deviceKey && deviceSigner(deviceKey.id, deviceKey.jwk);
	const recorder = new Recorder({
		session,
		recoverySigner,
		clock,
		lockTimeoutMs: options.lockTimeout,
		watermarks: backlogFromEnvironment(),
		// A short SQLite wait keeps the writer responsive; it retries with back-off.
		store: { file: paths.database, busyTimeoutMs: 100 },
		// The proxy says it, for the store and the journal together (they fail and heal apart).
		onHealthChange: () => recordingHealthChanged(),
	});
	const { policy, refusal: policyRefusal } = usageRefusal ? { policy: await fallbackPolicy(), refusal: usageRefusal } : await loadRunPolicy(options.policy, paths.config);
	session.policyDigest = policy.digest;
	const secretNames = [...(options.secret ?? []), ...(options.env ?? [])];
	// Imported here, not at the top: the server is spawned before the proxy is loaded.
	const { StdioUpstream } = await import('../upstream/stdio-upstream.js');
	// Without secrets to inject or a login to require, nothing can stop the server from
	// starting: it is spawned now and boots while the proxy and the stages load.
	const launchedEarly = !url && !policyRefusal && secretNames.length === 0 && !policy.identity.required;
	const earlyUpstream = launchedEarly ? (launched ?? new StdioUpstream({ command, args })) : undefined;
	earlyUpstream?.launch();
	// Only when what allowed the fast path's spawn no longer holds, which it should not.
	if (launched && launched !== earlyUpstream) launched.close();
	// Loaded while the credentials are read (after the spawn: the server boots meanwhile); the
	// masker must exist before the session row is written.
	const maskingModules = Promise.all([import('../masking/create-masker.js'), import('../masking/mask-session-start.js')]);
	const [{ Proxy }, { loadRunCredentials }, { loadSessionSigner }] = await Promise.all([
		import('../proxy/proxy.js'),
		import('../identity/load-run-credentials.js'),
		import('../identity/device-key.js'),
	]);
	// The device key signs the session's checkpoints and ledger entries (README "The store ledger").
	const signing = loadSessionSigner();
	// Who is signed in and which secrets to inject; never prompts, refreshes silently.
	// A refused command line starts nothing, so nothing is refreshed for it.
	const credentials: RunCredentials = usageRefusal
		? { identity: null, secrets: [], warnings: [] }
		: await loadRunCredentials({ identityRequired: policy.identity.required, identityRequiredBecause: policy.identity.because, secretNames });
	for (const warning of credentials.warnings) stderr.write(`mcprec: ${warning}\n`);
	const signer = await signing;
	deviceKey = signer.key;
	if (signer.key) recorder.signWith({ deviceId: signer.key.id, jwk: signer.key.jwk });
	else stderr.write(`mcprec: warning: ${signer.warning}\n`);
	session.identity = credentials.identity;
	const refusal: Refusal | undefined =
		policyRefusal ?? (credentials.refusal ? { message: credentials.refusal.message, status: 2, reason: credentials.refusal.reason } : undefined);
	// Not expected (no secrets, no required login), but a refused session never keeps a server.
	if (refusal && earlyUpstream) earlyUpstream.close();
	const { secrets } = credentials;
	// One masker for the session, built before anything is stored: the session row (a token
	// on the server's command line), the stages, the server's stderr and mcprec's own words.
	const [{ createMasker }, { maskSessionStart }] = await maskingModules;
	const masker = createMasker(policy.mask, {
		sessionSalt: randomBytes(16).toString('hex'),
		extraLiterals: [...secrets, ...(credentials.loginTokens ?? [])],
	});
	maskSessionStart(session, masker);
	// The stages (masking detectors, the store for approvals and pins) load while the server
	// boots: the proxy spawns it before awaiting them, so they cost no startup time.
	const dataPathReady = (async () => {
		const [{ createStages }, { openStore }] = await Promise.all([import('../stages/create-stages.js'), import('../store/open-store.js')]);
		const openDatabase = () => openStore({ file: paths.database, busyTimeoutMs: 1000, signer: recoverySigner });
		const remoteApprovals = await collectorApprovals(paths.config, credentials.identity !== null, { sessionId: session.id, openDatabase, recorder, warn: (text) => stderr.write(`mcprec: ${text}\n`) });
		return createStages({ sessionId: session.id, policy, openDatabase, warn: (text) => stderr.write(`mcprec: ${text}\n`), masker, remoteApprovals, serverCommand: commandLine });
	})();
	const { scrubSecrets } = await import('../upstream/secret-scrubbing-upstream.js');
	const upstream = url
		? await remoteUpstream(url, remote?.headers ?? [], secrets, options.transport)
		: scrubSecrets(
				earlyUpstream ??
					new StdioUpstream({ command, args, env: secrets.length > 0 ? { ...process.env, ...Object.fromEntries(secrets.map((secret) => [secret.name, secret.value])) } : undefined }),
				secrets,
			);
	const journal = openJournal(paths.database, session, stderr, megabytesFromEnvironment('MCPREC_JOURNAL_RESTART_MB'));
	const proxy = new Proxy({
		input: process.stdin,
		output: process.stdout,
		errorOutput: stderr,
		upstream,
		recorder,
		journal,
		stages: dataPathReady.then((dataPath) => dataPath.stages),
		context: { sessionId: session.id, server: session.server, policy, identity: credentials.identity ?? undefined },
		onRecordError: policy.record.onError,
		refuse: refusal,
		now: () => clock.nowMicros(),
		maskText: (text) => masker.maskText(text).text,
		// A held call's outcome ("the session ended") is recorded before the session's end.
		endHolds: () => void dataPathReady.then((dataPath) => dataPath.approvals.denyWaiting()),
	});
	recordingHealthChanged = () => proxy.recordingHealthChanged();
	for (const signal of FORWARDED_SIGNALS) process.on(signal, () => proxy.forwardSignal(signal));

	// The lifecycle event keeps the command line (or the URL) as the session row does: masked.
	await proxy.start(url ? ['--url', session.url ?? url.href] : (session.command ?? commandLine));
	// `export.otlp` in config.yaml: the session's spans go out as it runs, from a process of their own.
	if (fs.existsSync(paths.config)) {
		void import('./run-background.js').then(({ startLiveExport }) =>
			startLiveExport({ configFile: paths.config, databaseFile: paths.database, sessionId: session.id, warn: (text) => stderr.write(`mcprec: ${text}\n`) }),
		);
	}
	const result = await proxy.done;
	await (await dataPathReady).approvals.close();
	await flushStream(process.stdout);
	const closed = await recorder.close();
	if (closed.ok) journal?.remove();
	else if (journal) {
		journal.close();
		stderr.write(
			`mcprec: ${closed.unrecorded} events of session ${session.id} could not be recorded yet (${closed.reason}); they are kept in ${journal.file}, and the next mcprec that can open the store records them\n`,
		);
	} else {
		const spill = spillUnrecorded(recorder, paths.home);
		stderr.write(
			`mcprec: ${closed.unrecorded} events of session ${session.id} could not be recorded: ${closed.reason}` +
				(spill ? `; they were saved to ${spill}\n` : '\n'),
		);
	}
	await flushStream(stderr);
	if (fs.existsSync(paths.config)) (await import('./run-background.js')).startBackgroundSync(paths.config);
	process.exit(result.status);
}

// `--url` and its companions: a remote server takes no command, and `--header` /
// `--transport` mean nothing without `--url`. The headers are read here so that a wrong
// one is a usage error the client hears, like any other.
function checkRemoteOptions(commandLine: string[], options: RunOptions): { problem?: string; headers?: HeaderTemplate[] } {
	const usage = (message: string) => ({ problem: describeRunUsageError(message) });
	const headerOptions = options.header ?? [];
	if (!options.url) {
		if (headerOptions.length > 0) return usage("option '--header <header>' needs --url");
		if (options.transport !== undefined && options.transport !== 'auto') return usage("option '--transport <kind>' needs --url");
		return {};
	}
	if (commandLine.length > 0) return usage(`give either --url or a server command, not both (got --url ${options.url} and '${commandLine.join(' ')}')`);
	const headers: HeaderTemplate[] = [];
	for (const text of headerOptions) {
		try {
			headers.push(parseHeaderOption(text));
		} catch (error) {
			// The value may already hold a secret pasted by mistake: only the name is quoted.
			return usage(`option '--header <header>' argument '${text.split(':')[0]}: …' is invalid. ${(error as Error).message}`);
		}
	}
	const unknown = checkHeaderReferences(headers, [...(options.secret ?? []), ...(options.env ?? [])]);
	return unknown ? usage(unknown) : { headers };
}

async function remoteUpstream(url: URL, headers: HeaderTemplate[], secrets: { name: string; value: string }[], transport: RunOptions['transport']) {
	const [{ HttpUpstream }, { createStreamScrubber }] = await Promise.all([import('../upstream/http-upstream.js'), import('../upstream/secret-scrubbing-upstream.js')]);
	const redact = (text: string) => {
		let scrubbed = '';
		const scrubber = createStreamScrubber(secrets, (chunk) => (scrubbed += chunk.toString('utf8')));
		scrubber.push(Buffer.from(text));
		scrubber.end();
		return scrubbed;
	};
	// A server given its own Authorization header is not signed in to; any other may be OAuth-protected (src/oauth).
	const ownAuthorization = headers.some((header) => header.name.toLowerCase() === 'authorization');
	const fetch = ownAuthorization
		? undefined
		: (await import('../oauth/remote-authorization.js')).remoteAuthorization({ url, warn: (text) => process.stderr.write(`mcprec: ${text}\n`) });
	return new HttpUpstream({ url, headers: resolveHeaders(headers, secrets), transport, redact: secrets.length > 0 ? redact : undefined, fetch });
}

// A policy that doesn't load must not leave the server running unprotected: the session
// starts, refuses every request with the policy's own error, and never spawns the server.
async function loadRunPolicy(policyFlag: string | undefined, configFile: string): Promise<{ policy: Policy; refusal?: Refusal }> {
	const { defaultPolicy } = await import('../policy/default-policy.js');
	// The YAML parser is loaded only when there is a file to read: `run` starts faster without one.
	if (policyFlag === undefined && !fs.existsSync(configFile)) return { policy: defaultPolicy() };
	const { resolvePolicy } = await import('../policy/resolve-policy.js');
	try {
		return { policy: resolvePolicy({ policyFlag, configFile }) };
	} catch (error) {
		if (!(error instanceof PolicyError)) throw error;
		return {
			policy: defaultPolicy(),
			refusal: { message: `invalid policy, refusing to run unprotected: ${error.message}`, status: 2, reason: 'policy-invalid' },
		};
	}
}

async function fallbackPolicy(): Promise<Policy> {
	const { defaultPolicy } = await import('../policy/default-policy.js');
	return defaultPolicy();
}

// The write-ahead journal of this session (recorder/journal.ts). Without one (its folder
// cannot be written) the session still runs, recorded through the store only, and says so.
function openJournal(databaseFile: string, session: SessionStart, stderr: NodeJS.WriteStream, restartMegabytes: number | undefined): Journal | undefined {
	try {
		const restartBytes = restartMegabytes === undefined ? undefined : Math.round(restartMegabytes * 1024 * 1024);
		return Journal.create({ directory: journalDirectory(databaseFile), sessionId: session.id, session: sessionRow(session), restartBytes });
	} catch (error) {
		stderr.write(`mcprec: the write-ahead journal cannot be created (${(error as Error).message}); if mcprec is killed, what it forwarded last may be missing from the record\n`);
		return undefined;
	}
}

// Last resort when the store refused the session's tail and there is no journal: keep the events in a file.
function spillUnrecorded(recorder: UnrecordedEvents, home: string | undefined): string | undefined {
	const name = `mcprec-unrecorded-${recorder.sessionId}.ndjson`;
	for (const folder of [home, os.tmpdir()]) {
		if (!folder) continue;
		const file = path.join(folder, name);
		try {
			fs.writeFileSync(file, `${recorder.unrecordedAsNdjson()}\n`, { mode: 0o600 });
			return file;
		} catch {
			// Try the next folder.
		}
	}
	return undefined;
}

function flushStream(stream: NodeJS.WriteStream): Promise<void> {
	return new Promise((resolve) => {
		if (stream.writableLength === 0 || stream.destroyed) {
			resolve();
			return;
		}
		stream.once('drain', () => resolve());
		stream.once('error', () => resolve());
	});
}

// Held calls are offered to the collector's viewer when a sync endpoint is configured and
// someone is signed in, with the session so far uploaded first so its approvers can read
// it; a config problem here never stops the session (sync reports it).
async function collectorApprovals(configFile: string, signedIn: boolean, share: Omit<ShareHeldSessionOptions, 'endpoint' | 'accessToken'>) {
	if (!signedIn) return undefined;
	try {
		const { readSyncConfig } = await import('../config/sync-config.js');
		const endpoint = readSyncConfig(configFile).endpoint;
		if (!endpoint) return undefined;
		const { createCollectorApprovals } = await import('../sync/collector-approvals.js');
		const { createBearerTokenSource } = await import('../sync/bearer-token.js');
		const { shareSessionWhenHeld } = await import('../sync/share-held-session.js');
		const accessToken = createBearerTokenSource();
		return shareSessionWhenHeld(createCollectorApprovals({ endpoint, accessToken }), { ...share, endpoint, accessToken });
	} catch {
		return undefined;
	}
}

// How much unrecorded payload may wait in memory before mcprec stops reading until the
// store catches up (default 32 MiB): a flood then runs at the store's pace.
function backlogFromEnvironment() {
	const megabytes = megabytesFromEnvironment('MCPREC_RECORD_BACKLOG_MB');
	return megabytes === undefined ? undefined : backlogWatermarks(megabytes);
}

function megabytesFromEnvironment(name: string): number | undefined {
	const value = process.env[name];
	if (value === undefined || value === '') return undefined;
	const megabytes = Number(value);
	if (!Number.isFinite(megabytes) || megabytes <= 0) {
		throw new UserError(`${name} must be a positive number of megabytes, got '${value}'`);
	}
	return megabytes;
}
