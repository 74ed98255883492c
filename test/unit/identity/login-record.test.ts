// From token claims to the person on the session, and when an access token needs renewing.

import { describe, expect, it } from 'vitest';
import { isAccessTokenFresh, profileFromClaims, type LoginRecord } from '../../../src/identity/login-record.js';

describe('profileFromClaims', () => {
	it.each([
		['a list', { groups: ['eng', 'ops', 7] }, 'groups', ['eng', 'ops']],
		['one string', { groups: 'eng ops,sec' }, 'groups', ['eng', 'ops', 'sec']],
		['a dot path', { realm_access: { roles: ['admin'] } }, 'realm_access.roles', ['admin']],
		['a claim whose name has dots', { 'https://example.com/groups': ['x'] }, 'https://example.com/groups', ['x']],
		['no claim', {}, 'groups', []],
	])('reads groups from %s', (_what, claims, claim, groups) => {
		expect(profileFromClaims({ sub: 'u1', ...claims }, claim).groups).toEqual(groups);
	});

	it('takes name from name, else given and family name, else preferred_username', () => {
		expect(profileFromClaims({ sub: 'u', name: 'Ada L', email: 'ada@example.com' }, 'groups')).toEqual({ sub: 'u', email: 'ada@example.com', name: 'Ada L', groups: [] });
		expect(profileFromClaims({ sub: 'u', given_name: 'Ada', family_name: 'Lovelace' }, 'groups').name).toBe('Ada Lovelace');
		expect(profileFromClaims({ sub: 'u', preferred_username: 'ada' }, 'groups')).toMatchObject({ name: 'ada', email: null });
	});
});

describe('isAccessTokenFresh', () => {
	const record = (obtainedAt: number, expiresAt: number | undefined) => ({ obtainedAt, expiresAt }) as LoginRecord;
	it('renews 30 s early for long-lived tokens, a tenth of the lifetime for short ones', () => {
		const now = 1_000_000_000;
		expect(isAccessTokenFresh(record(now - 1000, now + 3_600_000), now)).toBe(true);
		expect(isAccessTokenFresh(record(now - 3_570_000, now + 29_000), now)).toBe(false);
		expect(isAccessTokenFresh(record(now, now + 2000), now + 1700)).toBe(true);
		expect(isAccessTokenFresh(record(now, now + 2000), now + 1850)).toBe(false);
		expect(isAccessTokenFresh(record(now, undefined), now + 1e9)).toBe(true);
	});
});
