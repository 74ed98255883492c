// A recorded session as trace spans, before any OpenTelemetry code sees it (issue 18): one
// root span for the session, one child span per request with its response, and span events
// for what happened around them (progress, holds and decisions, masking, notifications,
// stderr, lifecycle). Pure, so the attribute sets are tested without an exporter; the
// OTLP adapter (otlp-exporter.ts) only changes the representation.
//
// Attribute names follow OpenTelemetry's semantic conventions for MCP (gen-ai/mcp.md:
// mcp.method.name, mcp.session.id, mcp.protocol.version, jsonrpc.request.id,
// gen_ai.tool.name, gen_ai.operation.name, error.type, network.transport) and keep
// mcprec's own under `mcprec.`. Ids are derived from the session, so exporting a session
// twice gives the same trace and span ids.

import { createHash } from 'node:crypto';
import { decisionKind } from '../event/decision-kind.js';
import type { ReplayEvent } from '../event/event-forms.js';
import { buildExchanges, type Exchange } from '../replay/build-exchanges.js';

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

/** A span event: something that happened at one time within a span. */
export interface SpanEventRecord {
	name: string;
	timeMicros: number;
	attributes: Attributes;
}

/** One span, with µs timestamps taken from the recorded events. */
export interface SpanRecord {
	traceId: string;
	spanId: string;
	/** null for the session's root span. */
	parentSpanId: string | null;
	name: string;
	/** `client`: a call the client made to the server; `server`: one the server made to the client. */
	kind: 'internal' | 'client' | 'server';
	startMicros: number;
	endMicros: number;
	attributes: Attributes;
	events: SpanEventRecord[];
	status: { code: 'unset' | 'ok' | 'error'; message?: string };
}

/** The facts about a session that its spans carry (from the local store or the collector). */
export interface ExportSession {
	id: string;
	server: string;
	/** The session's protocol version, from `initialize`. */
	protocolVersion: string | null;
	/** stdio child (`pipe`) or a remote server over HTTP (`tcp`). */
	url: string | null;
	startedMicros: number;
	endedMicros: number | null;
	endReason: string | null;
	/** Who ran it: the signed-in email or subject, else the OS user. */
	user: string | null;
	host: string | null;
	clientName: string | null;
	clientVersion: string | null;
	headHash: string | null;
	eventCount: number;
	/** More for the root span (the collector adds the session's integrity and owner). */
	attributes?: Attributes;
}

export interface SpanOptions {
	/** Request and response bodies, notification params and stderr text (masked as stored). */
	payloads: boolean;
}

/** The spans of one session: the root first, then requests in the order they were made. */
export function sessionSpans(session: ExportSession, events: ReplayEvent[], options: SpanOptions): SpanRecord[] {
	const traceId = traceIdOf(session.id);
	const lastMicros = events.reduce((latest, event) => Math.max(latest, event.tsMicros), session.startedMicros);
	const endMicros = Math.max(session.endedMicros ?? lastMicros, session.startedMicros);
	const common = commonAttributes(session);
	const root: SpanRecord = {
		traceId,
		spanId: spanIdOf(session.id, 'session'),
		parentSpanId: null,
		name: `mcp session ${session.server}`,
		kind: 'internal',
		startMicros: session.startedMicros,
		endMicros,
		attributes: {
			...common,
			'mcprec.session.started_at': isoOf(session.startedMicros),
			'mcprec.session.event_count': session.eventCount,
			...(session.endReason ? { 'mcprec.session.end_reason': session.endReason } : {}),
			...(session.endedMicros === null ? { 'mcprec.session.running': true } : {}),
			...(session.headHash ? { 'mcprec.chain.hash': session.headHash } : {}),
			...(session.host ? { 'host.name': session.host } : {}),
			...(session.clientName ? { 'mcprec.client.name': session.clientName } : {}),
			...(session.clientVersion ? { 'mcprec.client.version': session.clientVersion } : {}),
			...session.attributes,
		},
		events: [],
		status: { code: 'unset' },
	};
	const spans: SpanRecord[] = [root];
	const requestByProgressToken = new Map<string, SpanRecord>();
	for (const exchange of buildExchanges(events)) {
		if (exchange.kind === 'request' && exchange.request) {
			const span = requestSpan({ session, exchange, traceId, parentSpanId: root.spanId, endMicros, common, options });
			spans.push(span);
			const token = progressTokenOf(exchange.request.message);
			if (token !== undefined) requestByProgressToken.set(token, span);
			continue;
		}
		const event = exchange.event;
		if (exchange.kind === 'notification' && event.method === 'notifications/progress') {
			const token = progressTokenOf(event.message, 'params');
			const owner = (token !== undefined && requestByProgressToken.get(token)) || root;
			owner.events.push(progressEvent(event, options));
			continue;
		}
		root.events.push(...singleEvents(exchange, options));
	}
	root.events.sort((a, b) => a.timeMicros - b.timeMicros);
	return spans;
}

