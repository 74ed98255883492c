import os from 'node:os';
import path from 'node:path';

/** Where mcprec keeps its files: MCPREC_HOME when set, otherwise the platform's directories. */
export interface StatePaths {
	database: string;
	config: string;
	home: string | undefined;
}

export function resolveStatePaths(environment: NodeJS.ProcessEnv = process.env): StatePaths {
	const home = environment.MCPREC_HOME;
	if (home) {
		const root = path.resolve(home);
		return { database: path.join(root, 'mcprec.db'), config: path.join(root, 'config.yaml'), home: root };
	}
	const platform = platformDirectories('mcprec', { platform: process.platform, environment, homedir: os.homedir() });
	return { database: path.join(platform.data, 'mcprec.db'), config: path.join(platform.config, 'config.yaml'), home: undefined };
}

/**
 * The folders each platform sets aside for an application's data and settings: the XDG base
 * directories on Linux and the BSDs, ~/Library on macOS, %LOCALAPPDATA% and %APPDATA% on
 * Windows. They are where the env-paths package puts them (which mcprec used before; so an
 * existing store is found where it is): written here because importing that package's
 * `node:process` costs `run` ~5 ms before it can spawn its server (DESIGN §8, startup).
 */
export function platformDirectories(name: string, host: { platform: NodeJS.Platform; environment: NodeJS.ProcessEnv; homedir: string }): { data: string; config: string } {
	const { environment, homedir } = host;
	if (host.platform === 'darwin') {
		const library = path.join(homedir, 'Library');
		return { data: path.join(library, 'Application Support', name), config: path.join(library, 'Preferences', name) };
	}
	if (host.platform === 'win32') {
		const appData = environment.APPDATA || path.join(homedir, 'AppData', 'Roaming');
		const localAppData = environment.LOCALAPPDATA || path.join(homedir, 'AppData', 'Local');
		return { data: path.join(localAppData, name, 'Data'), config: path.join(appData, name, 'Config') };
	}
	return {
		data: path.join(environment.XDG_DATA_HOME || path.join(homedir, '.local', 'share'), name),
		config: path.join(environment.XDG_CONFIG_HOME || path.join(homedir, '.config'), name),
	};
}
