// Opens the verification page for the person signing in, when there is a desktop to open
// it on: never in CI, never over SSH without a display. Failing to open is not an error;
// the URL is printed anyway.

import { spawn } from 'node:child_process';

export function canOpenBrowser(environment: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
	if (environment.CI) return false;
	if (platform === 'darwin' || platform === 'win32') return !environment.SSH_CONNECTION;
	return Boolean(environment.DISPLAY || environment.WAYLAND_DISPLAY);
}

/** Starts the platform's opener in the background; true when one was started. */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): boolean {
	const [command, args] =
		platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
	try {
		const child = spawn(command, args, { stdio: 'ignore', detached: true });
		child.on('error', () => {});
		child.unref();
		return true;
	} catch {
		return false;
	}
}
