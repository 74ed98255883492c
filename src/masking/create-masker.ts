// The masking engine behind the masking stage (DESIGN §3 stage 3, §4 `mask:`): pure, no
// I/O. Built once per session from the policy; then masks parsed messages or plain text.

import type { MaskPolicy } from '../policy/policy-types.js';
import { createBuiltInDetectors, selectDetectorNames } from './detectors/catalog.js';
import { createCustomDetector } from './detectors/custom.js';
import type { Detector } from './detectors/detector.js';
import { MIN_LITERAL_LENGTH } from './detectors/literal.js';
import { keepJsonValid } from './keep-json-valid.js';
import { createKnownSecretDetector } from './known-secret.js';
import { type MaskFinding, maskMessageTree, type MessageMasking, type TreeMasking } from './mask-json.js';
import { maskRanges, narrow, type TextEngine } from './mask-text.js';
import { createReplace } from './replacement.js';
import { createSensitiveKeys } from './sensitive-keys.js';

export type { MaskFinding } from './mask-json.js';

export interface Masker {
	/** Masks secrets/PII in the keys and string leaves of a parsed JSON-RPC message (or batch), its method too, in place; returns findings (empty → untouched). Ids only with `ids` (the record's copy). */
	maskMessage(message: unknown, options?: MessageMasking): MaskFinding[];
	/** Masks a plain string; a string that holds a JSON document stays valid JSON. */
	maskText(text: string, path?: string): { text: string; findings: MaskFinding[] };
	/**
	 * False when maskMessage can find nothing in a message whose JSON text, without escapes
	 * (so every key and string appears in it as is), is `json`: no detector's trigger and no
	 * sensitive key occurs anywhere in it. True whenever that cannot be ruled out.
	 */
	mayFindIn(json: string): boolean;
}

const LEAF_PATH = '$';
const MAX_KEY_VERDICTS = 4096;

export interface MaskerOptions {
	/** Salt of the `hash` strategy; one per session. */
	sessionSalt: string;
	/** Exact secret values (injected into the upstream, login tokens) masked whatever the policy says, in every common encoding (known-secret.ts); named in findings by `name`. */
	extraLiterals?: { name: string; value: string }[];
}

export function createMasker(policy: MaskPolicy, options: MaskerOptions): Masker {
	const keys = createSensitiveKeys(policy.fields);
	const names = selectDetectorNames(policy);
	// Policy `fields` turn on key/value masking even when the secrets group is not selected.
	if (policy.fields.length > 0 && !names.includes('sensitive-field') && !policy.exclude.includes('sensitive-field')) names.push('sensitive-field');
	const literals = (options.extraLiterals ?? []).filter((literal) => literal.value.length >= MIN_LITERAL_LENGTH).map(createKnownSecretDetector);
	const custom = policy.custom.filter((detector) => !policy.exclude.includes(detector.name)).map(createCustomDetector);
	const detectors: Detector[] = [...literals, ...createBuiltInDetectors(names, keys), ...custom];
	// Literals and custom patterns may contain any character, so they see the original text.
	const needsOriginal = new Set<number>();
	for (let index = 0; index < literals.length; index++) needsOriginal.add(index);
	for (let index = detectors.length - custom.length; index < detectors.length; index++) needsOriginal.add(index);
	const byStrategy = createReplace({ strategy: policy.strategy, sessionSalt: options.sessionSalt });
	// An injected secret is never partly shown or hashed, whatever the strategy: it is fully redacted.
	const literalNames = new Set(literals.map((detector) => detector.name));
	const replace: typeof byStrategy = literalNames.size === 0 ? byStrategy : (detector, value) => (literalNames.has(detector) ? `[REDACTED:${detector}]` : byStrategy(detector, value));
	const engine: TextEngine = {
		detectors,
		names: [...literals.map((detector) => detector.name), ...names, ...custom.map((detector) => detector.name)],
		needsOriginal,
		replace,
		mayMatch: combineTriggers(detectors, needsOriginal),
	};

	const maskString = (text: string, path: string): { text: string; findings: MaskFinding[] } | undefined => {
		const masked = maskRanges(engine, text);
		if (masked === undefined) return undefined;
		const findings = [...masked.counts].map(([detector, count]) => ({ detector, path, count }));
		return keepJsonValid({ original: text, masked: masked.text, jsonSafe: masked.jsonSafe, findings, path, masking: tree });
	};
	// Keys repeat (type, text, content…): their verdicts are kept, a bounded number of them.
	const keyVerdicts = new Map<string, { text: string; findings: MaskFinding[] } | null>();
	const maskKey = (key: string) => {
		let verdict = keyVerdicts.get(key);
		if (verdict === undefined) {
			verdict = maskString(key, LEAF_PATH) ?? null;
			if (keyVerdicts.size >= MAX_KEY_VERDICTS) keyVerdicts.clear();
			keyVerdicts.set(key, verdict);
		}
		return verdict ?? undefined;
	};
	const tree: TreeMasking = {
		maskString,
		maskKey,
		isSensitiveKey: names.includes('sensitive-field') ? (key) => keys.matches(key) : undefined,
		replace,
	};
	// Over a whole message's text, sensitive keys count as triggers too: one more
	// alternative in the (case-insensitive) regex of the key/value detector's trigger.
	const keyTriggers = tree.isSensitiveKey === undefined ? [] : keys.fragments === null ? undefined : [{ trigger: new RegExp(keys.fragments.join('|'), 'i') }];
	// A policy's field glob may be non-ASCII, which the narrowed copy loses: then keys are looked for in the original text.
	const keysNeedOriginal = keys.fragments?.some((fragment) => /[^\x00-\x7f]/.test(fragment)) ?? false;
	const mayMatchMessage = keyTriggers === undefined ? undefined : combineTriggers([...detectors, ...keyTriggers], keysNeedOriginal ? new Set([...needsOriginal, detectors.length]) : needsOriginal);
	return {
		maskMessage: (message, messageOptions) => maskMessageTree(message, tree, messageOptions),
		maskText: (text, path = '$') => maskString(text, path) ?? { text, findings: [] },
		mayFindIn: (json) => mayMatchMessage === undefined || mayMatchMessage(json, narrow(json)),
	};
}

// One test for all triggers: those of detectors that see the same text and share flags
// are joined into one regex; custom patterns (which may hold backreferences) stay alone.
// Undefined when a detector has no trigger: then every detector always runs.
function combineTriggers(detectors: readonly Pick<Detector, 'trigger'>[], needsOriginal: ReadonlySet<number>): TextEngine['mayMatch'] {
	const groups = new Map<string, { original: boolean; flags: string; sources: string[] }>();
	const alone: { original: boolean; pattern: RegExp }[] = [];
	for (let index = 0; index < detectors.length; index++) {
		const trigger = detectors[index].trigger;
		if (!trigger) return undefined;
		const original = needsOriginal.has(index);
		if (/\\\d|\(\?</.test(trigger.source)) {
			alone.push({ original, pattern: trigger });
			continue;
		}
		const key = `${original}/${trigger.flags}`;
		const group = groups.get(key) ?? { original, flags: trigger.flags, sources: [] };
		group.sources.push(`(?:${trigger.source})`);
		groups.set(key, group);
	}
	const tests = [...[...groups.values()].map((group) => ({ original: group.original, pattern: new RegExp(group.sources.join('|'), group.flags) })), ...alone];
	return (original, narrowed) => {
		for (const test of tests) if (test.pattern.test(test.original ? original : narrowed)) return true;
		return false;
	};
}
