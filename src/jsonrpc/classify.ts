// Classifies one JSON-RPC line so the proxy can route, pair and record it. The original
// bytes are never re-serialised here. Small plain lines are scanned for their envelope
// (scan-envelope.ts); the others are inspected in full (inspect-line.ts) and, up to
// PARSE_LIMIT_BYTES, parsed. Either way a line whose meaning could differ between JSON
// parsers is invalid (issue 12): what mcprec checks must be what the server reads.

import { inspectLine, type LineInspection } from './inspect-line.js';
import { scanEnvelope } from './scan-envelope.js';

export type JsonRpcId = string | number | null;

export type MessageShape = 'request' | 'notification' | 'response' | 'batch' | 'invalid' | 'unparseable';

/** What the proxy needs to know about one line. */
export interface ClassifiedMessage {
	shape: MessageShape;
	method?: string;
	/** Present on requests and responses (null when a response could not name its request). */
	id?: JsonRpcId;
	tool?: string;
	isError?: boolean;
	/** The parsed line, once something parsed it (see parsedLine). */
	parsed?: unknown;
	/**
	 * The line's text when it was scanned, not parsed: ASCII without escapes, so each of its
	 * keys and strings appears in it as is.
	 */
	verbatim?: string;
	/** Elements of a batch, classified one by one. */
	items?: ClassifiedMessage[];
	/** Why a line was refused (invalid or unparseable). */
	problem?: string;
	/** Invalid because parsers may read it differently (duplicate or case-variant keys, …): refused as such. */
	ambiguous?: boolean;
	/** A string in the line holds a lone surrogate, which parsers decode differently (inspect-line.ts). */
	loneSurrogate?: boolean;
}

/** Lines above this size are inspected for their envelope instead of parsed. */
export const PARSE_LIMIT_BYTES = 1 << 20;
// Lines up to this size are first scanned (scan-envelope.ts): the scan saves most on small
// messages, where building the parsed objects costs more than the bytes.
const SCAN_LIMIT_BYTES = 64 * 1024;
const BACKSLASH = 0x5c;

export function classifyLine(body: Buffer): ClassifiedMessage {
	// A line with an escape (most text with line breaks) is inspected anyway: a memchr says
	// so before the scan copies and walks it.
	const envelope = body.length <= SCAN_LIMIT_BYTES && body.indexOf(BACKSLASH) === -1 ? scanEnvelope(body) : undefined;
	if (envelope !== undefined) {
		const classified = classifyObject(envelope.fields);
		classified.verbatim = envelope.text;
		return classified;
	}
	const inspection = inspectLine(body);
	if (!inspection.ok) return { shape: 'unparseable', problem: inspection.problem };
	if (inspection.ambiguity) return classifyAmbiguous(inspection);
	const classified = body.length > PARSE_LIMIT_BYTES ? classifyInspected(inspection) : classifyParsed(body);
	if (inspection.loneSurrogate) classified.loneSurrogate = true;
	return classified;
}

function classifyParsed(body: Buffer): ClassifiedMessage {
	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString('utf8'));
	} catch (error) {
		return { shape: 'unparseable', problem: (error as Error).message };
	}
	if (Array.isArray(parsed)) return classifyBatch(parsed);
	const classified = classifyObject(parsed);
	classified.parsed = parsed;
	return classified;
}

// A line too large to parse cheaply, classified from its inspection; stages parse it if they need its content.
function classifyInspected(inspection: Extract<LineInspection, { ok: true }>): ClassifiedMessage {
	if (!inspection.isArray) return classifyObject(inspection.messages[0]);
	if (inspection.messages.length === 0) return { shape: 'invalid', problem: 'empty batch' };
	return { shape: 'batch', items: inspection.messages.map((message) => classifyObject(message)) };
}

// Refused whole, with the id (or, in a batch, each request's id) that every parser reads,
// so the sender can tell which of its requests failed: null where the id is what is in doubt.
function classifyAmbiguous(inspection: Extract<LineInspection, { ok: true }>): ClassifiedMessage {
	const ambiguity = inspection.ambiguity!;
	const read = inspection.messages.map((message, index) => {
		const classified = classifyObject(message);
		return { shape: classified.shape, method: classified.method, id: ambiguity.idsInDoubt.includes(index) ? null : classified.id };
	});
	const problem = `ambiguous JSON: ${ambiguity.problem}`;
	if (inspection.isArray) return { shape: 'invalid', problem, ambiguous: true, items: read };
	return { shape: 'invalid', problem, ambiguous: true, id: read[0]?.id, method: read[0]?.method };
}

/** The line as parsed JSON, parsed now if classification only scanned it; undefined when it is not JSON. */
export function parsedLine(message: ClassifiedMessage, body: Buffer): unknown {
	if (message.parsed === undefined) {
		try {
			message.parsed = JSON.parse(body.toString('utf8'));
		} catch {
			return undefined;
		}
	}
	return message.parsed;
}

function classifyBatch(items: unknown[]): ClassifiedMessage {
	if (items.length === 0) return { shape: 'invalid', problem: 'empty batch' };
	const classifiedItems = items.map((item) => {
		const classified = classifyObject(item);
		classified.parsed = item;
		return classified;
	});
	return { shape: 'batch', items: classifiedItems, parsed: items };
}

export function classifyObject(value: unknown): ClassifiedMessage {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return { shape: 'invalid', problem: 'not a JSON-RPC object' };
	}
	const message = value as Record<string, unknown>;
	const id = isValidId(message.id) ? (message.id as JsonRpcId) : undefined;
	if (message.jsonrpc !== '2.0') {
		return { shape: 'invalid', id, problem: 'missing "jsonrpc": "2.0"' };
	}
	if (('result' in message || 'error' in message) && ('method' in message || ('result' in message && 'error' in message))) {
		// JSON-RPC 2.0 §4-5: a request has no result, a response not both; a peer could read either half.
		return { shape: 'invalid', id, problem: 'a message has a method (a request), a result or an error (a response), not two of them' };
	}
	if (typeof message.method === 'string') {
		const tool = message.method === 'tools/call' ? toolName(message.params) : undefined;
		if ('id' in message) {
			if (id === undefined) return { shape: 'invalid', problem: 'request id must be a string or number' };
			return { shape: 'request', method: message.method, id, tool };
		}
		return { shape: 'notification', method: message.method, tool };
	}
	if ('method' in message) return { shape: 'invalid', id, problem: 'method must be a string' };
	if ('result' in message || 'error' in message) {
		return { shape: 'response', id: id ?? null, isError: 'error' in message };
	}
	return { shape: 'invalid', id, problem: 'neither a request, a notification nor a response' };
}

function isValidId(id: unknown): boolean {
	return typeof id === 'string' || typeof id === 'number' || id === null;
}

function toolName(params: unknown): string | undefined {
	if (typeof params !== 'object' || params === null) return undefined;
	const name = (params as Record<string, unknown>).name;
	return typeof name === 'string' ? name : undefined;
}

/** A stable text key for an id, so `1` and `"1"` stay distinct. */
export function idKey(id: JsonRpcId | undefined): string {
	return typeof id === 'number' ? String(id) : JSON.stringify(id ?? null);
}
