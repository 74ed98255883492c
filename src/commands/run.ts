// `mcprec run [--] <command>`: the main job. Nothing here prompts or writes to stdout;
// stdout belongs to the JSON-RPC stream.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveStatePaths } from '../config/paths.js';
import { PolicyError, type Policy } from '../policy/policy-types.js';
import type { Refusal } from '../proxy/proxy.js';
import { sessionRow, type SessionStart } from '../store/session-row.js';
import { Journal } from '../recorder/journal.js';
import { journalDirectory } from '../store/recover-journals.js';
import { processStartOf } from '../store/process-identity.js';
import { systemClock } from '../time/clock.js';
import { backlogWatermarks, Recorder } from '../recorder/recorder.js';
import { newSessionId } from '../event/session-id.js';
import { UserError } from '../errors/user-error.js';
import { currentUser } from '../identity/current-user.js';
import { describeRunUsageError } from './run-options.js';
import type { RunCredentials } from '../identity/load-run-credentials.js';

export interface RunOptions {
	name?: string;
	lockTimeout?: number;
	policy?: string;
	/** `--secret NAME` (and its alias `--env NAME`): injected into the server's environment. */
	secret?: string[];
	env?: string[];
}

export interface RunInvocation {
	/** The server command and its arguments; with a usage error, the words after `run` as given. */
	command: string[];
	options: RunOptions;
	/** Set when `run`'s command line is wrong: the message says how, and no server is started. */
	usageError?: string;
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function runCommand({ command: commandLine, options, usageError }: RunInvocation): Promise<void> {
	const [command = '', ...args] = commandLine;
	// A person at a terminal is told at once. A client (stdin not a terminal) waits for its
	// `initialize`, so it gets the message as the answer to every request, like a failed
	// spawn, and it shows in the client's MCP log instead of a bare "server disconnected".
	if (usageError !== undefined && process.stdin.isTTY) throw new UserError(usageError);
	const usageProblem = usageError ?? (command === '' ? describeRunUsageError("missing required argument 'command'") : undefined);
	const usageRefusal: Refusal | undefined = usageProblem === undefined ? undefined : { message: usageProblem, status: 2, reason: 'usage-error' };
	// Loaded while the policy and the credentials are read: the masker must exist before the session row is written.
	const maskingModules = Promise.all([import('../masking/create-masker.js'), import('../masking/mask-session-start.js')]);
	const paths = resolveStatePaths();
	const clock = systemClock();
	const session: SessionStart = {
		id: newSessionId(),
		server: options.name ?? (usageRefusal ? 'unknown' : path.basename(command)),
		command: commandLine,
		url: null,
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
	const recorder = new Recorder({
		session,
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
	const launchedEarly = !policyRefusal && secretNames.length === 0 && !policy.identity.required;
	const earlyUpstream = launchedEarly ? new StdioUpstream({ command, args }) : undefined;
	earlyUpstream?.launch();
	const [{ Proxy }, { loadRunCredentials }] = await Promise.all([import('../proxy/proxy.js'), import('../identity/load-run-credentials.js')]);
	// Who is signed in and which secrets to inject; never prompts, refreshes silently.
	// A refused command line starts nothing, so nothing is refreshed for it.
	const credentials: RunCredentials = usageRefusal
		? { identity: null, secrets: [], warnings: [] }
		: await loadRunCredentials({ identityRequired: policy.identity.required, identityRequiredBecause: policy.identity.because, secretNames });
	for (const warning of credentials.warnings) stderr.write(`mcprec: ${warning}\n`);
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
		const openDatabase = () => openStore({ file: paths.database, busyTimeoutMs: 1000 });
		const remoteApprovals = await collectorApprovals(paths.config, credentials.identity !== null);
		return createStages({ sessionId: session.id, policy, openDatabase, warn: (text) => stderr.write(`mcprec: ${text}\n`), masker, remoteApprovals, serverCommand: commandLine });
	})();
	const { scrubSecrets } = await import('../upstream/secret-scrubbing-upstream.js');
	const upstream = scrubSecrets(
		earlyUpstream ??
			new StdioUpstream({ command, args, env: secrets.length > 0 ? { ...process.env, ...Object.fromEntries(secrets.map((secret) => [secret.name, secret.value])) } : undefined }),
		secrets,
	);
	const journal = openJournal(paths.database, session, stderr);
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
	});
	recordingHealthChanged = () => proxy.recordingHealthChanged();
	for (const signal of FORWARDED_SIGNALS) process.on(signal, () => proxy.forwardSignal(signal));

	// The lifecycle event keeps the command line as the session row does: masked.
	await proxy.start(session.command ?? commandLine);
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
	if (fs.existsSync(paths.config)) (await import('../sync/start-background-sync.js')).startBackgroundSync(paths.config);
	process.exit(result.status);
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
function openJournal(databaseFile: string, session: SessionStart, stderr: NodeJS.WriteStream): Journal | undefined {
	try {
		return Journal.create({ directory: journalDirectory(databaseFile), sessionId: session.id, session: sessionRow(session) });
	} catch (error) {
		stderr.write(`mcprec: the write-ahead journal cannot be created (${(error as Error).message}); if mcprec is killed, what it forwarded last may be missing from the record\n`);
		return undefined;
	}
}

// Last resort when the store refused the session's tail and there is no journal: keep the events in a file.
function spillUnrecorded(recorder: Recorder, home: string | undefined): string | undefined {
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
// someone is signed in; a config problem here never stops the session (sync reports it).
async function collectorApprovals(configFile: string, signedIn: boolean) {
	if (!signedIn) return undefined;
	try {
		const { readSyncConfig } = await import('../config/sync-config.js');
		const endpoint = readSyncConfig(configFile).endpoint;
		if (!endpoint) return undefined;
		const { createCollectorApprovals } = await import('../sync/collector-approvals.js');
		const { createBearerTokenSource } = await import('../sync/bearer-token.js');
		return createCollectorApprovals({ endpoint, accessToken: createBearerTokenSource() });
	} catch {
		return undefined;
	}
}

// How much unrecorded payload may wait in memory before mcprec stops reading until the
// store catches up (default 32 MiB): a flood then runs at the store's pace.
function backlogFromEnvironment() {
	const value = process.env.MCPREC_RECORD_BACKLOG_MB;
	if (value === undefined || value === '') return undefined;
	const megabytes = Number(value);
	if (!Number.isFinite(megabytes) || megabytes <= 0) {
		throw new UserError(`MCPREC_RECORD_BACKLOG_MB must be a positive number of megabytes, got '${value}'`);
	}
	return backlogWatermarks(megabytes);
}
