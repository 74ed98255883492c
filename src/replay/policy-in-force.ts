// The policy a session ran under, as its start event records it (session-core.ts start):
// where it came from, the SHA-256 of its bytes and, for a file, its text. Recorded in the
// hash chain, so it is evidence like the calls it governed.

export interface PolicyInForce {
	/** The file path, or "built-in default". */
	source: string;
	digest: string;
	/** The file as read (masked like everything mcprec says); absent for the default or a file too large to keep. */
	text?: string;
	/** Why the text is absent though there was a file. */
	textOmitted?: string;
}

/** The policy named by a lifecycle `start` event's details, if it names one (older recordings do not). */
export function policyOfStart(details: unknown): PolicyInForce | undefined {
	if (!details || typeof details !== 'object') return undefined;
	const { event, policy } = details as { event?: unknown; policy?: unknown };
	if (event !== 'start' || !policy || typeof policy !== 'object') return undefined;
	const { source, digest, text, textOmitted } = policy as Record<string, unknown>;
	if (typeof source !== 'string' || typeof digest !== 'string') return undefined;
	return {
		source,
		digest,
		...(typeof text === 'string' ? { text } : {}),
		...(typeof textOmitted === 'string' ? { textOmitted } : {}),
	};
}

/** `policy.yaml (sha256 3f2a9c01b7d4)`: short enough for a timeline row. */
export function describePolicy(policy: PolicyInForce): string {
	return `${policy.source} (sha256 ${policy.digest.slice(0, 12)})`;
}
