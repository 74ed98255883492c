// The built-in detector names a policy may turn on or off (DESIGN §4 `mask`). The masking
// stage implements them; the policy loader only needs the names to reject typos.

/** Built-in detectors, grouped: `secrets` is on by default, `pii` is opt-in. */
export const DETECTOR_GROUPS = {
	secrets: [
		'aws-access-key',
		'aws-secret-key',
		'github-token',
		'gitlab-token',
		'slack-token',
		'slack-webhook',
		'stripe-key',
		'google-api-key',
		'openai-key',
		'anthropic-key',
		'npm-token',
		'private-key',
		'jwt',
		'url-credentials',
		'connection-string',
		'sensitive-field',
	],
	pii: ['email', 'phone', 'credit-card', 'iban', 'us-ssn', 'ipv4', 'ipv6'],
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
