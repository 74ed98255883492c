// What an exchange says in words, for readers who should not have to open raw JSON-RPC:
// a tool call's arguments and what came back (text, images, resource links, structured
// content), the story of a held call (asked when, waited how long, decided by whom, on
// which channel, why), and what masking hid. Pure: the viewer renders it as HTML; nothing
// here knows about markup or terminals.

import type { Exchange } from './build-exchanges.js';
import type { ReplayEvent } from '../event/event-forms.js';
import { decisionKind, type DecisionKind } from '../event/decision-kind.js';

/** One piece of a result, in the order the server sent it. */
export type ResultPart =
	| { type: 'text'; text: string }
	| { type: 'image'; mimeType: string; data: string; bytes: number }
	| { type: 'audio'; mimeType: string; bytes: number }
	| { type: 'link'; uri: string; name: string; description?: string }
	| { type: 'resource'; uri: string; text?: string }
	| { type: 'structured'; entries: [string, string][]; more: number }
	| { type: 'other'; text: string };

export interface ApprovalStory {
	rule: string | null;
	/** When the call was held (µs since the epoch). */
	heldMicros: number;
	/** When it was decided, or null while it waits (or when the record ends first). */
	decidedMicros: number | null;
	outcome: Exclude<DecisionKind, 'held' | 'blocked'> | 'cancelled' | 'waiting';
	/** viewer, cli, elicitation, input_required, timeout, grant, session-end… */
	channel: string | null;
	decidedBy: string | null;
	reason: string | null;
	/** The approver's own words, when they gave a reason with the decision. */
	approverReason: string | null;
}

export interface MaskStory {
	detectors: { detector: string; count: number; path?: string }[];
	/** Masked in the record only: the server received the real value. */
	recordOnly: boolean;
	/** Which message: the request (client→server) or the response. */
	where: 'request' | 'response';
}

export interface ExchangeGist {
	/** Arguments of a tools/call (or params of another request), compact, for one line. */
	argumentsLine: string | null;
	/** The arguments as given, for the opened row. */
	arguments: unknown;
	result: ResultPart[];
	/** A JSON-RPC error's code and message. */
	error: string | null;
	/** The decision that refused the call, in words (policy blocks). */
	blocked: { rule: string | null; message: string | null } | null;
	approval: ApprovalStory | null;
	masks: MaskStory[];
}

/** Longest one-line texts (arguments, first line of a result). */
export const LINE_CHARS = 160;
const STRUCTURED_ENTRIES = 6;

/** Methods that are the protocol's own housekeeping, folded by default in timelines. */
export function isProtocolChatter(exchange: Exchange): boolean {
	if (exchange.kind === 'notification') return true;
	if (exchange.kind !== 'request') return false;
	const method = exchange.method ?? '';
	return method === 'initialize' || method === 'ping' || method === 'server/discover' || method === 'logging/setLevel' || method.endsWith('/list') || method === 'completion/complete';
}

