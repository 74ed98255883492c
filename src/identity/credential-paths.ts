// Where the file credential store and its lock live: beside config.yaml, so in
// MCPREC_HOME when set, else the platform's config directory (config/paths.ts).

import path from 'node:path';
import { resolveStatePaths } from '../config/paths.js';

/** The credential file, its folder and the lock file that serialises writers. */
export interface CredentialPaths {
	directory: string;
	file: string;
	lock: string;
}

export function resolveCredentialPaths(environment: NodeJS.ProcessEnv = process.env): CredentialPaths {
	const directory = path.dirname(resolveStatePaths(environment).config);
	return {
		directory,
		file: path.join(directory, 'credentials.json'),
		lock: path.join(directory, 'credentials.lock'),
	};
}
