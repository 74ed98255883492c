// Where OTLP traces go and how they are encoded, read from the standard variables
// (OpenTelemetry specification, "OTLP Exporter Configuration"): a signal-specific
// endpoint is used as given, the general one gets `/v1/traces` appended, and the
// protocol is http/protobuf unless http/json is asked for. Kept free of OpenTelemetry's
// packages so the collector's settings and `export`'s option checks can read it cheaply.

import { UserError } from '../errors/user-error.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpTarget {
	/** The full URL traces are POSTed to. */
	url: string;
	protocol: OtlpProtocol;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

/**
 * `endpoint`: a base URL given on the command line or in config.yaml, which wins over the
 * variables' endpoints; `protocol`, from config.yaml, wins over the variables' protocol.
 */
export function resolveOtlpTarget(environment: NodeJS.ProcessEnv = process.env, endpoint?: string, protocol?: OtlpProtocol): OtlpTarget {
	const protocolText = (protocol ?? (environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || environment.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf')).trim();
	if (protocolText === 'grpc') {
		throw new UserError("OTLP over gRPC is not supported; set OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf (the collector's port 4318) or http/json");
	}
	if (protocolText !== 'http/protobuf' && protocolText !== 'http/json') {
		throw new UserError(`OTEL_EXPORTER_OTLP_PROTOCOL '${protocolText}' is not one of http/protobuf, http/json`);
	}
	const specific = endpoint === undefined ? environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() : undefined;
	const base = endpoint ?? (environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || DEFAULT_ENDPOINT);
	const url = specific ? checkedUrl(specific, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') : appendTracesPath(checkedUrl(base, endpoint === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : '--otlp-endpoint'));
	return { url, protocol: protocolText };
}

function checkedUrl(text: string, source: string): string {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new UserError(`${source} '${text}' is not a URL (expected something like http://localhost:4318)`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`${source} '${text}' must be an http or https URL`);
	return url.href;
}

function appendTracesPath(base: string): string {
	return base.endsWith('/') ? `${base}v1/traces` : `${base}/v1/traces`;
}
