// `npm run demo`: the main job end to end on embedded defaults. The official MCP SDK
// client talks to the official "everything" server through `mcprec run`, then the
// recorded session is listed, replayed and verified. Needs the dev dependencies
// (`npm install`), which is why it lives outside the `mcprec` command set.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { stdoutColours } from '../terminal/colours.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mcprec = path.join(root, 'bin/mcprec.js');
const everything = path.join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

// The demo is a report for a person: it writes to stdout on purpose (never part of `run`).
function say(text: string): void {
	process.stdout.write(text); // stdout-ok: the demo's report
}

function step(text: string): void {
	say(`\n${stdoutColours.bold(`▶ ${text}`)}\n`);
}

async function main(): Promise<void> {
	const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-demo-'));
	// The commands below print into a pipe to the demo: they colour when the demo's stdout does.
	const env = { ...process.env, MCPREC_HOME: home, FORCE_COLOR: String(stdoutColours.level) } as Record<string, string>;
	step(`Recording into MCPREC_HOME=${home}`);
	say(`  client → mcprec run --name everything -- node ${path.relative(root, everything)}\n`);

	const client = new Client({ name: 'mcprec-demo', version: '1.0.0' }, { capabilities: { sampling: {} } });
	client.setRequestHandler(CreateMessageRequestSchema, async () => ({
		model: 'demo-model',
		role: 'assistant',
		content: { type: 'text', text: 'A reply written by the demo client.' },
	}));
	const transport = new StdioClientTransport({
		command: process.execPath,
		args: [mcprec, 'run', '--name', 'everything', '--', process.execPath, everything],
		env,
		stderr: 'ignore',
	});
	await client.connect(transport);

	const tools = await client.listTools();
	say(`  tools/list: ${tools.tools.length} tools (${tools.tools.slice(0, 4).map((tool) => tool.name).join(', ')}, …)\n`);
	const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello through mcprec' } });
	say(`  tools/call echo: ${JSON.stringify(echo.content)}\n`);
	const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
	say(`  tools/call get-sum: ${JSON.stringify(sum.content)}\n`);
	let progress = 0;
	await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } }, undefined, {
		onprogress: () => progress++,
	});
	say(`  tools/call trigger-long-running-operation: ${progress} progress notifications\n`);
	const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'Say hi', maxTokens: 20 } });
	say(`  server → client sampling/createMessage answered; tool said: ${JSON.stringify(sampled.content).slice(0, 90)}…\n`);
	const resources = await client.listResources();
	say(`  resources/list: ${resources.resources.length} resources\n`);
	await client.close();

	for (const [title, args] of [
		['mcprec sessions', ['sessions']],
		['mcprec replay last --plain', ['replay', 'last', '--plain']],
		['mcprec verify last', ['verify', 'last']],
	] as const) {
		step(title);
		const result = await execa(process.execPath, [mcprec, ...args], { env, reject: false });
		say(`${result.stdout}\n`);
		if (result.stderr) process.stderr.write(`${result.stderr}\n`);
		if (result.exitCode !== 0) throw new Error(`${title} exited with ${result.exitCode}`);
	}
	step(`Done. Explore it yourself: MCPREC_HOME=${home} node bin/mcprec.js replay last`);
}

main().catch((error: unknown) => {
	process.stderr.write(`demo failed: ${(error as Error).message}\n`);
	process.exitCode = 1;
});
