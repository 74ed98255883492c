// The question mcprec asks a person about a held call: an MCP elicitation in form mode
// (spec 2025-06-18 "Elicitation") with the choices Allow once / Deny. It shows the complete
// arguments: compact when short; otherwise their names first, then pretty-printed, never cut.

import { argumentNames, readableArguments } from './format-arguments.js';

export const APPROVAL_INPUT_KEY = 'mcprec-approval';

export interface HeldCall {
	server: string;
	method: string;
	tool?: string;
	/** The complete arguments, masked as the record masks them. */
	arguments: unknown;
	rule: string;
	message?: string;
	/** The rule lets the person who made the call approve it (policy `selfApprove: true`). */
	selfApprove?: boolean;
}

export function approvalElicitation(call: HeldCall): Record<string, unknown> {
	const what = call.tool ? `call the tool '${call.tool}'` : `send '${call.method}'`;
	const why = call.message ? `\n${call.message}` : '';
	const args = readableArguments(call.arguments);
	const names = argumentNames(call.arguments);
	const shown = args.includes('\n') ? ` (${names}):\n${args}` : `: ${args}`;
	return {
		message: `mcprec: policy rule '${call.rule}' asks you to confirm. Allow server '${call.server}' to ${what}?\nArguments${shown}${why}`,
		requestedSchema: {
			type: 'object',
			properties: {
				decision: {
					type: 'string',
					title: 'Decision',
					enum: ['allow-once', 'deny'],
					enumNames: ['Allow once', 'Deny'],
				},
			},
			required: ['decision'],
		},
	};
}

/** Reads an elicitation result: only an accepted "allow-once" approves. */
export function readElicitationAnswer(result: unknown): { approved: boolean; reason: string } {
	const answer = (result ?? {}) as { action?: unknown; content?: { decision?: unknown } };
	if (answer.action === 'accept') {
		return answer.content?.decision === 'allow-once'
			? { approved: true, reason: 'allowed once in the client' }
			: { approved: false, reason: 'denied in the client' };
	}
	if (answer.action === 'decline') return { approved: false, reason: 'declined in the client' };
	if (answer.action === 'cancel') return { approved: false, reason: 'cancelled in the client' };
	return { approved: false, reason: 'the client gave no usable answer' };
}
