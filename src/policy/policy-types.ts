// The policy file (DESIGN §4) after loading and validation. Loaders turn YAML/JSON into
// this shape; stages read it. Defaults are filled in, so stages never see undefined.

export type RuleAction = 'allow' | 'deny' | 'approve' | 'log';
export type MaskStrategy = 'redact' | 'partial' | 'hash';

/** What a rule matches on; every given field must match (AND). */
export interface RuleMatch {
	/** JSON-RPC method, glob (default: any; a rule with `tool` implies tools/call). */
	method?: string[];
	/** Tool name globs (tools/call only). */
	tool?: string[];
	/** Server label globs. */
	server?: string[];
	/** Dot path into params.arguments → regex (source, flags). Array values match when any string element matches. */
	args?: { path: string; pattern: RegExp }[];
	/** Dot path into params.arguments → path globs, matched against the normalised path (match-path.ts). */
	paths?: { path: string; globs: PathGlob[] }[];
	/** Tool annotations from the server's own tools/list, e.g. { readOnlyHint: false }. */
	annotations?: Record<string, unknown>;
	/** The user is in at least one of these groups. */
	groups?: string[];
}

export interface PolicyRule {
	name: string;
	match: RuleMatch;
	action: RuleAction;
	message?: string;
	/** For approve: how long a held call waits, in ms (default 120 000). */
	timeoutMs: number;
	/** For approve: the person who made the call may approve it too (in their client, with a grant, or in the collector). */
	selfApprove?: boolean;
	/** 1-based line in the policy file, for messages. */
	line?: number;
}

/** A glob over normalised absolute paths: `*` and `?` stay within a segment, `**` spans segments. */
export interface PathGlob {
	/** As written in the policy. */
	source: string;
	/** Anchored; `/etc/**` also matches `/etc` itself. */
	pattern: RegExp;
}

export interface CustomDetector {
	name: string;
	pattern: RegExp;
}

export interface MaskPolicy {
	/** Detector groups (secrets, pii) or individual detector names. */
	detectors: string[];
	exclude: string[];
	custom: CustomDetector[];
	/** Key names (globs, case-insensitive) whose values are masked in JSON/YAML/.env text. */
	fields: string[];
	strategy: MaskStrategy;
	/** Mask client→server arguments in the record only (`record`), or not (`none`). */
	requests: 'record' | 'none';
}

export interface Policy {
	version: 1;
	/** Where it came from (file path or "built-in default"). */
	source: string;
	/** SHA-256 of the file bytes (or of the default), stored on the session. */
	digest: string;
	/** The file as read, recorded with the session's start so an auditor sees the rules in force (none for the default). */
	text?: string;
	mask: MaskPolicy;
	rules: PolicyRule[];
	tools: { hide: string[]; pin: 'off' | 'alert' | 'deny' };
	record: { onError: 'block' | 'allow' };
	/** `because` says why a login is required when the file did not say `identity.required: true` itself. */
	identity: { required: boolean; because?: string };
}

/** A policy problem located in its file: `policy.yaml:12: rule 'x': unknown action 'block' (expected …)`. */
export class PolicyError extends Error {
	override name = 'PolicyError';
	constructor(
		readonly file: string,
		readonly line: number | undefined,
		readonly detail: string,
	) {
		super(`${file}${line ? `:${line}` : ''}: ${detail}`);
	}
}
