// What each command receives from the command line (main.ts): its arguments and its options
// with defaults filled in and values parsed, one case per command line. `run` has its own
// table (run-options.test.ts); the help texts and usage errors are checked on the built
// binary (test/e2e/help-texts.test.ts).

import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';

interface Received {
	arguments: unknown[];
	options: Record<string, unknown>;
}

/** Parses `mcprec <args>` with the real program, its actions replaced by one that keeps what it was given. */
async function receivedBy(args: string[]): Promise<Received> {
	const program = buildProgram();
	let received: Received | undefined;
	const capture = (command: Command) => {
		command.action((...values: unknown[]) => {
			received = { arguments: values.slice(0, -2), options: { ...(values.at(-2) as Record<string, unknown>) } };
		});
		command.commands.forEach(capture);
	};
	program.commands.forEach(capture);
	// main.ts's preAction hook watches stdout for EPIPE; one watcher per parse would pile up here.
	const watchers = process.stdout.listeners('error');
	try {
		await program.parseAsync(['node', 'mcprec', ...args]);
	} finally {
		for (const listener of process.stdout.listeners('error')) if (!watchers.includes(listener)) process.stdout.off('error', listener as () => void);
	}
	if (!received) throw new Error(`mcprec ${args.join(' ')} ran no action`);
	return received;
}

const cases: [string[], Received][] = [
	[['sessions'], { arguments: [], options: { limit: 50 } }],
	[
		['sessions', '--server', 'fs*', '--user', 'ann', '--since', '2h', '--limit', '3', '--json'],
		{ arguments: [], options: { server: 'fs*', user: 'ann', since: '2h', limit: 3, json: true } },
	],
	[['replay', 'last'], { arguments: ['last'], options: {} }],
	[['replay', 'ab12', '--json', '--plain', '--speed', '2.5'], { arguments: ['ab12'], options: { json: true, plain: true, speed: 2.5 } }],
	[['verify'], { arguments: [undefined], options: {} }],
	[['verify', 'ab12', '--all', '--json'], { arguments: ['ab12'], options: { all: true, json: true } }],
	[['approvals', '--all', '--json'], { arguments: [], options: { all: true, json: true } }],
	[['approve', 'c0ffee', '--json'], { arguments: ['c0ffee'], options: { json: true } }],
	[['deny', 'c0ffee'], { arguments: ['c0ffee'], options: {} }],
	[
		['grant', '--server', 'db', '--tool', 'delete_*', '--for', '15m', '--reason', 'INC-1', '--list', '--json'],
		{ arguments: [], options: { server: 'db', tool: 'delete_*', for: '15m', reason: 'INC-1', list: true, json: true } },
	],
	[['policy', 'check', 'policy.yaml'], { arguments: ['policy.yaml'], options: {} }],
	[
		['policy', 'test', 'p.yaml', '--server', 'fs', '--tool', 'rm', '--method', 'tools/call', '--args', '{}', '--groups', 'a,b', '--annotations', '{"x":1}', '--json'],
		{ arguments: ['p.yaml'], options: { server: 'fs', tool: 'rm', method: 'tools/call', args: '{}', groups: 'a,b', annotations: '{"x":1}', json: true } },
	],
	[['install'], { arguments: [], options: { client: [], server: [] } }],
	[
		['install', '--client', 'cursor', '--client', 'codex', '--server', 'my server', '--project', '/p', '--dry-run', '--json'],
		{ arguments: [], options: { client: ['cursor', 'codex'], server: ['my server'], project: '/p', dryRun: true, json: true } },
	],
	[['uninstall', '--server', 'fs'], { arguments: [], options: { client: [], server: ['fs'] } }],
	[['doctor', '--client', 'vscode', '--json'], { arguments: [], options: { client: ['vscode'], json: true } }],
	[['login'], { arguments: [], options: { browser: true } }],
	[
		['login', '--issuer', 'https://id', '--client-id', 'cli', '--scope', 'groups', '--groups-claim', 'roles', '--resource', 'aud', '--no-browser'],
		{ arguments: [], options: { issuer: 'https://id', clientId: 'cli', scope: 'groups', groupsClaim: 'roles', resource: 'aud', browser: false } },
	],
	[['whoami', '--json'], { arguments: [], options: { json: true } }],
	[['logout'], { arguments: [], options: {} }],
	[['secret', 'set', 'GITHUB_TOKEN'], { arguments: ['GITHUB_TOKEN'], options: {} }],
	[['secret', 'list', '--json'], { arguments: [], options: { json: true } }],
	[['secret', 'rm', 'GITHUB_TOKEN'], { arguments: ['GITHUB_TOKEN'], options: {} }],
	[['sync'], { arguments: [], options: {} }],
	[
		['sync', '--endpoint', 'https://c', '--dry-run', '--json', '--batch', '10', '--retries', '2'],
		{ arguments: [], options: { endpoint: 'https://c', dryRun: true, json: true, batch: 10, retries: 2 } },
	],
	[['server'], { arguments: [], options: {} }],
	[
		[
			'server',
			...['--port', '0', '--host', '::', '--database', 'postgres://db', '--issuer', 'https://id', '--audience', 'aud', '--auditor-group', 'sec'],
			...['--approver-group', 'ops', '--groups-claim', 'roles', '--max-body-mib', '0.5', '--viewer-client-id', 'v', '--viewer-scope', 'openid'],
			...['--public-url', 'https://m', '--cookie-secret', 'k'],
		],
		{
			arguments: [],
			options: {
				port: 0,
				host: '::',
				database: 'postgres://db',
				issuer: 'https://id',
				audience: 'aud',
				auditorGroup: 'sec',
				approverGroup: 'ops',
				groupsClaim: 'roles',
				maxBodyMib: 0.5,
				viewerClientId: 'v',
				viewerScope: 'openid',
				publicUrl: 'https://m',
				cookieSecret: 'k',
			},
		},
	],
];

describe('what each command receives from its command line', () => {
	it.each(cases)('mcprec %j', async (args, expected) => {
		expect(await receivedBy(args)).toEqual(expected);
	});
});
