// Tool catalog stage (DESIGN §3 step 4): takes hidden tools (`tools.hide`) out of
// tools/list, learns annotations for guardrails, and pins tool definitions (`tools.pin`): a
// definition that changes between sessions or mid-session raises an alert or gets its
// calls denied ("rug pull"). Calls to hidden tools are refused by guardrails, which runs first.

import { isToolHidden } from '../policy/match-rule.js';
import type { ClassifiedMessage } from '../jsonrpc/classify.js';
import { batchRefusal, blockedAnswer, isCallWithoutId, parsedMessage, type Flow } from '../pipeline/flow.js';
import type { SessionContext } from '../pipeline/session-context.js';
import type { Stage } from '../pipeline/stage.js';
import type { PinStore } from './pin-store.js';
import { toolFingerprint } from './tool-fingerprint.js';

export interface CatalogOptions {
	pins: PinStore;
	warn: (text: string) => void;
}

export function createCatalogStage(options: CatalogOptions): Stage {
	const seenThisSession = new Map<string, string>();
	const changedTools = new Set<string>();
	return {
		name: 'catalog',
		toClient(flow, context) {
			if (flow.message.shape !== 'response' || flow.request?.method !== 'tools/list') return;
			const message = (flow.rewrite ?? parsedMessage(flow)) as { result?: { tools?: unknown } } | undefined;
			const tools = message?.result?.tools;
			if (!Array.isArray(tools)) return;
			for (const tool of tools as Record<string, unknown>[]) {
				if (typeof tool?.name !== 'string') continue;
				if (tool.annotations && typeof tool.annotations === 'object') context.toolAnnotations.set(tool.name, tool.annotations as Record<string, unknown>);
				if (context.policy.tools.pin !== 'off') checkPin(tool, flow, context);
			}
			const hidden = (tools as { name?: unknown }[]).filter((tool) => typeof tool.name === 'string' && isToolHidden(context.policy, tool.name));
			if (hidden.length === 0) return;
			message!.result!.tools = tools.filter((tool) => !hidden.includes(tool));
			flow.rewrite = message;
			flow.notes.push({ kind: 'decision', details: { action: 'hide', rule: 'tools.hide', tools: hidden.map((tool) => tool.name) } });
		},
		// A batch that asks for tools/list: its answer comes back as a batch too, with no single
		// request to pair it with, so hidden tools could not be taken out nor definitions pinned.
		// Such a batch is refused whole when either is on; a client sends tools/list alone.
		// Calls to a changed tool under pin: deny, of any size, with or without an id, alone or in a batch (issue 12).
		toServer(flow, context) {
			if (flow.message.shape === 'batch' && (context.policy.tools.hide.length > 0 || context.policy.tools.pin !== 'off')) {
				if (flow.message.items?.some((item) => item.shape === 'request' && item.method === 'tools/list')) {
					batchRefusal(flow, context.policy.tools.hide.length > 0 ? 'tools.hide' : 'tools.pin', 'this batch asks for tools/list, which mcprec must filter and pin on its own; send tools/list alone');
					return;
				}
			}
			if (changedTools.size === 0) return;
			if (flow.message.shape === 'batch') {
				for (const item of flow.message.items ?? []) {
					const refusal = isToolCall(item) ? refusalOf(item.tool) : undefined;
					if (refusal === undefined) continue;
					batchRefusal(flow, 'tools.pin', `this batch calls '${item.tool}': ${refusal}; send its calls one by one`);
					return;
				}
				return;
			}
			if (!isToolCall(flow.message)) return;
			const refusal = refusalOf(flow.message.tool);
			if (refusal) refuse(flow, 'tools.pin', refusal);
		},
	};

	function refusalOf(tool: string | undefined): string | undefined {
		if (tool === undefined || !changedTools.has(tool)) return undefined;
		return `the definition of '${tool}' changed since it was pinned; ask an administrator to review it`;
	}

	function checkPin(tool: Record<string, unknown>, flow: Flow, context: SessionContext): void {
		const name = tool.name as string;
		const fingerprint = toolFingerprint(tool);
		const previous = seenThisSession.get(name) ?? safely(() => options.pins.get(context.server, name));
		seenThisSession.set(name, fingerprint);
		if (previous === undefined) {
			safely(() => options.pins.remember(context.server, name, fingerprint, context.now()));
			return;
		}
		if (previous === fingerprint) return;
		const action = context.policy.tools.pin;
		flow.notes.push({ kind: 'decision', details: { action: action === 'deny' ? 'pin-deny' : 'pin-alert', rule: 'tools.pin', tool: name, previous, current: fingerprint } });
		options.warn(
			`the definition of tool '${name}' on '${context.server}' changed since it was pinned${action === 'deny' ? '; calls to it are denied' : ''}`,
		);
		if (action === 'deny') changedTools.add(name);
		// In alert mode the new definition becomes the pin, so each change alerts once.
		else safely(() => options.pins.remember(context.server, name, fingerprint, context.now()));
	}
}

function isToolCall(message: ClassifiedMessage): boolean {
	return message.method === 'tools/call' && (message.shape === 'request' || isCallWithoutId(message));
}

function refuse(flow: Flow, rule: string, message: string): void {
	flow.notes.push({ kind: 'decision', details: { action: 'deny', rule, message } });
	flow.answer = blockedAnswer(flow, rule, message);
}

function safely<T>(action: () => T): T | undefined {
	try {
		return action();
	} catch {
		return undefined;
	}
}