interface RequestSpanInput {
	session: ExportSession;
	exchange: Exchange;
	traceId: string;
	parentSpanId: string;
	endMicros: number;
	common: Attributes;
	options: SpanOptions;
}

function requestSpan({ session, exchange, traceId, parentSpanId, endMicros, common, options }: RequestSpanInput): SpanRecord {
	const request = exchange.request!;
	const response = exchange.response;
	const method = request.method ?? 'unknown';
	const params = paramsOf(request.message);
	const target = targetOf(method, exchange.tool, params);
	const attributes: Attributes = {
		...common,
		'mcp.method.name': method,
		'jsonrpc.request.id': String(request.id),
		'jsonrpc.protocol.version': '2.0',
		'mcprec.direction': `${request.origin}→${request.target ?? 'mcprec'}`,
		'mcprec.request.seq': request.seq,
		'mcprec.chain.hash': (response ?? request).hash,
		'mcprec.outcome': exchange.status,
	};
	const operation = operationOf(method);
	if (operation) attributes['gen_ai.operation.name'] = operation;
	if (method === 'tools/call' && exchange.tool) attributes['gen_ai.tool.name'] = exchange.tool;
	if (method === 'prompts/get' && typeof params?.name === 'string') attributes['gen_ai.prompt.name'] = params.name;
	if (method.startsWith('resources/') && typeof params?.uri === 'string') attributes['mcp.resource.uri'] = params.uri;
	if (response) {
		attributes['mcprec.response.seq'] = response.seq;
		if (response.latencyMs !== null) attributes['mcprec.latency_ms'] = response.latencyMs;
	}
	let status: SpanRecord['status'] = { code: 'unset' };
	const error = errorOf(response?.message);
	if (error) {
		attributes['error.type'] = String(error.code ?? '_OTHER');
		if (typeof error.code === 'number') attributes['rpc.response.status_code'] = String(error.code);
		status = { code: 'error', message: typeof error.message === 'string' ? error.message : undefined };
	} else if (exchange.status === 'tool-error') {
		attributes['error.type'] = 'tool_error';
		status = { code: 'error', message: toolErrorText(response?.message) };
	} else if (exchange.status === 'refused') {
		attributes['error.type'] = 'mcprec.refused';
		status = { code: 'error', message: 'refused by mcprec' };
	}
	const events: SpanEventRecord[] = [];
	let maskedCount = 0;
	const detectors = new Set<string>();
	for (const note of exchange.notes) {
		if (note.kind === 'decision') {
			const details = (note.details ?? {}) as Record<string, unknown>;
			const decisionAttributes = decisionAttributesOf(details);
			events.push({ name: 'mcprec.decision', timeMicros: note.tsMicros, attributes: decisionAttributes });
			// The span says how it ended: the last decision wins (held, then approved or denied);
			// a step of the approval (asked) is only an event.
			if (typeof details.step !== 'string') attributes['mcprec.decision'] = decisionAttributes['mcprec.decision']!;
			if (typeof details.rule === 'string') attributes['mcprec.rule'] = details.rule;
		} else if (note.kind === 'mask') {
			const findings = findingsOf(note.details);
			const count = findings.reduce((sum, finding) => sum + finding.count, 0);
			maskedCount += count;
			for (const finding of findings) detectors.add(finding.detector);
			events.push({
				name: 'mcprec.mask',
				timeMicros: note.tsMicros,
				attributes: { 'mcprec.masked.count': count, 'mcprec.masked.detectors': [...new Set(findings.map((finding) => finding.detector))].sort() },
			});
		}
	}
	if (maskedCount > 0) {
		attributes['mcprec.masked.count'] = maskedCount;
		attributes['mcprec.masked.detectors'] = [...detectors].sort();
	}
	if (options.payloads) {
		attributes['mcprec.request.body'] = JSON.stringify(request.message);
		if (response) attributes['mcprec.response.body'] = JSON.stringify(response.message ?? response.text);
		if (method === 'tools/call') {
			if (params && 'arguments' in params) attributes['gen_ai.tool.call.arguments'] = JSON.stringify(params.arguments);
			const result = (response?.message as { result?: unknown } | undefined)?.result;
			if (result !== undefined) attributes['gen_ai.tool.call.result'] = JSON.stringify(result);
		}
	}
	const start = Math.min(request.tsMicros, ...exchange.notes.map((note) => note.tsMicros));
	return {
		traceId,
		spanId: spanIdOf(session.id, `request:${request.seq}`),
		parentSpanId,
		name: target ? `${method} ${target}` : method,
		kind: request.origin === 'server' ? 'server' : 'client',
		startMicros: start,
		endMicros: Math.max(response?.tsMicros ?? endMicros, start),
		attributes,
		events: events.sort((a, b) => a.timeMicros - b.timeMicros),
		status,
	};
}

