// What a masked value becomes, per strategy (DESIGN §4 `mask.strategy`). Replacements
// contain no quotes, backslashes or control characters, so swapping one in for a value
// inside JSON written as text keeps that JSON valid.
//   redact   [REDACTED:github-token]
//   partial  [REDACTED:github-token:…x9Qz]  last 4 characters kept when the value has at
//            least 12 (shorter values would be mostly revealed) and they are plain
//            token characters; otherwise as redact
//   hash     [HASH:github-token:3f9a0c12be47]  first 12 hex of HMAC-SHA256(session salt,
//            value): equal values stay recognisable within a session, not across sessions

import { createHmac } from 'node:crypto';
import type { MaskStrategy } from '../policy/policy-types.js';

export type Replace = (detector: string, value: string) => string;

const PARTIAL_MIN_LENGTH = 12;
const PLAIN_TAIL = /^[A-Za-z0-9_\-.+/=~]{4}$/;
const MAX_CACHED = 10_000;

export function createReplace(options: { strategy: MaskStrategy; sessionSalt: string }): Replace {
	switch (options.strategy) {
		case 'redact':
			return (detector) => `[REDACTED:${detector}]`;
		case 'partial':
			return (detector, value) => {
				const tail = value.slice(-4);
				return value.length >= PARTIAL_MIN_LENGTH && PLAIN_TAIL.test(tail) ? `[REDACTED:${detector}:…${tail}]` : `[REDACTED:${detector}]`;
			};
		case 'hash': {
			const digests = new Map<string, string>();
			return (detector, value) => {
				let digest = digests.get(value);
				if (digest === undefined) {
					digest = createHmac('sha256', options.sessionSalt).update(value).digest('hex').slice(0, 12);
					if (digests.size >= MAX_CACHED) digests.clear();
					digests.set(value, digest);
				}
				return `[HASH:${detector}:${digest}]`;
			};
		}
		default:
			throw new Error(`mask.strategy: unknown strategy '${String(options.strategy)}' (expected redact, partial or hash)`);
	}
}
