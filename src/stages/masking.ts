// Masking stage (DESIGN §3 step 3): secrets and PII inside string leaves of everything the
// server sends are replaced before the client sees them, and the masked bytes are what is
// stored. Client arguments are masked in the record only (policy mask.requests: record).

import type { Masker, MaskFinding } from '../masking/create-masker.js';
import { PARSE_LIMIT_BYTES } from '../jsonrpc/classify.js';
import { inspectLine } from '../jsonrpc/inspect-line.js';
import { parsedMessage, parsedValue, type Flow } from '../pipeline/flow.js';
import type { Stage } from '../pipeline/stage.js';

export interface MaskingOptions {
	masker: Masker;
	/** Mask client→server arguments in the record (forwarded unchanged). */
	maskRequestsInRecord: boolean;
}

const RECORDED_SHAPES = new Set(['request', 'notification', 'response', 'batch']);

export function createMaskingStage(options: MaskingOptions): Stage {
	const { masker } = options;
	const ids = new SubstituteIds();
	return {
		name: 'masking',
		// The client answers a server request by the id it was given: a substitute goes back as the server's own.
		toServer(flow) {
			if (ids.size === 0 || (flow.message.shape !== 'response' && flow.message.shape !== 'batch')) return;
			const message = flow.rewrite ?? parsedValue(flow);
			if (typeof message !== 'object' || message === null || Buffer.isBuffer(message)) return;
			let restored = false;
			for (const item of Array.isArray(message) ? message : [message]) {
				const original = ids.take((item as { id?: unknown })?.id);
				if (original === undefined) continue;
				(item as { id: unknown }).id = original;
				restored = true;
			}
			if (restored) flow.rewrite = message;
		},
		toClient(flow) {
			if (flow.frame.length > PARSE_LIMIT_BYTES && flow.message.parsed === undefined && flow.rewrite === undefined) {
				maskHugeMessage(flow, masker);
				return;
			}
			if (flow.rewrite === undefined && nothingToFind(flow, masker)) return;
			const message = flow.rewrite ?? parsedValue(flow);
			if (message === undefined) return;
			// A batch is masked element by element, each as its own message.
			const substituted = ids.substitute(message, masker);
			const findings = Array.isArray(message) ? message.flatMap((item) => masker.maskMessage(item)) : masker.maskMessage(message);
			findings.push(...substituted);
			const idFindings = maskIdsInRecord(flow, message, masker);
			if (findings.length === 0 && idFindings.length === 0) return;
			if (findings.length > 0) flow.rewrite = message;
			flow.notes.push({ kind: 'mask', details: { findings: summarize([...findings, ...idFindings]) } });
		},
		// What the client sends is masked in the record only (requests, and its notifications
		// and answers to the server's requests: sampling results, elicitation input), whether
		// it was forwarded or answered by an earlier stage (a denied call's arguments are kept too).
		recordToServer(flow) {
			if (!options.maskRequestsInRecord || !RECORDED_SHAPES.has(flow.message.shape)) return;
			const forwarded = flow.answer === undefined && !flow.swallow;
			const rewritten = forwarded && flow.rewrite !== undefined && !Buffer.isBuffer(flow.rewrite);
			if (!rewritten && nothingToFind(flow, masker)) return;
			// Mask what went out: an earlier stage's rewrite (an approved retry stripped of its answer), else the original.
			const message = rewritten ? flow.rewrite : parsedValue(flow);
			if (typeof message !== 'object' || message === null) return;
			// A forwarded original is read by nothing after this, so its parsed copy can be masked
			// in place: no second parse on the hot path. An answered call's arguments may still
			// be held by the stage that answered it (an approval), so they are copied.
			const copy = forwarded && !rewritten ? message : structuredClone(message);
			const findings = Array.isArray(copy) ? copy.flatMap((item) => masker.maskMessage(item, { ids: true })) : masker.maskMessage(copy, { ids: true });
			if (findings.length === 0) return;
			flow.recordAs = copy;
			flow.notes.push({ kind: 'mask', details: { findings: summarize(findings), recordOnly: true } });
		},
	};
}

// A line the proxy did not parse and that holds no escape has each of its strings in its
// text as is: when that text holds no trigger of any detector and no sensitive key, no
// string in it can, and the message is left unparsed (DESIGN §8: most messages hold no
// secret). Anything else is parsed and walked.
function nothingToFind(flow: Flow, masker: Masker): boolean {
	const { verbatim } = flow.message;
	return verbatim !== undefined && !masker.mayFindIn(verbatim);
}

