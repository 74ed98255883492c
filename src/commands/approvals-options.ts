// The command lines of `mcprec approvals`, `approve <id>`, `deny <id>` and `grant`
// (command-spec.ts says how tables are read).

import type { ApprovalsOptions, DecisionOptions, GrantOptions } from './approvals.js';
import type { CommandSpec } from './command-spec.js';

/** The longest a `grant --for` may last: grants are meant to be short. */
export const LONGEST_GRANT = '7d';

export const APPROVALS_COMMAND: CommandSpec = {
	name: 'approvals',
	description: 'list tool calls waiting for a human decision, each with every argument',
	options: [
		{ flags: '--all', description: 'include settled and expired approvals' },
		{ flags: '--json', description: 'print a JSON array' },
	],
	action: async (options: ApprovalsOptions) => {
		const { approvalsCommand } = await import('./approvals.js');
		await approvalsCommand(options);
	},
};

// `approve` and `deny` differ only in the decision they record.
function decisionCommand(name: string, decision: 'approved' | 'denied', description: string): CommandSpec {
	return {
		name,
		description,
		arguments: [{ name: '<id>', description: 'the approval id (or a unique prefix) from `mcprec approvals`' }],
		options: [
			{ flags: '--reason <text>', description: 'why, kept with the decision (in the session record and `mcprec approvals --all`)' },
			{ flags: '--json', description: 'print the settled approval as JSON' },
		],
		action: async (id: string, options: DecisionOptions) => {
			const { decideCommand } = await import('./approvals.js');
			await decideCommand(id, decision, options);
		},
	};
}

export const APPROVE_COMMAND = decisionCommand('approve', 'approved', "let a held tool call through (a collector's approver group decides the calls it holds)");
export const DENY_COMMAND = decisionCommand('deny', 'denied', "refuse a held tool call (a collector's approver group decides the calls it holds)");

export const GRANT_COMMAND: CommandSpec = {
	name: 'grant',
	description: 'pre-approve calls to a tool for a while (just-in-time access)',
	// Not required options: `grant --list` needs none of them (grantCommand checks).
	options: [
		{ flags: '--server <glob>', description: 'server label (glob)' },
		{ flags: '--tool <glob>', description: 'tool name (glob)' },
		{ flags: '--for <duration>', description: `how long: 15m, 2h, 1d (at most ${LONGEST_GRANT})` },
		{ flags: '--reason <text>', description: 'why, kept with the grant' },
		{ flags: '--list', description: 'list the grants in force' },
		{ flags: '--json', description: 'print JSON' },
	],
	helpAfter: '\nExample:\n  mcprec grant --server db-prod --tool "delete_*" --for 15m --reason "INC-4211 cleanup"',
	action: async (options: GrantOptions) => {
		const { grantCommand } = await import('./approvals.js');
		await grantCommand(options);
	},
};
