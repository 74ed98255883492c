// `replay --plain`: a readable transcript for pipes, logs and terminals without a TUI.

import type { Writable } from 'node:stream';
import type { ChalkInstance } from 'chalk';
import type { ReplayEvent } from '../event/event-forms.js';
import { decisionKind } from '../event/decision-kind.js';

const MAX_MESSAGE_CHARS = 1200;

export interface TranscriptOptions {
	output: Writable;
	/** Styles decided for `output` (none on a pipe: see src/cli/colours.ts). */
	colours: ChalkInstance;
	/** Play back in time, N× faster than recorded. */
	speed?: number;
	startedMicros: number;
}

export async function printTranscript(events: Iterable<ReplayEvent>, options: TranscriptOptions): Promise<void> {
	let previousMicros: number | undefined;
	for (const event of events) {
		if (options.speed && previousMicros !== undefined) {
			await sleep(Math.min((event.tsMicros - previousMicros) / 1000 / options.speed, 2000));
		}
		previousMicros = event.tsMicros;
		const text = formatTranscriptEvent(event, options.startedMicros, options.colours);
		if (!options.output.write(text)) await new Promise((resolve) => options.output.once('drain', resolve));
	}
}

export function formatTranscriptEvent(event: ReplayEvent, startedMicros: number, colours: ChalkInstance): string {
	const offset = `+${((event.tsMicros - startedMicros) / 1_000_000).toFixed(3)}s`.padStart(10);
	const route = event.target ? `${event.origin} → ${event.target}` : `${event.origin}${event.kind === 'message' ? ' (not forwarded)' : ''}`;
	const labels = [event.kind === 'decision' || event.kind === 'mask' ? noteLabel(event, colours) : colours.bold(event.method ?? labelFor(event))];
	if (event.tool) labels.push(colours.cyan(event.tool));
	if (event.id !== null) labels.push(colours.dim(`#${JSON.stringify(event.id)}`));
	if (event.latencyMs !== null) labels.push(colours.dim(`${event.latencyMs.toFixed(1)} ms`));
	if (event.outcome === 'error') labels.push(colours.red('error'));
	else if (event.outcome === 'tool-error') labels.push(colours.red('tool error'));
	else if (event.outcome === 'blocked') labels.push(colours.yellow('blocked'));
	else if (isError(event)) labels.push(colours.red('error'));
	const head = `${colours.dim(`${offset} ${String(event.seq).padStart(5)}`)}  ${route.padEnd(16)} ${labels.join(' ')}`;
	return `${head}\n${indent(bodyOf(event))}\n`;
}

// Decisions and masks read as what happened to the call: blocked, held, approved, masked.
function noteLabel(event: ReplayEvent, colours: ChalkInstance): string {
	const details = (event.details ?? {}) as Record<string, unknown>;
	if (event.kind === 'mask') {
		const findings = (details.findings ?? []) as { detector: string; count: number }[];
		const count = findings.reduce((sum, finding) => sum + finding.count, 0);
		const detectors = [...new Set(findings.map((finding) => finding.detector))].join(', ');
		return colours.magenta(`masked ${count} (${detectors})${details.recordOnly ? ' in the record only' : ''}`);
	}
	const rule = details.rule ? ` by rule '${details.rule}'` : '';
	const kind = decisionKind(details);
	if (kind === 'blocked') return colours.red(`blocked${rule}`);
	if (kind === 'denied') return colours.red(`denied (${details.via}: ${details.reason})`);
	if (details.action === 'approve') {
		if (kind === 'held') return colours.yellow(`held for approval${rule}`);
		if (kind === 'approved') return colours.green(`approved (${details.via}: ${details.reason})`);
		if (details.step === 'asked' || details.status === 'input_required') return colours.yellow(`approval asked via ${details.channel ?? 'input_required'}`);
		return colours.yellow(`approval ${details.status ?? details.step}`);
	}
	if (details.step === 'asked') return colours.yellow(`approval asked via ${details.channel}`);
	return colours.cyan(`${String(details.action ?? 'decision')}${rule}`);
}

function labelFor(event: ReplayEvent): string {
	if (event.kind === 'message') {
		const message = event.message as Record<string, unknown> | undefined;
		if (message && ('result' in message || 'error' in message)) return 'response';
		return message ? 'message' : 'invalid line';
	}
	return event.kind;
}

function isError(event: ReplayEvent): boolean {
	const message = event.message as Record<string, unknown> | undefined;
	return Boolean(message && typeof message === 'object' && 'error' in message);
}

function bodyOf(event: ReplayEvent): string {
	let text: string;
	if (event.message !== undefined) text = JSON.stringify(event.message);
	else if (event.details !== undefined) text = JSON.stringify(event.details);
	else text = event.text ?? '';
	if (text.length > MAX_MESSAGE_CHARS) {
		text = `${text.slice(0, MAX_MESSAGE_CHARS)}… (${event.size} bytes in all; \`mcprec replay --json\` has the whole message)`;
	}
	return text;
}

function indent(text: string): string {
	return text
		.split('\n')
		.map((line) => `      ${line}`)
		.join('\n');
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
