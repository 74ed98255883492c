// Path-aware rules through the built binary (issue 12 finding 12): server-filesystem serves
// a temp folder and /etc, and a policy denies reads under /etc and writes under secrets/
// with `match.paths`. Spellings that a regex on the path would miss (`//etc/passwd`,
// `/tmp/../etc/passwd`, a file:// URI, a detour through another folder, a relative path)
// are refused before the server sees them, and the record says how mcprec read the path.

import fs from 'node:fs';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, payloadOf, runMcprec, servers, waitForEvents, type StoredEventRow } from '../helpers/mcprec.js';
import { removeHome } from '../helpers/mcprec.js';
import { connectClient, type Connection } from '../helpers/sdk-client.js';

const textOf = (result: unknown) => ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');

describe('match.paths through mcprec run and server-filesystem', () => {
	let home: string;
	let root: string;
	let policyFile: string;
	let connection: Connection;
	const sent = new Map<string, unknown>();

	beforeAll(async () => {
		home = makeHome();
		root = fs.realpathSync(makeHome('mcprec-paths-'));
		fs.mkdirSync(path.join(root, 'secrets'));
		fs.mkdirSync(path.join(root, 'public'));
		fs.writeFileSync(path.join(root, 'public', 'readme.txt'), 'public text');
		policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(
			policyFile,
			[
				'version: 1',
				'rules:',
				'  - name: no-etc',
				'    match: { tool: "read_*", paths: { path: /etc/** } }',
				'    action: deny',
				'    message: nothing under /etc',
				'  - name: no-secret-writes',
				`    match: { tool: write_file, paths: { path: "${root}/secrets/**" } }`,
				'    action: deny',
				'    message: secrets are read-only',
				'',
			].join('\n'),
		);
		connection = await connectClient({ route: 'mcprec', home, name: 'fs', serverArgs: [servers.filesystem, root, '/etc'], runOptions: ['--policy', policyFile] });
	});
	afterAll(async () => {
		await connection?.close();
		removeHome(home);
		removeHome(root);
	});

	async function callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
		const result = (await connection.client.callTool({ name, arguments: args })) as CallToolResult;
		const request = [...connection.wire.sent].reverse().find((message) => 'method' in message && message.method === 'tools/call');
		sent.set(JSON.stringify(args), (request as { id: unknown }).id);
		return result;
	}

	it.each([
		'//etc/passwd',
		'/tmp/../etc/passwd',
		'/etc/./passwd',
		'/./etc/passwd/.',
		'file:///etc/passwd',
		'file:///%65tc/passwd',
		'../../../../../../../../etc/passwd',
	])('refuses read_text_file %s: the server never reads /etc', async (spelled) => {
		const result = await callTool('read_text_file', { path: spelled });
		expect(result.isError).toBe(true);
		expect(textOf(result)).toBe("Blocked by policy rule 'no-etc': nothing under /etc");
	});

	it('refuses a write into secrets/ by a detour or a doubled slash, and writes elsewhere', async () => {
		for (const spelled of [`${root}/public/../secrets/key.txt`, `${root}//secrets/key.txt`, `${root}/secrets/./key.txt`]) {
			const denied = await callTool('write_file', { path: spelled, content: 'nope' });
			expect(textOf(denied), spelled).toBe("Blocked by policy rule 'no-secret-writes': secrets are read-only");
		}
		expect(fs.readdirSync(path.join(root, 'secrets'))).toEqual([]);
		// A path relative to the server's folder (its command-line argument) is read against it.
		const relative = await callTool('write_file', { path: 'secrets/../secrets/key.txt', content: 'nope' });
		expect(textOf(relative)).toBe("Blocked by policy rule 'no-secret-writes': secrets are read-only");
		expect(fs.readdirSync(path.join(root, 'secrets'))).toEqual([]);

		const allowed = await callTool('write_file', { path: `${root}/secrets/../public/notes.txt`, content: 'yes' });
		expect(allowed.isError).toBeFalsy();
		expect(fs.readFileSync(path.join(root, 'public', 'notes.txt'), 'utf8')).toBe('yes');
		const read = await callTool('read_text_file', { path: `${root}//public/./readme.txt` });
		expect(textOf(read)).toBe('public text');
	});

	it('records each refusal with the path as written and as read, and never forwards it', async () => {
		const id = (args: Record<string, unknown>) => JSON.stringify(sent.get(JSON.stringify(args)));
		const target = id({ path: '/tmp/../etc/passwd' });
		const allowedId = id({ path: `${root}/secrets/../public/notes.txt`, content: 'yes' });
		// The recorder commits in the background: wait for the refusal and for the later allowed call.
		const events = await waitForEvents(
			home,
			(stored) => stored.some((event) => event.kind === 'decision' && event.rpc_id === target) && stored.some((event) => event.kind === 'message' && event.origin === 'client' && event.rpc_id === allowedId),
			15_000,
		);
		const decision = JSON.parse(payloadOf(events.find((event) => event.kind === 'decision' && event.rpc_id === target)!).toString('utf8'));
		expect(decision).toMatchObject({
			action: 'deny',
			rule: 'no-etc',
			paths: [{ argument: 'path', value: '/tmp/../etc/passwd', path: '/etc/passwd', glob: '/etc/**' }],
		});
		const forwarded = (rpcId: string) => events.some((event: StoredEventRow) => event.kind === 'message' && event.origin === 'client' && event.target === 'server' && event.rpc_id === rpcId);
		expect(forwarded(target)).toBe(false);
		expect(forwarded(id({ path: '//etc/passwd' }))).toBe(false);
		expect(forwarded(allowedId)).toBe(true);
	});

	it('`policy test` shows the normalised path a rule matched', async () => {
		const result = await runMcprec(['policy', 'test', policyFile, '--server', 'fs', '--tool', 'read_text_file', '--args', '{"path":"/tmp/../etc//passwd"}'], home);
		expect(result.stderr).toBe('');
		expect(result.stdout).toBe(`rule 'no-etc' (${policyFile}:3) → deny: nothing under /etc\n  path "/tmp/../etc//passwd" reads as /etc/passwd, under /etc/**`);
		const json = await runMcprec(['policy', 'test', policyFile, '--server', 'fs', '--tool', 'read_text_file', '--args', '{"path":"file:///etc/hosts"}', '--json'], home);
		expect(JSON.parse(json.stdout)).toEqual({
			rule: 'no-etc',
			line: 3,
			action: 'deny',
			message: 'nothing under /etc',
			paths: [{ argument: 'path', value: 'file:///etc/hosts', path: '/etc/hosts', glob: '/etc/**' }],
		});
	});
});
