// Records a real session for the TUI tests: `mcprec run` in front of the official
// "everything" server, fed raw JSON-RPC lines (and one line that is not JSON).

import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { mcprecBin, servers } from '../helpers/mcprec.js';

export async function recordEverythingSession(home: string): Promise<void> {
	const child = spawn(process.execPath, [mcprecBin, 'run', '--name', 'everything', '--', process.execPath, servers.everything, 'stdio'], {
		env: { ...process.env, MCPREC_HOME: home },
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (chunk) => (stderr += chunk));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	const answers = new Map<string, (message: unknown) => void>();
	readline.createInterface({ input: child.stdout }).on('line', (line) => {
		const message = JSON.parse(line) as { id?: unknown };
		answers.get(JSON.stringify(message.id ?? null))?.(message);
	});
	// Sends one line and waits for the answer with that id, so the recording is in a known order.
	const ask = (line: string, id: unknown) =>
		new Promise<unknown>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no answer to ${line} within 20 s; mcprec stderr:\n${stderr}`)), 20_000);
			answers.set(JSON.stringify(id), (message) => {
				clearTimeout(timer);
				resolve(message);
			});
			child.stdin.write(`${line}\n`);
		});

	await ask(
		JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'tui-test', version: '1.0.0' } } }),
		1,
	);
	child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
	await ask(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), 2);
	await ask(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello from the tui test' } } }), 3);
	// A tool error: the server answers invalid arguments with a result whose isError is true.
	await ask(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 'one', b: 2 } } }), 4);
	await ask('this line is not json', null);
	child.stdin.end();
	const code = await exited;
	if (code !== 0) throw new Error(`mcprec run exited with ${code}; stderr:\n${stderr}`);
}