export function exchangeGist(exchange: Exchange): ExchangeGist {
	const request = (exchange.request?.message ?? (exchange.kind === 'request' ? exchange.event.message : undefined)) as { method?: unknown; params?: Record<string, unknown> } | undefined;
	const response = exchange.response?.message as { result?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
	const isTool = request?.method === 'tools/call';
	const args = isTool ? request?.params?.arguments : request?.params;
	const gist: ExchangeGist = {
		argumentsLine: args === undefined || (isRecord(args) && Object.keys(args).length === 0 && !isTool) ? null : compactLine(args),
		arguments: args,
		result: [],
		error: null,
		blocked: null,
		approval: null,
		masks: [],
	};
	if (response && isRecord(response.error)) {
		gist.error = `${typeof response.error.code === 'number' ? `${response.error.code}: ` : ''}${typeof response.error.message === 'string' ? response.error.message : 'error'}`;
	} else if (response && response.result !== undefined) {
		gist.result = resultParts(response.result);
	}
	for (const note of exchange.notes) {
		if (note.kind === 'mask') gist.masks.push(maskStory(note));
		else if (note.kind === 'decision') readDecision(gist, note);
	}
	return gist;
}

/** The story the decision notes of one call tell (null when none held it). */
export function approvalStory(notes: ReplayEvent[]): ApprovalStory | null {
	const gist = { approval: null, blocked: null } as unknown as ExchangeGist;
	for (const note of notes) if (note.kind === 'decision') readDecision(gist, note);
	return gist.approval;
}

/** The first line of the first text part, or a word for what the result holds. */
export function firstResultLine(parts: ResultPart[]): string {
	for (const part of parts) {
		if (part.type === 'text') return jsonLine(part.text) ?? clip(part.text.split('\n').find((line) => line.trim() !== '') ?? '');
	}
	const first = parts[0];
	if (!first) return '';
	if (first.type === 'image') return `image ${first.mimeType}`;
	if (first.type === 'link') return clip(first.name);
	if (first.type === 'structured') return clip(first.entries.map(([key, value]) => `${key}: ${value}`).join(', '));
	if (first.type === 'resource') return clip(first.uri);
	if (first.type === 'audio') return `audio ${first.mimeType}`;
	return clip(first.text);
}

function resultParts(result: unknown): ResultPart[] {
	if (!isRecord(result)) return [{ type: 'other', text: compactLine(result) }];
	const parts: ResultPart[] = [];
	const content = Array.isArray(result.content) ? result.content : [];
	for (const item of content) parts.push(contentPart(item));
	if (isRecord(result.structuredContent)) parts.push(structuredPart(result.structuredContent));
	// Results of other methods (resources/read, prompts/get…): their contents as text where they have it.
	if (parts.length === 0) {
		for (const item of Array.isArray(result.contents) ? result.contents : []) parts.push(contentPart({ type: 'resource', resource: item }));
	}
	// A tool result with empty content says nothing; a result of another shape is shown compact.
	if (parts.length === 0 && !Array.isArray(result.content) && Object.keys(result).length > 0) parts.push({ type: 'other', text: compactLine(result) });
	return parts;
}

function contentPart(item: unknown): ResultPart {
	if (!isRecord(item)) return { type: 'other', text: compactLine(item) };
	const mimeType = typeof item.mimeType === 'string' ? item.mimeType : 'application/octet-stream';
	switch (item.type) {
		case 'text':
			return { type: 'text', text: typeof item.text === 'string' ? item.text : '' };
		case 'image':
			return typeof item.data === 'string' ? { type: 'image', mimeType, data: item.data, bytes: Math.floor((item.data.length * 3) / 4) } : { type: 'other', text: 'image' };
		case 'audio':
			return { type: 'audio', mimeType, bytes: typeof item.data === 'string' ? Math.floor((item.data.length * 3) / 4) : 0 };
		case 'resource_link':
			return { type: 'link', uri: String(item.uri ?? ''), name: typeof item.name === 'string' ? item.name : String(item.uri ?? ''), ...(typeof item.description === 'string' ? { description: item.description } : {}) };
		case 'resource': {
			const resource = isRecord(item.resource) ? item.resource : {};
			return { type: 'resource', uri: String(resource.uri ?? ''), ...(typeof resource.text === 'string' ? { text: resource.text } : {}) };
		}
		default:
			return { type: 'other', text: compactLine(item) };
	}
}

function structuredPart(value: Record<string, unknown>): ResultPart {
	const keys = Object.keys(value);
	return {
		type: 'structured',
		entries: keys.slice(0, STRUCTURED_ENTRIES).map((key) => [key, clip(typeof value[key] === 'string' ? (value[key] as string) : compactLine(value[key]), 60)]),
		more: Math.max(0, keys.length - STRUCTURED_ENTRIES),
	};
}

function readDecision(gist: ExchangeGist, note: ReplayEvent): void {
	const details = isRecord(note.details) ? note.details : {};
	const kind = decisionKind(details);
	const text = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : null);
	if (kind === 'blocked') {
		gist.blocked = { rule: text('rule'), message: text('message') };
		return;
	}
	if (kind === 'held') {
		gist.approval = { rule: text('rule'), heldMicros: note.tsMicros, decidedMicros: null, outcome: 'waiting', channel: null, decidedBy: null, reason: null, approverReason: null };
		return;
	}
	const cancelled = details.action === 'approve' && details.status === 'cancelled';
	if (kind !== 'approved' && kind !== 'denied' && !cancelled) return;
	const story = gist.approval ?? { rule: text('rule'), heldMicros: note.tsMicros, decidedMicros: null, outcome: 'waiting', channel: null, decidedBy: null, reason: null, approverReason: null };
	story.decidedMicros = note.tsMicros;
	story.outcome = cancelled ? 'cancelled' : (kind as 'approved' | 'denied');
	story.channel = text('via') ?? (cancelled ? 'client' : null);
	story.reason = text('reason');
	story.approverReason = text('approverReason');
	// Recordings before `decidedBy` existed say it in the reason: "denied by audrey@example.com in the viewer".
	story.decidedBy = text('decidedBy') ?? story.reason?.match(/^(?:approved|denied) by (\S+)/)?.[1] ?? null;
	gist.approval = story;
}

function maskStory(note: ReplayEvent): MaskStory {
	const details = isRecord(note.details) ? note.details : {};
	const findings = Array.isArray(details.findings) ? details.findings : [];
	const detectors = findings.filter(isRecord).map((finding) => ({
		detector: String(finding.detector ?? '?'),
		count: typeof finding.count === 'number' ? finding.count : 1,
		...(typeof finding.path === 'string' ? { path: finding.path } : {}),
	}));
	// Older records kept findings as { detector: count }.
	if (detectors.length === 0 && isRecord(details.findings)) {
		for (const [detector, count] of Object.entries(details.findings)) detectors.push({ detector, count: typeof count === 'number' ? count : 1 });
	}
	// Requests are masked in the record only (policy mask.requests); results for everyone.
	const recordOnly = details.recordOnly === true;
	return { detectors, recordOnly, where: recordOnly ? 'request' : 'response' };
}

/** Compact JSON on one line; objects read as `key: value, …` without the outer braces. */
export function compactLine(value: unknown, max = LINE_CHARS): string {
	if (isRecord(value) && Object.keys(value).length === 0) return '(none)';
	if (isRecord(value)) {
		return clip(
			Object.entries(value)
				.map(([key, item]) => `${key}: ${typeof item === 'string' ? JSON.stringify(item) : (JSON.stringify(item) ?? String(item))}`)
				.join(', '),
			max,
		);
	}
	return clip(JSON.stringify(value) ?? String(value), max);
}

// A text result that is pretty-printed JSON would show only its opening brace: it is shown
// compact instead (`key: value, …`). Only texts of a readable size are parsed.
function jsonLine(text: string): string | undefined {
	const trimmed = text.trim();
	if (trimmed.length > 64 * 1024 || !/^[[{]/.test(trimmed) || !trimmed.includes('\n')) return undefined;
	try {
		return compactLine(JSON.parse(trimmed));
	} catch {
		return undefined;
	}
}

function clip(text: string, max = LINE_CHARS): string {
	const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
