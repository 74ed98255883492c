import { createHash } from 'node:crypto';
import { defaultMask } from './read-mask.js';
import type { Policy } from './policy-types.js';

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
