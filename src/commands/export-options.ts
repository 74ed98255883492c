// `mcprec export`'s command line (command-spec.ts says how tables are read).

import type { CommandSpec } from './command-spec.js';
import type { ExportOptions } from './export.js';

export const EXPORT_COMMAND: CommandSpec = {
	name: 'export',
	description: 'export sessions as OpenTelemetry traces (OTLP) or JSON lines, for SIEM and observability stacks',
	arguments: [{ name: '[session...]', description: 'session ids, unique prefixes of them, or "last"' }],
	options: [
		{ flags: '--format <format>', description: 'otlp: traces to the OTLP endpoint; jsonl: one JSON object per event', parse: parseExportFormat, required: true },
		{ flags: '--since <when>', description: 'sessions started since: a duration (30m, 2h, 7d) or an ISO date' },
		{ flags: '--all', description: 'every session in the store' },
		{ flags: '--output <file>', description: 'jsonl: write to this file instead of stdout (appended to with --since-last)' },
		{ flags: '--payloads', description: 'include message bodies and stderr text (masked as the store holds them)' },
		{ flags: '--since-last', description: 'only ended sessions not yet exported to this endpoint or file (remembered per destination)' },
		{ flags: '--follow', description: 'otlp: export one session as it is recorded, until it ends (what `run` starts with export.otlp in config.yaml)' },
	],
	helpAfter: `
otlp sends one trace per session: a root span, a span per request with its response,
and span events for progress, decisions (blocked, held, approved, denied), masking,
notifications and stderr. It sends where export.otlp in config.yaml says (endpoint,
protocol, headers, payloads), and otherwise reads the standard variables:
  OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318), …_TRACES_ENDPOINT,
  OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf, the default, or http/json),
  OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME (default mcprec), OTEL_RESOURCE_ATTRIBUTES.
With export.otlp set, every \`mcprec run\` exports its session live (--follow); what
the endpoint did not take then, --since-last sends later, never twice.
jsonl writes each event as \`replay --json\` prints it, with the session under "session".
Exit codes: 0 done, 2 usage, 3 store problem, 4 the endpoint did not take the spans
(run again; with --since-last it goes on where it stopped; with --follow: it gave up).

Examples:
  mcprec export --all --format jsonl --output audit.jsonl
  OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318 mcprec export --since 1d --format otlp
  mcprec export --since-last --format otlp      # from cron: what ended since the last run`,
	action: async (sessions: string[], options: ExportOptions) => {
		const { exportCommand } = await import('./export.js');
		await exportCommand(sessions, options);
	},
};

function parseExportFormat(text: string): 'otlp' | 'jsonl' {
	if (text === 'otlp' || text === 'jsonl') return text;
	throw new Error(`expected otlp or jsonl, got '${text}'`);
}
