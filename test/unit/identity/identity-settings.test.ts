// Where `mcprec login` finds its provider: flags, then config.yaml `identity:`, then the
// MCPREC_ISSUER / MCPREC_CLIENT_ID environment; mistakes name the file and line.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveIdentitySettings } from '../../../src/identity/identity-settings.js';

describe('resolveIdentitySettings', () => {
	let folder: string;
	let configFile: string;
	beforeEach(() => {
		folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-settings-'));
		configFile = path.join(folder, 'config.yaml');
	});
	afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

	const environment = { MCPREC_ISSUER: 'https://env.example.com', MCPREC_CLIENT_ID: 'env-client' };

	it('uses the environment when nothing else is given, with the base scopes and groups claim', () => {
		expect(resolveIdentitySettings({ flags: {}, configFile, environment })).toEqual({
			issuer: 'https://env.example.com',
			clientId: 'env-client',
			scopes: ['openid', 'profile', 'email', 'offline_access'],
			groupsClaim: 'groups',
		});
	});

	it('prefers config.yaml over the environment, and flags over both', () => {
		fs.writeFileSync(configFile, 'policy: ~\nidentity:\n  issuer: https://config.example.com\n  clientId: config-client\n  scope: [groups, "api:read"]\n  groupsClaim: realm_access.roles\n');
		expect(resolveIdentitySettings({ flags: {}, configFile, environment })).toEqual({
			issuer: 'https://config.example.com',
			clientId: 'config-client',
			scopes: ['openid', 'profile', 'email', 'offline_access', 'groups', 'api:read'],
			groupsClaim: 'realm_access.roles',
		});
		expect(
			resolveIdentitySettings({ flags: { issuer: 'https://flag.example.com', clientId: 'flag-client', scope: 'roles, openid', groupsClaim: 'roles' }, configFile, environment }),
		).toEqual({
			issuer: 'https://flag.example.com',
			clientId: 'flag-client',
			scopes: ['openid', 'profile', 'email', 'offline_access', 'roles'],
			groupsClaim: 'roles',
		});
	});

	it('says where to configure a missing issuer or client id', () => {
		expect(() => resolveIdentitySettings({ flags: {}, configFile, environment: {} })).toThrow(
			`no identity provider configured: pass --issuer URL, set identity.issuer in ${configFile}, or set MCPREC_ISSUER`,
		);
		expect(() => resolveIdentitySettings({ flags: { issuer: 'https://a.example.com' }, configFile, environment: {} })).toThrow(/no client id configured: pass --client-id ID/);
	});

	it.each([
		['http://login.example.com', /must use https/],
		['login.example.com', /is not a URL/],
	])('rejects issuer %s', (issuer, message) => {
		expect(() => resolveIdentitySettings({ flags: { issuer, clientId: 'x' }, configFile, environment: {} })).toThrow(message);
	});

	it.each(['http://127.0.0.1:8080', 'http://localhost:3000', 'http://[::1]:9000', 'https://login.example.com/realms/a'])('accepts issuer %s', (issuer) => {
		expect(resolveIdentitySettings({ flags: { issuer, clientId: 'x' }, configFile, environment: {} }).issuer).toBe(issuer);
	});

	it('names the line of a mistake in config.yaml', () => {
		fs.writeFileSync(configFile, 'identity:\n  issuer: https://a.example.com\n  clientID: x\n');
		expect(() => resolveIdentitySettings({ flags: {}, configFile, environment: {} })).toThrow(
			`${configFile}:3: unknown key 'clientID' (expected issuer, clientId, scope, groupsClaim)`,
		);
		fs.writeFileSync(configFile, 'identity:\n  issuer: 42\n');
		expect(() => resolveIdentitySettings({ flags: {}, configFile, environment: {} })).toThrow(`${configFile}:2: identity.issuer must be a non-empty string, found 42`);
	});
});
