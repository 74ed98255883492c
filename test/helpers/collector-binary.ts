// `mcprec server` as users start it: the built binary, on a free loopback port, with its
// state in a home of the test's. Resolves once it listens; `close()` stops it (SIGTERM).

import { spawn } from 'node:child_process';
import net from 'node:net';
import { mcprecBin } from './mcprec.js';

export interface CollectorProcess {
	url: string;
	output: () => string;
	close(): Promise<void>;
}

export async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

/** Starts `mcprec server --host 127.0.0.1 --port <free> …args` from the build. */
export async function startCollectorBinary(args: string[], home: string, timeoutMs = 20_000): Promise<CollectorProcess> {
	const port = await freePort();
	const child = spawn(process.execPath, [mcprecBin, 'server', '--host', '127.0.0.1', '--port', String(port), ...args], {
		env: { ...process.env, MCPREC_HOME: home, NO_COLOR: '1', MCPREC_LOG_LEVEL: 'warn' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
	const url = `http://127.0.0.1:${port}`;
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`mcprec server did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs);
		const check = () => {
			if (output.includes(`listening on ${url}`)) {
				clearTimeout(timer);
				resolve();
			}
		};
		child.stdout.on('data', check);
		child.stderr.on('data', check);
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`mcprec server exited (${code}) before listening:\n${output}`));
		});
	});
	return {
		url,
		output: () => output,
		close: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null || child.signalCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
			}),
	};
}
