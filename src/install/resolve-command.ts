// Whether a client will find a command: an absolute path must be an executable file; a bare
// name is looked up on the PATH that client sees. GUI apps on macOS are started by launchd
// with /usr/bin:/bin:/usr/sbin:/sbin, not the shell's PATH, which is why install writes
// absolute paths and why doctor checks them this way.

import fs from 'node:fs';
import path from 'node:path';

/** The PATH a client gets: launchd's for GUI apps on macOS, the current one otherwise. */
export function clientSearchPath(options: { gui: boolean; platform?: NodeJS.Platform; environment?: NodeJS.ProcessEnv }): string {
	const platform = options.platform ?? process.platform;
	if (options.gui && platform === 'darwin') return '/usr/bin:/bin:/usr/sbin:/sbin';
	return (options.environment ?? process.env).PATH ?? '';
}

/** The file a command resolves to, or undefined when the client would not find it. */
export function resolveCommand(command: string, options: { searchPath: string; cwd?: string; platform?: NodeJS.Platform; environment?: NodeJS.ProcessEnv }): string | undefined {
	const platform = options.platform ?? process.platform;
	const extensions = platform === 'win32' ? ['', ...((options.environment ?? process.env).PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';')] : [''];
	const candidates = (file: string) => extensions.map((extension) => file + extension);
	if (command.includes('/') || (platform === 'win32' && command.includes('\\'))) {
		const file = path.resolve(options.cwd ?? process.cwd(), command);
		return candidates(file).find(isExecutable);
	}
	for (const folder of options.searchPath.split(path.delimiter)) {
		if (!folder) continue;
		const found = candidates(path.join(folder, command)).find(isExecutable);
		if (found) return found;
	}
	return undefined;
}

function isExecutable(file: string): boolean {
	try {
		if (!fs.statSync(file).isFile()) return false;
		fs.accessSync(file, process.platform === 'win32' ? fs.constants.R_OK : fs.constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/** Whether a file (the entry script) is there to be read. */
export function isReadableFile(file: string): boolean {
	try {
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}
