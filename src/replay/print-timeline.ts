// `replay --plain`: what the agent did, one exchange at a time, the way the viewer reads it —
// each tool call with its arguments and the first line of what came back, a held call's
// story, what masking hid — and the protocol's housekeeping folded into one line per run.
// `--raw` prints every event with its JSON-RPC instead (print-transcript.ts).

import type { Writable } from 'node:stream';
import type { ChalkInstance } from 'chalk';
import type { Exchange } from './build-exchanges.js';
import { approvalFactLines, approvalLine } from './approval-facts.js';
import { exchangeGist, firstResultLine, isProtocolChatter, type ExchangeGist } from './exchange-gist.js';
import { exchangeMarkers, exchangeName, exchangeSubject, statusText } from './exchange-labels.js';
import { formatDuration, formatOffset, sanitizeText } from './format-timeline.js';

export interface TimelineOptions {
	output: Writable;
	colours: ChalkInstance;
	startedMicros: number;
	/** Play back in time, N× faster than recorded. */
	speed?: number;
}

const INDENT = ' '.repeat(12);

export async function printTimeline(exchanges: Exchange[], options: TimelineOptions): Promise<void> {
	let previousMicros: number | undefined;
	const write = async (text: string) => {
		if (!options.output.write(text)) await new Promise((resolve) => options.output.once('drain', resolve));
	};
	for (const block of foldChatter(exchanges)) {
		const first = Array.isArray(block) ? block[0]! : block;
		if (options.speed && previousMicros !== undefined) await sleep(Math.min((first.startedMicros - previousMicros) / 1000 / options.speed, 2000));
		previousMicros = first.startedMicros;
		await write(Array.isArray(block) ? formatFolded(block, options) : formatExchange(block, options));
	}
}

/** Exchanges in order, with each run of protocol chatter gathered into one array. */
export function foldChatter(exchanges: Exchange[]): (Exchange | Exchange[])[] {
	const blocks: (Exchange | Exchange[])[] = [];
	for (const exchange of exchanges) {
		if (!isProtocolChatter(exchange)) {
			blocks.push(exchange);
			continue;
		}
		const last = blocks[blocks.length - 1];
		if (Array.isArray(last)) last.push(exchange);
		else blocks.push([exchange]);
	}
	return blocks;
}

function formatFolded(run: Exchange[], options: TimelineOptions): string {
	const names = [...new Set(run.map((exchange) => exchange.method ?? exchangeName(exchange)))];
	const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? `, … ${names.length - 4} more` : '');
	return `${options.colours.dim(`${offset(run[0]!, options)}  · ${run.length} protocol ${run.length === 1 ? 'message' : 'messages'} folded (${shown}); --raw shows every message`)}\n`;
}

export function formatExchange(exchange: Exchange, options: Pick<TimelineOptions, 'colours' | 'startedMicros'>): string {
	const { colours } = options;
	const status = statusText(exchange);
	const statusColour = exchange.status === 'ok' ? colours.green : exchange.status === 'error' || exchange.status === 'tool-error' || status === 'denied' ? colours.red : colours.yellow;
	const head = [colours.bold(exchangeName(exchange))];
	const subject = exchangeSubject(exchange);
	if (subject) head.push(exchange.tool ? colours.cyan(subject) : subject);
	if (exchange.id !== null && exchange.kind === 'request') head.push(colours.dim(`#${sanitizeText(String(exchange.id))}`));
	if (exchange.durationMs !== null) head.push(colours.dim(formatDuration(exchange.durationMs)));
	if (status) head.push(statusColour(status));
	for (const marker of exchangeMarkers(exchange)) head.push(colours.magenta(`[${marker}]`));
	const lines = [`${colours.dim(offset(exchange, options))}  ${head.join(' ')}`];
	if (exchange.kind === 'request') lines.push(...gistLines(exchangeGist(exchange), exchange, colours));
	return `${lines.join('\n')}\n`;
}

function gistLines(gist: ExchangeGist, exchange: Exchange, colours: ChalkInstance): string[] {
	const lines: string[] = [];
	if (gist.argumentsLine !== null) lines.push(`${INDENT}${colours.dim('args')}    ${sanitizeText(gist.argumentsLine)}`);
	if (gist.blocked) {
		lines.push(`${INDENT}${colours.yellow('blocked')} by rule '${gist.blocked.rule ?? '?'}'${gist.blocked.message ? `: ${sanitizeText(gist.blocked.message)}` : ''}`);
	} else if (gist.error !== null) {
		lines.push(`${INDENT}${colours.red('error')}   ${sanitizeText(gist.error)}`);
	} else if (exchange.response) {
		const line = firstResultLine(gist.result);
		const label = exchange.status === 'tool-error' ? colours.red('tool error') : colours.dim('result');
		const more = gist.result.length > 1 ? colours.dim(` (+${gist.result.length - 1} more ${gist.result.length === 2 ? 'part' : 'parts'})`) : '';
		lines.push(`${INDENT}${label}${exchange.status === 'tool-error' ? ' ' : '  '}${line === '' ? colours.dim('(empty)') : sanitizeText(line)}${more}`);
	} else if (!gist.approval) {
		lines.push(`${INDENT}${colours.dim('no response recorded')}`);
	}
	if (gist.approval) {
		lines.push(`${INDENT}${colours.magenta(approvalLine(gist.approval))}`);
		for (const [label, value] of approvalFactLines(gist.approval)) lines.push(`${INDENT}  ${colours.dim(label.padEnd(10))} ${sanitizeText(value)}`);
	}
	for (const mask of gist.masks) {
		const count = mask.detectors.reduce((sum, finding) => sum + finding.count, 0);
		const names = [...new Set(mask.detectors.map((finding) => finding.detector))].join(', ');
		const where = mask.recordOnly ? 'in the request, in the record only (the server received the real value)' : `in the ${mask.where}`;
		lines.push(`${INDENT}${colours.blue(`masked ${count}`)} (${names}) ${where}`);
	}
	return lines;
}

function offset(exchange: Exchange, options: Pick<TimelineOptions, 'startedMicros'>): string {
	return formatOffset(exchange.startedMicros - options.startedMicros).padStart(10);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
