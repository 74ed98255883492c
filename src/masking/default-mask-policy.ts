// The `mask:` section in force without a policy file (DESIGN §4: mask the secrets group).

import type { MaskPolicy } from '../policy/policy-types.js';

export const DEFAULT_MASK_POLICY: MaskPolicy = {
	detectors: ['secrets'],
	exclude: [],
	custom: [],
	fields: [],
	strategy: 'redact',
	requests: 'record',
};
