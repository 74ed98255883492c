// Every built-in detector, by group, in priority order: when two findings overlap, the
// merged range is named after the detector listed first (a GitHub token inside a URL or
// under a `token:` key is reported as github-token).

import type { SensitiveKeys } from '../sensitive-keys.js';
import { awsSecretKey } from './aws-secret-key.js';
import { bearerToken } from './bearer-token.js';
import { connectionString } from './connection-string.js';
import { creditCard } from './credit-card.js';
import type { Detector } from './detector.js';
import { email } from './email.js';
import { iban } from './iban.js';
import { ipv4, ipv6 } from './ip-address.js';
import { jwt } from './jwt.js';
import { phone } from './phone.js';
import { privateKey } from './private-key.js';
import { createSensitiveFieldDetector } from './sensitive-field.js';
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

export type DetectorGroup = 'secrets' | 'pii';

/** The built-in detector names of each group, in priority order. */
export const DETECTOR_GROUPS: Record<DetectorGroup, readonly string[]> = {
	secrets: [
		'private-key',
		'aws-access-key',
		'aws-secret-key',
		'github-token',
		'gitlab-token',
		'slack-webhook',
		'slack-token',
		'stripe-key',
		'google-api-key',
		'anthropic-key',
		'openai-key',
		'npm-token',
		'jwt',
		'url-credentials',
		'connection-string',
		'bearer-token',
		'sensitive-field',
	],
	pii: ['credit-card', 'iban', 'us-ssn', 'email', 'phone', 'ipv6', 'ipv4'],
};

export const BUILT_IN_DETECTORS: readonly string[] = [...DETECTOR_GROUPS.secrets, ...DETECTOR_GROUPS.pii];

const FIXED: Record<string, Detector> = Object.fromEntries(
	[
		privateKey,
		awsAccessKey,
		awsSecretKey,
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
		connectionString,
		bearerToken,
		creditCard,
		iban,
		usSsn,
		email,
		phone,
		ipv6,
		ipv4,
	].map((detector) => [detector.name, detector]),
);

/** The built-in detector with this name; sensitive-field needs the key matcher. */
export function builtInDetector(name: string, keys: SensitiveKeys): Detector {
	if (name === 'sensitive-field') return createSensitiveFieldDetector(keys);
	const detector = FIXED[name];
	if (!detector) throw new Error(`unknown detector '${name}'`);
	return detector;
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
