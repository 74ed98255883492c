// A stand-in for an OpenTelemetry Collector's OTLP/HTTP receiver: a server on 127.0.0.1
// that takes POST /v1/traces in protobuf or JSON and decodes it for real — protobuf with
// the OTLP definitions as compiled by protobufjs for OpenTelemetry's own packages
// (@opentelemetry/otlp-proto-exporter-base ships them), JSON as OTLP/JSON encodes it
// (ids in hex, 64-bit numbers as strings). Both decode into one shape, so a test reads the
// spans the same way whichever protocol sent them. It can also refuse (`respondWith`) to
// play an endpoint that is down.

import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);
interface ProtoMessage {
	decode(bytes: Uint8Array): unknown;
	toObject(message: unknown, options: Record<string, unknown>): unknown;
}
const root = require('@opentelemetry/otlp-proto-exporter-base/build/src/generated/root.js') as {
	opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoMessage } } } } };
};
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export type DecodedValue = string | number | boolean | DecodedValue[] | null;

export interface DecodedSpan {
	traceId: string;
	spanId: string;
	/** '' for a root span. */
	parentSpanId: string;
	name: string;
	/** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
	kind: number;
	startNanos: bigint;
	endNanos: bigint;
	attributes: Record<string, DecodedValue>;
	events: { name: string; timeNanos: bigint; attributes: Record<string, DecodedValue> }[];
	/** OTLP's StatusCode: 0 unset, 1 ok, 2 error. */
	status: { code: number; message: string };
	resource: Record<string, DecodedValue>;
	scope: string;
}

export interface ReceivedRequest {
	contentType: string;
	headers: http.IncomingHttpHeaders;
	spans: DecodedSpan[];
}

export interface OtlpReceiver {
	/** http://127.0.0.1:<port> (the base URL; traces go to /v1/traces). */
	url: string;
	requests: ReceivedRequest[];
	spans(): DecodedSpan[];
	/** How many requests were answered with another status than 200 (respondWith). */
	refused(): number;
	/** Answer every later request with this status (200 by default). */
	respondWith(status: number): void;
	close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
	const requests: ReceivedRequest[] = [];
	let status = 200;
	let refused = 0;
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			if (request.method !== 'POST' || request.url !== '/v1/traces') {
				response.writeHead(404).end();
				return;
			}
			if (status !== 200) {
				refused++;
				response.writeHead(status, { 'content-type': 'text/plain' }).end('unavailable');
				return;
			}
			const body = Buffer.concat(chunks);
			const contentType = String(request.headers['content-type'] ?? '');
			try {
				const spans = contentType.includes('json') ? decodeJson(JSON.parse(body.toString('utf8'))) : decodeProtobuf(body);
				requests.push({ contentType, headers: request.headers, spans });
			} catch (error) {
				response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
				return;
			}
			if (contentType.includes('json')) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
			else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		spans: () => requests.flatMap((request) => request.spans),
		refused: () => refused,
		respondWith: (next) => {
			status = next;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

type Raw = Record<string, any>;

function decodeProtobuf(body: Buffer): DecodedSpan[] {
	const message = ExportTraceServiceRequest.decode(body);
	const object = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: Buffer, oneofs: true, arrays: true }) as Raw;
	return spansOf(object, (bytes: Buffer) => Buffer.from(bytes).toString('hex'));
}

function decodeJson(body: Raw): DecodedSpan[] {
	return spansOf(body, (text: string) => text ?? '');
}

function spansOf(request: Raw, id: (value: any) => string): DecodedSpan[] {
	const spans: DecodedSpan[] = [];
	for (const resourceSpans of request.resourceSpans ?? []) {
		const resource = attributesOf(resourceSpans.resource?.attributes);
		for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
			for (const span of scopeSpans.spans ?? []) {
				spans.push({
					traceId: id(span.traceId),
					spanId: id(span.spanId),
					parentSpanId: span.parentSpanId ? id(span.parentSpanId) : '',
					name: span.name,
					kind: Number(span.kind ?? 0),
					startNanos: BigInt(span.startTimeUnixNano),
					endNanos: BigInt(span.endTimeUnixNano),
					attributes: attributesOf(span.attributes),
					events: (span.events ?? []).map((event: Raw) => ({ name: event.name, timeNanos: BigInt(event.timeUnixNano), attributes: attributesOf(event.attributes) })),
					status: { code: Number(span.status?.code ?? 0), message: span.status?.message ?? '' },
					resource,
					scope: scopeSpans.scope?.name ?? '',
				});
			}
		}
	}
	return spans;
}

function attributesOf(list: Raw[] | undefined): Record<string, DecodedValue> {
	return Object.fromEntries((list ?? []).map((pair) => [pair.key, valueOf(pair.value)]));
}

// An AnyValue: one of its fields is set; protobufjs names it in `value` (oneofs: true),
// OTLP/JSON has only that field.
function valueOf(value: Raw | undefined): DecodedValue {
	if (!value) return null;
	const which = value.value ?? Object.keys(value).find((key) => key.endsWith('Value') && value[key] !== null && value[key] !== undefined);
	switch (which) {
		case 'stringValue':
			return value.stringValue;
		case 'boolValue':
			return value.boolValue;
		case 'intValue':
			return Number(value.intValue);
		case 'doubleValue':
			return Number(value.doubleValue);
		case 'arrayValue':
			return (value.arrayValue.values ?? []).map((item: Raw) => valueOf(item));
		default:
			return null;
	}
}
