// The data path's stages in DESIGN §3 order — the one place that order lives. The
// recorder is not a stage here: the proxy records every flow after the stages ran.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApprovalBroker } from '../approvals/approval-broker.js';
import { createMasker, type Masker } from '../masking/create-masker.js';
import { defaultPathContext } from '../policy/match-rule.js';
import type { PathContext } from '../policy/path-readings.js';
import type { Policy } from '../policy/policy-types.js';
import type { StoreDatabase } from '../store/open-store.js';
import type { RemoteApprovals } from '../sync/collector-approvals.js';
import { createCatalogStage } from './catalog.js';
import { createGuardrailsStage, type CallApprovals } from './guardrails.js';
import { createMaskingStage } from './masking.js';
import { sqlitePinStore, type PinStore } from './pin-store.js';
import type { Stage } from '../pipeline/stage.js';

export interface CreateStagesOptions {
	sessionId: string;
	policy: Policy;
	openDatabase: () => StoreDatabase;
	warn: (text: string) => void;
	/** Values injected into the server (`run --secret`): always masked. */
	secrets?: { name: string; value: string }[];
	/** The session's masker when the caller built it already (`run` masks the session row with it); else one is built from the policy and `secrets`. */
	masker?: Masker;
	/** Where held calls are also offered for a decision (the collector's viewer). */
	remoteApprovals?: RemoteApprovals;
	/** The server's command line: its folder arguments are where it may resolve relative paths. */
	serverCommand?: string[];
}

export interface DataPath {
	stages: Stage[];
	approvals: ApprovalBroker;
}

export function createStages(options: CreateStagesOptions): DataPath {
	const masker =
		options.masker ??
		createMasker(options.policy.mask, {
			sessionSalt: randomBytes(16).toString('hex'),
			extraLiterals: options.secrets,
		});
	const approvals = new ApprovalBroker({ sessionId: options.sessionId, openDatabase: options.openDatabase, remote: options.remoteApprovals, announce: options.warn });
	const stages = assembleStages({ policy: options.policy, masker, approvals, pins: sqlitePinStore(options.openDatabase), warn: options.warn, serverCommand: options.serverCommand });
	return { stages, approvals };
}

/** What the stages are made of besides the policy: `run` gives the session's store, `policy test` stand-ins in memory. */
export interface StageParts {
	policy: Policy;
	masker: Masker;
	/** Where held calls wait for a decision. */
	approvals: CallApprovals;
	/** Tool definitions remembered across sessions (`tools.pin`). */
	pins: PinStore;
	warn: (text: string) => void;
	/** The server's command line: its folder arguments are where it may resolve relative paths. */
	serverCommand?: string[];
}

/** The stages in DESIGN §3 order, from their parts: what `run` builds (createStages) and `policy test` runs in memory. */
export function assembleStages(parts: StageParts): Stage[] {
	const { masker, policy } = parts;
	// The approver sees what the record keeps: every argument, masked the same way.
	const maskArguments = (args: unknown) => {
		const copy = { arguments: structuredClone(args ?? {}) };
		masker.maskMessage(copy);
		return copy.arguments;
	};
	return [
		createGuardrailsStage({
			approvals: parts.approvals,
			maskArguments,
			maskText: (text) => masker.maskText(text).text,
			pathContext: policy.rules.some((rule) => rule.match.paths) ? serverPathContext(parts.serverCommand ?? []) : undefined,
		}),
		createMaskingStage({ masker, maskRequestsInRecord: policy.mask.requests === 'record' }),
		createCatalogStage({ pins: parts.pins, warn: parts.warn }),
	];
}

// A server such as server-filesystem resolves a relative path against the folders it was
// given (`… server-filesystem /home/me/project`), or else its working directory, which is
// mcprec's own: both are bases for `match.paths`.
function serverPathContext(command: string[]): PathContext {
	const base = defaultPathContext();
	const folders = command.slice(1).filter((argument) => {
		if (!path.isAbsolute(argument)) return false;
		try {
			return fs.statSync(argument).isDirectory();
		} catch {
			return false;
		}
	});
	return { ...base, bases: [...new Set([...base.bases, ...folders.map((folder) => path.resolve(folder))])] };
}
