// The `export:` section of config.yaml (issue 18): where OpenTelemetry traces go, for the
// live export of every `mcprec run` session and for `mcprec export --format otlp`.
//
//   export:
//     otlp:                                    # `otlp: true` takes everything from the OTEL_* variables
//       endpoint: http://otel-collector:4318   # base URL, /v1/traces is added (else OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT)
//       protocol: http/json                    # or http/protobuf (else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf)
//       headers: { x-scope-orgid: acme }       # added to OTEL_EXPORTER_OTLP_HEADERS, these win
//       payloads: false                        # message bodies too (masked as stored)
//       retryFor: 10m                          # how long a live export keeps trying after its session ended
//
// Read node by node, so a mistake names its line like the policy's do.

import { isMap, isScalar } from 'yaml';
import { readConfigSection } from '../policy/config-section.js';
import type { Entry, PolicyNodes } from '../policy/policy-nodes.js';
import { parseDuration } from '../time/parse-duration.js';

export interface OtlpExportConfig {
	/** A base URL (http or https); undefined: the OTEL_* variables say. */
	endpoint?: string;
	protocol?: 'http/protobuf' | 'http/json';
	headers: Record<string, string>;
	payloads: boolean;
	/** How long a live export goes on trying once its session has ended, in ms. */
	retryForMs: number;
}

export const DEFAULT_RETRY_FOR_MS = 10 * 60_000;

const OTLP_KEYS = ['endpoint', 'protocol', 'headers', 'payloads', 'retryFor'] as const;

/** `export.otlp` of config.yaml; undefined when the file or the section is absent. Throws PolicyError (file:line: …). */
export function readOtlpExportConfig(configFile: string): OtlpExportConfig | undefined {
	const found = readConfigSection(configFile, 'export');
	if (!found) return undefined;
	const { nodes, entry: section } = found;
	const otlp = nodes.entries(section.value, { what: "'export'", keys: ['otlp'] }).get('otlp');
	if (!otlp || nodes.isEmpty(otlp)) return undefined;
	if (isScalar(otlp.value) && typeof otlp.value.value === 'boolean') {
		return otlp.value.value ? { headers: {}, payloads: false, retryForMs: DEFAULT_RETRY_FOR_MS } : undefined;
	}
	if (!isMap(otlp.value)) nodes.fail(nodes.at(otlp), `export.otlp must be true or a mapping of settings (${OTLP_KEYS.join(', ')}), found ${nodes.describe(otlp.value)}`);
	const entries = nodes.entries(otlp.value, { what: 'export.otlp', keys: OTLP_KEYS });
	const present = (key: string) => {
		const entry = entries.get(key);
		return entry && !nodes.isEmpty(entry) ? entry : undefined;
	};
	const config: OtlpExportConfig = { headers: {}, payloads: false, retryForMs: DEFAULT_RETRY_FOR_MS };
	const endpoint = present('endpoint');
	if (endpoint) config.endpoint = checkedEndpoint(nodes, endpoint);
	const protocol = present('protocol');
	if (protocol) config.protocol = nodes.oneOf(protocol, { what: 'export.otlp.protocol', choices: ['http/protobuf', 'http/json'] as const });
	const headers = present('headers');
	if (headers) {
		for (const header of nodes.freeEntries(headers.value, { what: 'export.otlp.headers' })) {
			const name = String((header.key as { value: unknown }).value);
			if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) nodes.fail(header.key, `export.otlp.headers: '${name}' is not a header name`);
			config.headers[name] = nodes.string(header, { what: `export.otlp.headers.${name}` });
		}
	}
	const payloads = present('payloads');
	if (payloads) config.payloads = nodes.boolean(payloads, { what: 'export.otlp.payloads' });
	const retryFor = present('retryFor');
	if (retryFor) {
		const value = nodes.string(retryFor, { what: 'export.otlp.retryFor' });
		const milliseconds = parseDuration(value);
		if (milliseconds === undefined) return nodes.fail(nodes.at(retryFor), `export.otlp.retryFor '${value}' is not a duration (expected something like 30s, 10m or 2h)`);
		config.retryForMs = milliseconds;
	}
	return config;
}

function checkedEndpoint(nodes: PolicyNodes, entry: Entry): string {
	const value = nodes.string(entry, { what: 'export.otlp.endpoint' });
	let url: URL | undefined;
	try {
		url = new URL(value);
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		nodes.fail(nodes.at(entry), `export.otlp.endpoint '${value}' must be an http or https URL (the collector's OTLP/HTTP port, e.g. http://localhost:4318)`);
	}
	return url.href;
}
