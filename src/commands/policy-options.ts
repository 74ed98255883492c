// The command lines of `mcprec policy check <file>` and `mcprec policy test <file> …`
// (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { PolicyTestOptions } from './policy.js';

const POLICY_FILE = { name: '<file>', description: 'the policy file' };

const POLICY_CHECK_COMMAND: CommandSpec = {
	name: 'check',
	description: 'validate a policy file (YAML or JSON); exit 0 when valid, 2 with the first problem and its line',
	arguments: [POLICY_FILE],
	helpAfter: '\nExample:\n  mcprec policy check policy.yaml\n  ✓ policy.yaml: 4 rules, masking: secrets -jwt +employee-id (redact, 4 fields), tools: hide admin_*, pin alert',
	action: async (file: string) => {
		const { policyCheckCommand } = await import('./policy.js');
		await policyCheckCommand(file);
	},
};

const POLICY_TEST_COMMAND: CommandSpec = {
	name: 'test',
	description: 'show which rule a request would match and what would happen to it',
	arguments: [POLICY_FILE],
	options: [
		{ flags: '--server <label>', description: 'server label of the session (as given to `run --name`)', required: true },
		{ flags: '--tool <name>', description: 'tool name of a tools/call' },
		{ flags: '--method <method>', description: 'JSON-RPC method (default: tools/call when --tool is given)' },
		{ flags: '--args <json>', description: 'tool arguments as a JSON object' },
		{ flags: '--groups <a,b>', description: "the user's groups, comma-separated" },
		{ flags: '--annotations <json>', description: "the tool's annotations as a JSON object (absent hints take the MCP defaults)" },
		{ flags: '--json', description: 'print {rule, line, action, message} as JSON' },
	],
	helpAfter: `
Examples:
  mcprec policy test policy.yaml --server fs --tool write_file --args '{"path":"/etc/hosts"}'
  rule 'no-etc-writes' (policy.yaml:11) → deny: Writes under /etc are not allowed

  mcprec policy test policy.yaml --server db-prod --tool drop_table --json
  mcprec policy test policy.yaml --server fs --tool read_file --groups contractors --annotations '{"readOnlyHint":true}'
  mcprec policy test policy.yaml --server fs --method sampling/createMessage`,
	action: async (file: string, options: PolicyTestOptions) => {
		const { policyTestCommand } = await import('./policy.js');
		await policyTestCommand(file, options);
	},
};

export const POLICY_COMMAND: CommandSpec = {
	name: 'policy',
	description: 'validate a policy file, or dry-run a request against it',
	helpAfter: `
Examples:
  mcprec policy check policy.yaml
  mcprec policy test policy.yaml --server fs --tool write_file --args '{"path":"/etc/hosts"}'`,
	subcommands: [POLICY_CHECK_COMMAND, POLICY_TEST_COMMAND],
};
