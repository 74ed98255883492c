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
