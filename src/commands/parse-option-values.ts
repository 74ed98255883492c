// Readers for option values that are numbers. Each throws an Error saying what was expected
// and quoting the value; commander and `run`'s fast path put it after the option's name.

import { parseDuration } from '../time/parse-duration.js';

/** `--limit 50`, `--port 8740`: 0 or more. */
export function parseWholeNumber(text: string): number {
	const number = Number(text);
	if (!Number.isInteger(number) || number < 0) throw new Error(`expected a whole number, got '${text}'`);
	return number;
}

/** `--batch 500`: 1 or more. */
export function parseCount(text: string): number {
	const number = parseWholeNumber(text);
	if (number === 0) throw new Error(`expected a whole number of at least 1, got '${text}'`);
	return number;
}

/** `--speed 2.5`, `--max-body-mib 0.5`: more than 0. */
export function parsePositiveNumber(text: string): number {
	const number = Number(text);
	if (!Number.isFinite(number) || number <= 0) throw new Error(`expected a positive number, got '${text}'`);
	return number;
}

/** `--lock-timeout 800`: digits only, so `1.5` and an empty value are refused. */
export function parseMilliseconds(text: string): number {
	const number = Number(text);
	if (!/^\d+$/.test(text) || !Number.isSafeInteger(number)) throw new Error(`expected a whole number of milliseconds, got '${text}'`);
	return number;
}

/** `--older-than 30d`: a positive duration (ms, s, m, h, d, w) in milliseconds. */
export function parseAge(text: string): number {
	const milliseconds = parseDuration(text) ?? 0;
	if (!(milliseconds > 0)) throw new Error(`expected an age such as 30d, 12h or 2w, got '${text}'`);
	return milliseconds;
}

/** `--url https://mcp.example.com/mcp`: an http or https URL, normalised. */
export function parseHttpUrl(text: string): string {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new Error(`expected an http or https URL, got '${text}'`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`expected an http or https URL, got '${text}'`);
	// The URL is recorded and shown; a password in it would be too (and fetch refuses it anyway).
	if (url.username !== '' || url.password !== '') throw new Error('a URL with a user name or password is not accepted; pass credentials with --header and --secret');
	return url.href;
}

/** `--transport auto`: how `run --url` talks to the server. */
export function parseRemoteTransport(text: string): 'auto' | 'streamable-http' | 'sse' {
	if (text === 'auto' || text === 'streamable-http' || text === 'sse') return text;
	throw new Error(`expected auto, streamable-http or sse, got '${text}'`);
}
