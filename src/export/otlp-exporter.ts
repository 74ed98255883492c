// Sends span records (session-spans.ts) through OpenTelemetry's own OTLP exporters: the
// protobuf one for http/protobuf, the JSON one for http/json. The spans are finished
// already, with their recorded times and ids, so they go to the exporter as ReadableSpans
// without a tracer. Headers, timeout, compression and TLS files come from the
// OTEL_EXPORTER_OTLP_* variables, which the exporters read themselves; the URL and the
// protocol from otlp-target.ts. Only the export command and the collector's forwarder load
// this file, lazily: `mcprec run` never does.

import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace';
import type { OtlpTarget } from './otlp-target.js';
import type { SpanRecord } from './session-spans.js';

/** Spans sent in one request; a long session goes in several. */
const SPANS_PER_REQUEST = 512;

export interface OtlpSpanSender {
	readonly target: OtlpTarget;
	/** Resolves once the endpoint accepted every span; rejects with the exporter's reason. */
	send(spans: SpanRecord[]): Promise<void>;
	close(): Promise<void>;
}

export interface OtlpSenderOptions {
	target: OtlpTarget;
	/** The instrumentation scope's version (mcprec's), when the caller knows it. */
	scopeVersion?: string;
	/** service.name when OTEL_SERVICE_NAME does not say. */
	serviceName?: string;
	/** Sent with every request, over OTEL_EXPORTER_OTLP_HEADERS (export.otlp.headers of config.yaml). */
	headers?: Record<string, string>;
}

export async function openOtlpSender(options: OtlpSenderOptions): Promise<OtlpSpanSender> {
	const resource = await exportResource(options);
	const config = { url: options.target.url, headers: options.headers };
	const exporter: SpanExporter = options.target.protocol === 'http/json' ? new JsonTraceExporter(config) : new ProtobufTraceExporter(config);
	const scope = { name: 'mcprec', version: options.scopeVersion };
	return {
		target: options.target,
		async send(records) {
			for (let start = 0; start < records.length; start += SPANS_PER_REQUEST) {
				const spans = records.slice(start, start + SPANS_PER_REQUEST).map((record) => readableSpan(record, resource, scope));
				const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
				if (result.code !== ExportResultCode.SUCCESS) {
					throw new Error(`the OTLP endpoint ${options.target.url} did not take the spans: ${result.error?.message ?? 'export failed'}`);
				}
			}
		},
		close: () => exporter.shutdown(),
	};
}

// service.name is mcprec unless OTEL_SERVICE_NAME says otherwise; OTEL_RESOURCE_ATTRIBUTES
// adds to it (the variables' resource wins, as the specification has it).
async function exportResource(options: OtlpSenderOptions): Promise<Resource> {
	const detected = detectResources({ detectors: [envDetector] });
	await detected.waitForAsyncAttributes?.();
	return resourceFromAttributes({ 'service.name': options.serviceName ?? 'mcprec' }).merge(detected);
}

const KINDS = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT, server: SpanKind.SERVER } as const;
const STATUS = { unset: SpanStatusCode.UNSET, ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR } as const;

function readableSpan(record: SpanRecord, resource: Resource, scope: { name: string; version?: string }): ReadableSpan {
	const context = { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED };
	const startTime = hrTime(record.startMicros);
	const endTime = hrTime(record.endMicros);
	const events: TimedEvent[] = record.events.map((event) => ({ name: event.name, time: hrTime(event.timeMicros), attributes: event.attributes as Attributes }));
	return {
		name: record.name,
		kind: KINDS[record.kind],
		spanContext: () => context,
		parentSpanContext: record.parentSpanId ? { traceId: record.traceId, spanId: record.parentSpanId, traceFlags: TraceFlags.SAMPLED } : undefined,
		startTime,
		endTime,
		duration: hrTime(record.endMicros - record.startMicros),
		status: { code: STATUS[record.status.code], message: record.status.message },
		attributes: record.attributes as Attributes,
		links: [],
		events,
		ended: true,
		resource,
		instrumentationScope: scope,
		droppedAttributesCount: 0,
		droppedEventsCount: 0,
		droppedLinksCount: 0,
	};
}

/** [seconds, nanoseconds] from µs since the epoch. */
function hrTime(micros: number): HrTime {
	const whole = Math.round(micros);
	return [Math.floor(whole / 1_000_000), (whole % 1_000_000) * 1000];
}