// A message too big to parse cheaply (a 64 MiB file read) is masked as JSON text: the
// replacements hold no quote or backslash, and the structure is checked afterwards.
function maskHugeMessage(flow: Flow, masker: Masker): void {
	const body = flow.frame.subarray(0, flow.frame.length - 1);
	if (!anyWindowMasks(body, masker)) return;
	const { text, findings } = masker.maskText(body.toString('utf8'), '$');
	if (findings.length === 0) return;
	const masked = Buffer.from(text, 'utf8');
	// Still one valid line that every parser reads alike (a masked key could now equal another).
	const inspection = inspectLine(masked);
	if (!inspection.ok || inspection.ambiguity) {
		const message = parsedMessage(flow);
		if (message === undefined) return;
		const parsedFindings = masker.maskMessage(message);
		flow.rewrite = message;
		flow.notes.push({ kind: 'mask', details: { findings: summarize(parsedFindings) } });
		return;
	}
	flow.rewrite = masked;
	flow.notes.push({ kind: 'mask', details: { findings: summarize(findings), raw: true } });
}

// Most huge results hold nothing to mask. Looking at them 64 KiB at a time (overlapping, so
// a secret across a boundary is whole in one window) keeps the common case from making a
// JS string as large as the message, and windows this small die young in the GC; only a
// hit pays for the full pass.
const WINDOW_BYTES = 64 * 1024;
const WINDOW_OVERLAP = 8 * 1024;

function anyWindowMasks(body: Buffer, masker: Masker): boolean {
	for (let start = 0; start < body.length; start += WINDOW_BYTES - WINDOW_OVERLAP) {
		const window = body.toString('latin1', start, Math.min(body.length, start + WINDOW_BYTES));
		if (masker.maskText(window).findings.length > 0) return true;
		if (start + WINDOW_BYTES >= body.length) break;
	}
	return false;
}

// A server request whose id holds a secret goes to the client under a substitute id (the
// masked id and a number), and the client's answer goes back under the server's own id.
// A server's cancellation of such a request names the substitute too.
class SubstituteIds {
	private readonly originals = new Map<string, string>();
	private readonly substitutes = new Map<string, string>();
	private counter = 0;

	get size(): number {
		return this.originals.size;
	}

	/** Replaces, in place, the secret ids of server requests and the ids cancellations name; before masking, which would hide the originals. */
	substitute(message: unknown, masker: Masker): MaskFinding[] {
		const findings: MaskFinding[] = [];
		const items = Array.isArray(message) ? message : [message];
		items.forEach((item, index) => {
			const request = item as { id?: unknown; method?: unknown; params?: { requestId?: unknown } } | null;
			if (request === null || typeof request !== 'object' || typeof request.method !== 'string') return;
			if (request.method === 'notifications/cancelled') {
				const original = request.params?.requestId;
				const substitute = typeof original === 'string' ? this.substitutes.get(original) : undefined;
				if (substitute === undefined) return;
				request.params!.requestId = substitute;
				const prefix = Array.isArray(message) ? `$[${index}]` : '$';
				for (const finding of masker.maskText(original as string).findings) findings.push({ ...finding, path: `${prefix}.params.requestId` });
				return;
			}
			if (typeof request.id !== 'string' || !('id' in request)) return;
			const masked = masker.maskText(request.id);
			if (masked.findings.length === 0) return;
			const substitute = `${masked.text} #${++this.counter}`;
			this.originals.set(substitute, request.id);
			this.substitutes.set(request.id, substitute);
			request.id = substitute;
			for (const finding of masked.findings) findings.push({ ...finding, path: Array.isArray(message) ? `$[${index}].id` : '$.id' });
		});
		return findings;
	}

	/** The server's id for a substitute the client answered, once. */
	take(id: unknown): string | undefined {
		if (typeof id !== 'string') return undefined;
		const original = this.originals.get(id);
		if (original === undefined) return undefined;
		this.originals.delete(id);
		this.substitutes.delete(original);
		return original;
	}
}

// An id is the peer's to pair its answer with, so it goes out as it came; the record keeps
// it masked (a copy of the message as forwarded, with masked ids).
function maskIdsInRecord(flow: Flow, message: unknown, masker: Masker): MaskFinding[] {
	const items = Array.isArray(message) ? message : [message];
	if (!items.some((item) => typeof (item as { id?: unknown } | null)?.id === 'string' && masker.maskText((item as { id: string }).id).findings.length > 0)) return [];
	const copy = structuredClone(message);
	const copies = Array.isArray(copy) ? copy : [copy];
	const findings: MaskFinding[] = [];
	copies.forEach((item, index) => {
		const id = (item as { id?: unknown } | null)?.id;
		if (typeof id !== 'string') return;
		const masked = masker.maskText(id);
		if (masked.findings.length === 0) return;
		(item as { id: string }).id = masked.text;
		for (const finding of masked.findings) findings.push({ ...finding, path: Array.isArray(copy) ? `$[${index}].id` : '$.id' });
	});
	flow.recordAs = copy;
	return findings;
}

function summarize(findings: MaskFinding[]): MaskFinding[] {
	return findings.map(({ detector, path, count }) => ({ detector, path, count }));
}
