// `mcprec policy check` and `mcprec policy test`, run as a user would from the folder
// that holds the policy files.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeHome, removeHome, repoRoot, runMcprec } from '../helpers/mcprec.js';

describe('mcprec policy', () => {
	let home: string;
	const cwd = fixture('policies');
	const mcprec = (...args: string[]) => runMcprec(['policy', ...args], home, { cwd });
	beforeAll(() => {
		home = makeHome();
	});
	afterAll(() => removeHome(home));

	describe('check', () => {
		it('summarizes a valid policy and exits 0', async () => {
			const result = await mcprec('check', 'example.yaml');
			expect(result.exitCode).toBe(0);
			expect(result.stdout).toBe('✓ example.yaml: 4 rules, masking: secrets -jwt +employee-id (redact, 4 fields), tools: hide admin_*, pin alert');
			expect(result.stderr).toBe('');
		});

		it('accepts JSON', async () => {
			const result = await mcprec('check', 'example.json');
			expect(result.exitCode).toBe(0);
			expect(result.stdout).toBe('✓ example.json: 1 rule, masking: secrets pii (partial), tools: pin off');
		});

		it.each([
			['bad-action.yaml', "mcprec: bad-action.yaml:6: rule 'no-shell': unknown action 'block' (expected allow, deny, approve, log)"],
			['bad-regex.yaml', "mcprec: bad-regex.yaml:8: rule 'no-etc-writes': invalid regex '^/etc/(' in match.args.path (Invalid regular expression: /^/etc/(/: Unterminated group)"],
			['syntax-error.yaml', 'mcprec: syntax-error.yaml:4: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]'],
			['missing.yaml', 'mcprec: missing.yaml: cannot read the policy file (no such file)'],
		])('rejects %s with one line and exit 2', async (file, message) => {
			const result = await mcprec('check', file);
			expect(result.exitCode).toBe(2);
			expect(result.stderr).toBe(message);
			expect(result.stdout).toBe('');
		});
	});

	describe('test', () => {
		it.each([
			[['--server', 'fs', '--tool', 'write_file', '--args', '{"path":"/etc/hosts"}'], "rule 'no-etc-writes' (example.yaml:11) → deny: Writes under /etc are not allowed"],
			[['--server', 'fs', '--tool', 'write_file', '--args', '{"path":"/tmp/notes"}'], 'no rule matches → allow'],
			[['--server', 'db-prod', '--tool', 'drop_table'], "rule 'confirm-deletes' (example.yaml:15) → approve (held up to 2m for a decision)"],
			[['--server', 'fs', '--tool', 'edit', '--groups', 'staff,contractors'], "rule 'contractors-read-only' (example.yaml:19) → deny"],
			[['--server', 'fs', '--tool', 'read', '--groups', 'contractors', '--annotations', '{"readOnlyHint":true}'], 'no rule matches → allow'],
			[['--server', 'fs', '--method', 'sampling/createMessage'], "rule 'no-sampling' (example.yaml:22) → deny"],
			[['--server', 'fs', '--tool', 'admin_reset'], "tool 'admin_reset' is hidden by tools.hide → deny"],
		])('%j', async (args, output) => {
			const result = await mcprec('test', 'example.yaml', ...args);
			expect(result.stderr).toBe('');
			expect(result.exitCode).toBe(0);
			expect(result.stdout).toBe(output);
		});

		it('prints {rule, line, action, message} with --json', async () => {
			const denied = await mcprec('test', 'example.yaml', '--server', 'fs', '--tool', 'write_file', '--args', '{"path":"/etc/hosts"}', '--json');
			expect(JSON.parse(String(denied.stdout))).toEqual({ rule: 'no-etc-writes', line: 11, action: 'deny', message: 'Writes under /etc are not allowed' });
			const allowed = await mcprec('test', 'example.yaml', '--server', 'fs', '--tool', 'read_file', '--json');
			expect(JSON.parse(String(allowed.stdout))).toEqual({ rule: null, line: null, action: 'allow', message: null });
		});

		it.each([
			[['--server', 'fs', '--tool', 'x', '--args', '{path: 1}'], /^mcprec: --args expects a JSON object like '\{"path":"\/etc\/hosts"\}'; got '\{path: 1\}' \(.+\)$/],
			[['--server', 'fs', '--tool', 'x', '--args', '[1]'], /^mcprec: --args expects a JSON object like '\{"path":"\/etc\/hosts"\}'; got '\[1\]'$/],
			[['--server', 'fs', '--tool', 'x', '--annotations', 'true'], /^mcprec: --annotations expects a JSON object like '\{"readOnlyHint":true\}'; got 'true'$/],
			[['--server', 'fs'], /^mcprec: policy test needs --tool <name> \(for a tools\/call\) or --method <method>$/],
			[['--server', 'fs', '--tool', 'x', '--method', 'resources/read'], /^mcprec: --tool only applies to --method tools\/call, not 'resources\/read'$/],
			[['--tool', 'x'], /required option '--server <label>' not specified/],
		])('rejects %j with exit 2', async (args, message) => {
			const result = await mcprec('test', 'example.yaml', ...args);
			expect(result.exitCode).toBe(2);
			expect(result.stderr).toMatch(message);
			expect(result.stdout).toBe('');
		});

		it('reports a broken policy before testing anything', async () => {
			const result = await mcprec('test', 'bad-action.yaml', '--server', 'fs', '--tool', 'run_command');
			expect(result.exitCode).toBe(2);
			expect(result.stderr).toBe("mcprec: bad-action.yaml:6: rule 'no-shell': unknown action 'block' (expected allow, deny, approve, log)");
		});
	});

	it('explains itself in --help', async () => {
		const result = await mcprec('test', '--help');
		expect(result.exitCode).toBe(0);
		expect(result.stdout).toContain('--args <json>');
		expect(result.stdout).toContain("mcprec policy test policy.yaml --server fs --tool write_file --args '{\"path\":\"/etc/hosts\"}'");
	});
});