function singleEvents(exchange: Exchange, options: SpanOptions): SpanEventRecord[] {
	const event = exchange.event;
	const base: Attributes = { 'mcprec.seq': event.seq, 'mcprec.chain.hash': event.hash, 'mcprec.direction': exchange.direction };
	if (event.kind === 'stderr') {
		return [{ name: 'mcprec.stderr', timeMicros: event.tsMicros, attributes: { ...base, ...(options.payloads && event.text !== undefined ? { 'mcprec.text': event.text } : {}) } }];
	}
	if (event.kind === 'lifecycle') {
		const details = (event.details ?? {}) as Record<string, unknown>;
		const attributes: Attributes = { ...base };
		for (const [key, value] of Object.entries(details)) {
			if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[`mcprec.lifecycle.${key}`] = value;
		}
		return [{ name: 'mcprec.lifecycle', timeMicros: event.tsMicros, attributes }];
	}
	if (event.kind === 'decision' || event.kind === 'mask') {
		// A note whose request was never seen (a refused batch item…): kept on the session.
		const attributes: Attributes = { ...base };
		if (event.kind === 'decision') {
			Object.assign(attributes, decisionAttributesOf((event.details ?? {}) as Record<string, unknown>));
		} else attributes['mcprec.masked.count'] = findingsOf(event.details).reduce((sum, finding) => sum + finding.count, 0);
		if (event.method) attributes['mcp.method.name'] = event.method;
		return [{ name: `mcprec.${event.kind}`, timeMicros: event.tsMicros, attributes }];
	}
	const attributes: Attributes = { ...base };
	if (event.method) attributes['mcp.method.name'] = event.method;
	if (event.id !== null) attributes['jsonrpc.request.id'] = String(event.id);
	if (exchange.kind === 'invalid') attributes['error.type'] = 'invalid_json';
	if (options.payloads) attributes['mcprec.body'] = event.message !== undefined ? JSON.stringify(event.message) : (event.text ?? '');
	return [{ name: event.method ?? (exchange.kind === 'invalid' ? 'mcprec.invalid' : 'mcprec.message'), timeMicros: event.tsMicros, attributes }];
}

// A decision note: the word every view uses (decision-kind.ts), else the approval's step
// (asked) or the catalog's action (hide, pin-alert); then its details as they are.
function decisionAttributesOf(details: Record<string, unknown>): Attributes {
	const word = decisionKind(details) ?? details.step ?? details.action;
	const attributes: Attributes = { 'mcprec.decision': typeof word === 'string' ? word : 'unknown' };
	for (const key of ['action', 'status', 'step', 'channel', 'rule', 'via', 'reason', 'authority'] as const) {
		if (typeof details[key] === 'string') attributes[`mcprec.decision.${key}`] = details[key] as string;
	}
	if (typeof details.rule === 'string') attributes['mcprec.rule'] = details.rule;
	return attributes;
}

