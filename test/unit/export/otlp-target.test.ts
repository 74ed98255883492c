// Where traces go, from the standard OTEL_EXPORTER_OTLP_* variables (src/export/otlp-target.ts).

import { describe, expect, it } from 'vitest';
import { resolveOtlpTarget } from '../../../src/export/otlp-target.js';

describe('resolveOtlpTarget', () => {
	it.each([
		['nothing set: the local collector', {}, undefined, 'http://localhost:4318/v1/traces', 'http/protobuf'],
		['the general endpoint gets /v1/traces', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318' }, undefined, 'https://otel.example.com:4318/v1/traces', 'http/protobuf'],
		['a path on the general endpoint is kept', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gw/otlp/' }, undefined, 'http://gw/otlp/v1/traces', 'http/protobuf'],
		['the traces endpoint is used as given', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/custom' }, undefined, 'http://b/custom', 'http/protobuf'],
		['http/json', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, undefined, 'http://localhost:4318/v1/traces', 'http/json'],
		['the traces protocol wins', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, undefined, 'http://localhost:4318/v1/traces', 'http/protobuf'],
		['a command-line base URL wins over both endpoints', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/x' }, 'http://c:4318', 'http://c:4318/v1/traces', 'http/protobuf'],
	] as const)('%s', (_name, environment, endpoint, url, protocol) => {
		expect(resolveOtlpTarget(environment, endpoint)).toEqual({ url, protocol });
	});

	it("takes config.yaml's protocol over the variables'", () => {
		expect(resolveOtlpTarget({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'http://c:4318/', 'http/json')).toEqual({ url: 'http://c:4318/v1/traces', protocol: 'http/json' });
	});

	it.each([
		[{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /gRPC is not supported/],
		[{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }, /OTEL_EXPORTER_OTLP_PROTOCOL 'http\/xml' is not one of http\/protobuf, http\/json/],
		[{ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }, /must be an http or https URL/],
		[{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '::' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT '::' is not a URL/],
	])('refuses %o, saying what to set', (environment, message) => {
		expect(() => resolveOtlpTarget(environment)).toThrow(message);
	});
});
