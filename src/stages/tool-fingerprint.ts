import { createHash } from 'node:crypto';
import { canonicalJson } from '../approvals/call-digest.js';

/** SHA-256 over what a tool promises: its name, description and schemas (annotations are hints, not promises). */
export function toolFingerprint(tool: Record<string, unknown>): string {
	const promised = {
		name: tool.name ?? null,
		title: tool.title ?? null,
		description: tool.description ?? null,
		inputSchema: tool.inputSchema ?? null,
		outputSchema: tool.outputSchema ?? null,
	};
	return createHash('sha256').update(canonicalJson(promised)).digest('hex');
}