function progressEvent(event: ReplayEvent, options: SpanOptions): SpanEventRecord {
	const params = paramsOf(event.message) ?? {};
	const attributes: Attributes = { 'mcp.method.name': 'notifications/progress', 'mcprec.seq': event.seq, 'mcprec.chain.hash': event.hash };
	if (typeof params.progress === 'number') attributes['mcp.progress'] = params.progress;
	if (typeof params.total === 'number') attributes['mcp.progress.total'] = params.total;
	if (options.payloads && typeof params.message === 'string') attributes['mcp.progress.message'] = params.message;
	return { name: 'notifications/progress', timeMicros: event.tsMicros, attributes };
}

function commonAttributes(session: ExportSession): Attributes {
	const attributes: Attributes = {
		'mcp.session.id': session.id,
		'mcprec.session.id': session.id,
		'mcprec.server': session.server,
		'network.transport': session.url ? 'tcp' : 'pipe',
	};
	if (session.url) attributes['network.protocol.name'] = 'http';
	if (session.protocolVersion) attributes['mcp.protocol.version'] = session.protocolVersion;
	if (session.user) attributes['mcprec.user'] = session.user;
	return attributes;
}

/** The GenAI operation a method is, where the conventions name one. */
function operationOf(method: string): string | undefined {
	if (method === 'tools/call') return 'execute_tool';
	if (method === 'sampling/createMessage') return 'chat';
	return undefined;
}

/** What the span name adds after the method (MCP conventions: `{method} {target}`). */
function targetOf(method: string, tool: string | null, params: Record<string, unknown> | undefined): string | undefined {
	if (method === 'tools/call') return tool ?? (typeof params?.name === 'string' ? params.name : undefined);
	if (method === 'prompts/get' && typeof params?.name === 'string') return params.name;
	if ((method === 'resources/read' || method === 'resources/subscribe' || method === 'resources/unsubscribe') && typeof params?.uri === 'string') return params.uri;
	return undefined;
}

function paramsOf(message: unknown): Record<string, unknown> | undefined {
	if (!isRecord(message) || !isRecord(message.params)) return undefined;
	return message.params;
}

// A request names its progress token in params._meta (MCP basic/utilities/progress); the
// notification carries it in params.
function progressTokenOf(message: unknown, place: 'meta' | 'params' = 'meta'): string | undefined {
	const params = paramsOf(message);
	const holder = place === 'meta' ? (isRecord(params?._meta) ? params._meta : undefined) : params;
	const token = holder?.progressToken;
	return typeof token === 'string' || typeof token === 'number' ? JSON.stringify(token) : undefined;
}

function errorOf(message: unknown): { code?: unknown; message?: unknown } | undefined {
	return isRecord(message) && isRecord(message.error) ? message.error : undefined;
}

function toolErrorText(message: unknown): string | undefined {
	const result = isRecord(message) && isRecord(message.result) ? message.result : undefined;
	const content = Array.isArray(result?.content) ? result.content : [];
	const text = content.find((item): item is { text: string } => isRecord(item) && typeof item.text === 'string');
	return text ? text.text.slice(0, 200) : undefined;
}

function findingsOf(details: unknown): { detector: string; count: number }[] {
	const findings = isRecord(details) && Array.isArray(details.findings) ? details.findings : [];
	return findings
		.filter((finding): finding is { detector: string; count: number } => isRecord(finding) && typeof finding.detector === 'string')
		.map((finding) => ({ detector: finding.detector, count: typeof finding.count === 'number' ? finding.count : 1 }));
}

/** The trace of a session: its UUID's 128 bits when it is one, else a hash of the id. */
export function traceIdOf(sessionId: string): string {
	const hex = sessionId.replace(/-/g, '').toLowerCase();
	if (/^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex)) return hex;
	return createHash('sha256').update(`mcprec-trace:${sessionId}`).digest('hex').slice(0, 32);
}

function spanIdOf(sessionId: string, what: string): string {
	return createHash('sha256').update(`mcprec-span:${sessionId}:${what}`).digest('hex').slice(0, 16);
}

function isoOf(micros: number): string {
	return new Date(Math.floor(micros / 1000)).toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
