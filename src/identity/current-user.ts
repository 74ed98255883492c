import os from 'node:os';

/** The OS user name, for records of who decided or granted something. */
export function currentUser(): string {
	try {
		return os.userInfo().username;
	} catch {
		return process.env.USER ?? 'unknown';
	}
}
