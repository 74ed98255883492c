// Every built-in detector, by group, in priority order: when two findings overlap, the
// merged range is named after the detector listed first (a GitHub token inside a URL or
// under a `token:` key is reported as github-token).

import type { SensitiveKeys } from '../sensitive-keys.js';
import { creditCard } from './credit-card.js';
import type { Detector } from './detector.js';
import { email } from './email.js';
import { iban } from './iban.js';
import { ipv4, ipv6 } from './ip-address.js';
import { jwt } from './jwt.js';
import { createKeyValueDetector, KEY_VALUE_DETECTORS } from './key-value-detector.js';
import { phone } from './phone.js';
import { privateKey } from './private-key.js';
import { urlCredentials } from './url-credentials.js';
import { usSsn } from './us-ssn.js';
import {
	anthropicKey,
	awsAccessKey,
	githubToken,
	gitlabToken,
	googleApiKey,
	npmToken,
	openaiKey,
	slackToken,
	slackWebhook,
	stripeKey,
} from './vendor-tokens.js';

export { DETECTOR_GROUPS, type DetectorGroup } from '../../policy/known-detectors.js';
import { DETECTOR_GROUPS } from '../../policy/known-detectors.js';

export const BUILT_IN_DETECTORS: readonly string[] = [...DETECTOR_GROUPS.secrets, ...DETECTOR_GROUPS.pii];

const FIXED: Record<string, Detector> = Object.fromEntries(
	[
		privateKey,
		awsAccessKey,
		githubToken,
		gitlabToken,
		slackWebhook,
		slackToken,
		stripeKey,
		googleApiKey,
		anthropicKey,
		openaiKey,
		npmToken,
		jwt,
		urlCredentials,
		creditCard,
		iban,
		usSsn,
		email,
		phone,
		ipv6,
		ipv4,
	].map((detector) => [detector.name, detector]),
);

/** The detectors that find the named built-ins (in that order); the key/value ones share one scan. */
export function createBuiltInDetectors(names: readonly string[], keys: SensitiveKeys): Detector[] {
	const detectors: Detector[] = [];
	const keyValue = new Set(names.filter((name) => KEY_VALUE_DETECTORS.includes(name)));
	for (const name of names) {
		if (!keyValue.has(name)) detectors.push(FIXED[name]);
		else if (detectors.every((detector) => !KEY_VALUE_DETECTORS.includes(detector.name))) detectors.push(createKeyValueDetector({ enabled: keyValue, keys }));
	}
	return detectors;
}

/**
 * The built-in detector names a policy turns on, in priority order: groups and single
 * names from `detectors`, minus `exclude`. Throws on a name that is neither.
 */
export function selectDetectorNames(options: { detectors: readonly string[]; exclude: readonly string[] }): string[] {
	const wanted = new Set<string>();
	for (const entry of options.detectors) {
		if (entry === 'secrets' || entry === 'pii') for (const name of DETECTOR_GROUPS[entry]) wanted.add(name);
		else if (BUILT_IN_DETECTORS.includes(entry)) wanted.add(entry);
		else throw new Error(`mask.detectors: unknown detector '${entry}' (expected secrets, pii or one of ${BUILT_IN_DETECTORS.join(', ')})`);
	}
	return BUILT_IN_DETECTORS.filter((name) => wanted.has(name) && !options.exclude.includes(name));
}
