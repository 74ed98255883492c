// Where `mcprec export --format otlp` and the live export of `mcprec run` send traces:
// `export.otlp` of config.yaml first (an MCP client starts `mcprec run` with its own
// environment, which rarely holds OTEL_* variables), then the standard variables. Both
// read it here, so a live export and a later `export --since-last` name the same
// destination and share what was sent (export-state.ts).

import { DEFAULT_RETRY_FOR_MS, readOtlpExportConfig } from '../config/export-config.js';
import { resolveOtlpTarget, type OtlpTarget } from './otlp-target.js';

export interface OtlpDestination {
	target: OtlpTarget;
	/** From config.yaml; they win over OTEL_EXPORTER_OTLP_HEADERS, which the exporter reads itself. */
	headers: Record<string, string>;
	/** `export.otlp.payloads`: message bodies too, as with --payloads. */
	payloads: boolean;
	/** How long a live export goes on trying once its session has ended, in ms. */
	retryForMs: number;
	/** True when config.yaml has `export.otlp` (live export is on). */
	configured: boolean;
}

export function resolveOtlpDestination(configFile: string, environment: NodeJS.ProcessEnv = process.env): OtlpDestination {
	const config = readOtlpExportConfig(configFile);
	return {
		target: resolveOtlpTarget(environment, config?.endpoint, config?.protocol),
		headers: config?.headers ?? {},
		payloads: config?.payloads ?? false,
		retryForMs: config?.retryForMs ?? DEFAULT_RETRY_FOR_MS,
		configured: config !== undefined,
	};
}

/** The key export-state.json keeps an OTLP destination's progress under. */
export function otlpDestinationKey(target: OtlpTarget): string {
	return `otlp ${target.url}`;
}
