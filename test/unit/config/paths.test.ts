// Where mcprec's files are without MCPREC_HOME: the platform's folders, as env-paths
// ('mcprec', no suffix) placed them when mcprec used that package, so an existing store and
// config are found after the change.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformDirectories, resolveStatePaths } from '../../../src/config/paths.js';

const homedir = '/home/ada';

describe('platform directories', () => {
	it('Linux: the XDG base directories, with their defaults', () => {
		expect(platformDirectories('mcprec', { platform: 'linux', environment: {}, homedir })).toEqual({
			data: path.join(homedir, '.local', 'share', 'mcprec'),
			config: path.join(homedir, '.config', 'mcprec'),
		});
		expect(platformDirectories('mcprec', { platform: 'freebsd', environment: { XDG_DATA_HOME: '/d', XDG_CONFIG_HOME: '/c' }, homedir })).toEqual({
			data: path.join('/d', 'mcprec'),
			config: path.join('/c', 'mcprec'),
		});
		// Empty variables count as unset, as the XDG specification says.
		expect(platformDirectories('mcprec', { platform: 'linux', environment: { XDG_DATA_HOME: '', XDG_CONFIG_HOME: '' }, homedir }).data).toBe(path.join(homedir, '.local', 'share', 'mcprec'));
	});

	it('macOS: Application Support and Preferences under ~/Library', () => {
		expect(platformDirectories('mcprec', { platform: 'darwin', environment: { XDG_DATA_HOME: '/ignored' }, homedir })).toEqual({
			data: path.join(homedir, 'Library', 'Application Support', 'mcprec'),
			config: path.join(homedir, 'Library', 'Preferences', 'mcprec'),
		});
	});

	it('Windows: Data under %LOCALAPPDATA%, Config under %APPDATA%, with their defaults', () => {
		expect(platformDirectories('mcprec', { platform: 'win32', environment: { LOCALAPPDATA: 'L', APPDATA: 'R' }, homedir })).toEqual({
			data: path.join('L', 'mcprec', 'Data'),
			config: path.join('R', 'mcprec', 'Config'),
		});
		expect(platformDirectories('mcprec', { platform: 'win32', environment: {}, homedir })).toEqual({
			data: path.join(homedir, 'AppData', 'Local', 'mcprec', 'Data'),
			config: path.join(homedir, 'AppData', 'Roaming', 'mcprec', 'Config'),
		});
	});

	it('MCPREC_HOME wins, and holds the database and config.yaml', () => {
		expect(resolveStatePaths({ MCPREC_HOME: '/tmp/h', XDG_DATA_HOME: '/d' })).toEqual({ database: path.resolve('/tmp/h/mcprec.db'), config: path.resolve('/tmp/h/config.yaml'), home: path.resolve('/tmp/h') });
		expect(resolveStatePaths({ XDG_DATA_HOME: '/d', XDG_CONFIG_HOME: '/c' }).database).toBe(process.platform === 'linux' ? '/d/mcprec/mcprec.db' : expect.any(String));
	});
});
