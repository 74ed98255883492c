// Where the AI clients keep their config files: the home folder, the platform's folder for
// application settings, and the project the command runs in. Tests point them at a temp
// folder with MCPREC_CLIENT_HOME (and APPDATA / XDG_CONFIG_HOME as the platforms do).

import os from 'node:os';
import path from 'node:path';

/** The folders client config files are found under. */
export interface ClientRoots {
	platform: NodeJS.Platform;
	/** The person's home folder (`~`). */
	home: string;
	/** Application settings: %APPDATA% on Windows, ~/Library/Application Support on macOS, $XDG_CONFIG_HOME or ~/.config on Linux. */
	appData: string;
	/** The project folder whose `.mcp.json`, `.cursor/`, `.vscode/`… are handled. */
	project: string;
	/** CODEX_HOME when set (Codex keeps config.toml there instead of ~/.codex). */
	codexHome?: string;
}

export interface ResolveRootsOptions {
	environment?: NodeJS.ProcessEnv;
	platform?: NodeJS.Platform;
	project?: string;
}

export function resolveClientRoots(options: ResolveRootsOptions = {}): ClientRoots {
	const environment = options.environment ?? process.env;
	const platform = options.platform ?? process.platform;
	const paths = platform === 'win32' ? path.win32 : path.posix;
	const home = environment.MCPREC_CLIENT_HOME || os.homedir();
	let appData: string;
	if (platform === 'win32') appData = (!environment.MCPREC_CLIENT_HOME && environment.APPDATA) || paths.join(home, 'AppData', 'Roaming');
	else if (platform === 'darwin') appData = paths.join(home, 'Library', 'Application Support');
	else appData = (!environment.MCPREC_CLIENT_HOME && environment.XDG_CONFIG_HOME) || paths.join(home, '.config');
	const codexHome = environment.MCPREC_CLIENT_HOME ? undefined : environment.CODEX_HOME || undefined;
	return { platform, home, appData, project: paths.resolve(options.project ?? process.cwd()), codexHome };
}
