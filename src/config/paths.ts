import path from 'node:path';
import envPaths from 'env-paths';

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
	const platform = envPaths('mcprec', { suffix: '' });
	return { database: path.join(platform.data, 'mcprec.db'), config: path.join(platform.config, 'config.yaml'), home: undefined };
}
