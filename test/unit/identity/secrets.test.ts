// Secret names are the environment variables they become; values must be maskable.

import { describe, expect, it } from 'vitest';
import { checkSecretName, checkSecretValue } from '../../../src/identity/secrets.js';

describe('checkSecretName', () => {
	it.each(['GITHUB_TOKEN', '_X', 'A1', 'DB_PASSWORD_2'])('accepts %s', (name) => {
		expect(checkSecretName(name)).toBe(name);
	});

	it.each([
		['github_token', /not a valid secret name.*\(did you mean 'GITHUB_TOKEN'\?\)/],
		['1TOKEN', /'1TOKEN' is not a valid secret name: use an environment variable name/],
		['MY-TOKEN', /'MY-TOKEN' is not a valid secret name/],
		['', /'' is not a valid secret name/],
	])('rejects %j', (name, message) => {
		expect(() => checkSecretName(name)).toThrow(message);
	});
});

describe('checkSecretValue', () => {
	it('refuses empty and too-short values without quoting them', () => {
		expect(() => checkSecretValue('X', '')).toThrow(/no value given for secret X/);
		expect(() => checkSecretValue('X', 'abc')).toThrow('the value of secret X is too short to be masked reliably (at least 4 characters)');
		expect(checkSecretValue('X', 'abcd')).toBe('abcd');
	});
});
