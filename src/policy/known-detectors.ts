// The built-in detector names a policy may turn on or off (DESIGN §4 `mask`): the one list
// both the policy loader (to reject typos) and the masking engine (priority order) use.

/** Built-in detectors, grouped: `secrets` is on by default, `pii` is opt-in. */
export const DETECTOR_GROUPS = {
	// In masking priority order: where findings overlap, the earlier name labels the range.
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
} as const satisfies Record<string, readonly string[]>;

export type DetectorGroup = keyof typeof DETECTOR_GROUPS;
export type DetectorName = (typeof DETECTOR_GROUPS)[DetectorGroup][number];

/** Every built-in detector name, secrets first. */
export const KNOWN_DETECTORS: readonly DetectorName[] = [...DETECTOR_GROUPS.secrets, ...DETECTOR_GROUPS.pii];

export function isDetectorGroup(name: string): name is DetectorGroup {
	return Object.hasOwn(DETECTOR_GROUPS, name);
}

export function isKnownDetector(name: string): name is DetectorName {
	return (KNOWN_DETECTORS as readonly string[]).includes(name);
}