// The README's policy example is what people copy: it must stay valid and mean what its
// comments say.
describe("the README's policy example", () => {
	let home: string;
	const mcprec = (...args: string[]) => runMcprec(['policy', ...args], home, { cwd: home });
	beforeAll(() => {
		home = makeHome();
		const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
		const section = readme.slice(readme.indexOf('\n## Policy file\n'));
		const example = /```yaml\n([^]*?)```/.exec(section)?.[1];
		if (!example) throw new Error('README.md has no ```yaml block under "## Policy file"');
		fs.writeFileSync(path.join(home, 'policy.yaml'), example);
	});
	afterAll(() => removeHome(home));

	it('passes policy check and uses every section', async () => {
		const result = await mcprec('check', 'policy.yaml');
		expect(result.stderr).toBe('');
		expect(result.exitCode).toBe(0);
		expect(result.stdout).toBe('✓ policy.yaml: 6 rules, masking: secrets pii -ipv4 -ipv6 +employee-id (redact, 4 fields), tools: hide admin_*, pin alert');
	});

	it.each([
		[['--server', 'fs', '--tool', 'write_file', '--args', '{"path":"/etc/hosts"}'], /^rule 'no-etc-writes' \(policy\.yaml:\d+\) → deny: Writes under \/etc are not allowed\n {2}path "\/etc\/hosts" under \/etc\/\*\*$/],
		[['--server', 'fs', '--tool', 'write_file', '--args', '{"path":"//tmp/../etc/./hosts"}'], /^rule 'no-etc-writes' \(policy\.yaml:\d+\) → deny: Writes under \/etc are not allowed\n {2}path "\/\/tmp\/..\/etc\/.\/hosts" reads as \/etc\/hosts, under \/etc\/\*\*$/],
		[['--server', 'fs', '--tool', 'write_file', '--args', '{"path":"/etc-backup/hosts"}'], /^no rule matches → allow$/],
		[['--server', 'fs', '--tool', 'run_command', '--args', '{"command":"git push origin main --force"}'], /^rule 'no-force-push' \(policy\.yaml:\d+\) → deny$/],
		[['--server', 'db-prod', '--tool', 'drop_table'], /^rule 'confirm-deletes' \(policy\.yaml:\d+\) → approve \(held up to 2m for a decision\)$/],
		[['--server', 'fs', '--tool', 'edit', '--groups', 'contractors'], /^rule 'contractors-read-only' \(policy\.yaml:\d+\) → deny$/],
		[['--server', 'fs', '--tool', 'read', '--groups', 'contractors', '--annotations', '{"readOnlyHint":true}'], /^no rule matches → allow$/],
		[['--server', 'fs', '--method', 'sampling/createMessage'], /^rule 'no-sampling' \(policy\.yaml:\d+\) → deny$/],
		[['--server', 'fs', '--method', 'resources/read'], /^rule 'note-resource-reads' \(policy\.yaml:\d+\) → log$/],
		[['--server', 'fs', '--tool', 'admin_reset'], /^tool 'admin_reset' is hidden by tools\.hide → deny$/],
	])('policy test %j', async (args, output) => {
		const result = await mcprec('test', 'policy.yaml', ...args);
		expect(result.exitCode).toBe(0);
		expect(result.stdout).toMatch(output);
	});
});
