// A throwaway PostgreSQL cluster for the storage tests and the ingest bench: initdb into a
// temp folder, listen on 127.0.0.1 on a free port, stop and delete it afterwards. initdb
// refuses to run as root, so as root the binaries run as the `postgres` user (runuser).
// Missing binaries are an error naming the fix, never a silent skip.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
	/** postgres://mcprec@127.0.0.1:PORT/postgres */
	adminUrl: string;
	port: number;
	/** Creates an empty database and returns its URL. */
	createDatabase(name: string): Promise<string>;
	stop(): void;
}

export interface StartPostgresOptions {
	/** fsync off: fine for tests, not for measuring (default true). */
	fast?: boolean;
}

const SYSTEM_USER = 'postgres';
const ROLE = 'mcprec';

export function findPostgresBin(): string {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((version) => fs.existsSync(path.join(root, version, 'bin/initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length === 0) {
		throw new Error(
			`PostgreSQL is not installed (no ${root}/*/bin/initdb): install it with \`apt-get update && apt-get install -y postgresql\` ` +
				'(.ci/run does this); the collector storage suite runs against a real PostgreSQL and does not skip',
		);
	}
	return path.join(root, versions[0]!, 'bin');
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
	const bin = findPostgresBin();
	const asRoot = process.getuid?.() === 0;
	const run = (command: string, args: string[]) => {
		const file = path.join(bin, command);
		const [program, programArgs] = asRoot ? ['runuser', ['-u', SYSTEM_USER, '--', file, ...args]] : [file, args];
		return execFileSync(program, programArgs, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
	};
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-pg-'));
	if (asRoot) {
		const uid = Number(execFileSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' }).trim());
		const gid = Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).trim());
		fs.chownSync(folder, uid, gid);
	}
	const dataDir = path.join(folder, 'data');
	const port = await freePort();
	const settings = [
		'-c listen_addresses=127.0.0.1',
		`-c port=${port}`,
		`-c unix_socket_directories=${folder}`,
		'-c max_connections=200',
		'-c synchronous_commit=off',
		...(options.fast === false ? [] : ['-c fsync=off', '-c full_page_writes=off']),
	].join(' ');
	try {
		run('initdb', ['-D', dataDir, '-U', ROLE, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
		run('pg_ctl', ['-D', dataDir, '-o', settings, '-l', path.join(folder, 'server.log'), '-w', '-t', '60', 'start']);
	} catch (error) {
		const log = path.join(folder, 'server.log');
		const detail = fs.existsSync(log) ? `\n${fs.readFileSync(log, 'utf8').slice(-2000)}` : '';
		fs.rmSync(folder, { recursive: true, force: true });
		throw new Error(`could not start a test PostgreSQL: ${(error as { stderr?: string }).stderr ?? (error as Error).message}${detail}`);
	}
	const adminUrl = `postgres://${ROLE}@127.0.0.1:${port}/postgres`;
	let stopped = false;
	return {
		adminUrl,
		port,
		async createDatabase(name) {
			if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name '${name}'`);
			const client = new pg.Client({ connectionString: adminUrl });
			await client.connect();
			try {
				await client.query(`CREATE DATABASE ${name}`);
			} finally {
				await client.end();
			}
			return `postgres://${ROLE}@127.0.0.1:${port}/${name}`;
		},
		stop() {
			if (stopped) return;
			stopped = true;
			try {
				run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
			} finally {
				fs.rmSync(folder, { recursive: true, force: true });
			}
		},
	};
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}
