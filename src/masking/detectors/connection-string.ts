// `Password=…;` and `Pwd=…;` in ADO.NET / ODBC / JDBC-style connection strings, where the
// value runs to the next semicolon and may contain spaces. The keys are found by the
// shared scan in key-value-detector.ts.

import { isPlaceholder } from '../placeholders.js';

export const CONNECTION_STRING = 'connection-string';

const NAME = /^(?:password|pwd)$/i;
const VALUE = /\s*=\s*(?!["'])([^;\r\n"'{}]{1,200}?)\s*(?=;|["'\r\n]|\\[nr"]|$)/dy;
// Another `Key=` pair across a semicolon makes it a connection string rather than an
// .env line or a statement (`password = process.env.X;`).
const NEXT_PAIR = /;[ \t]*[A-Za-z][A-Za-z ]{0,30}=/y;

export function isConnectionPasswordName(key: string): boolean {
	return NAME.test(key);
}

/** The range of the password after `Password`, when it sits in a connection string; else null. */
export function findConnectionPasswordAfter(text: string, keyStart: number, keyEnd: number): [number, number] | null {
	VALUE.lastIndex = keyEnd;
	const match = VALUE.exec(text);
	if (match === null || isPlaceholder(match[1])) return null;
	NEXT_PAIR.lastIndex = VALUE.lastIndex;
	const before = text.slice(Math.max(0, keyStart - 2), keyStart);
	if (!before.includes(';') && !NEXT_PAIR.test(text)) return null;
	return match.indices![1];
}
