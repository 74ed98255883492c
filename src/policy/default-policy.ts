import { createHash } from 'node:crypto';
import type { MaskPolicy, Policy } from './policy-types.js';

/** Bump when the built-in default changes, so sessions recorded under it stay distinguishable. */
const DEFAULT_POLICY_ID = 'mcprec-default-policy-v1';

/** The policy without a file (DESIGN §4): record everything, mask `secrets`, allow everything. */
export function defaultPolicy(): Policy {
	return {
		version: 1,
		source: 'built-in default',
		digest: createHash('sha256').update(DEFAULT_POLICY_ID).digest('hex'),
		mask: defaultMask(),
		rules: [],
		tools: { hide: [], pin: 'off' },
		record: { onError: 'block' },
		identity: { required: false },
	};
}

/** The `mask:` section when a policy leaves it out. Kept free of the YAML parser so `run` without a policy file never loads it. */
export function defaultMask(): MaskPolicy {
	return { detectors: ['secrets'], exclude: [], custom: [], fields: [], strategy: 'redact', requests: 'record' };
}
