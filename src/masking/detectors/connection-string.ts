// `Password=…;` and `Pwd=…;` in ADO.NET / ODBC / JDBC-style connection strings, where the
// value runs to the next semicolon and may contain spaces.

import { isPlaceholder } from '../placeholders.js';
import { createPatternDetector, type Detector } from './detector.js';

const NEXT_PAIR = /^;[ \t]*[A-Za-z][A-Za-z ]{0,30}=/;

export const connectionString: Detector = createPatternDetector({
	name: 'connection-string',
	anchors: ['assword', 'ASSWORD', 'wd=', 'WD=', 'wd =', 'WD ='],
	pattern: /(?<![A-Za-z0-9_])(?:password|pwd)\s*=\s*(?!["'])([^;\r\n"'{}]{1,200}?)\s*(?=;|["'\r\n]|\\[nr"]|$)/dgi,
	group: 1,
	accept: (value, match, text) => {
		// Another `Key=` pair next to it, across a semicolon, makes it a connection string
		// rather than an .env line or a statement (`password = process.env.X;`).
		const before = text.slice(Math.max(0, match.index - 2), match.index);
		const after = text.slice(match.index + match[0].length, match.index + match[0].length + 40);
		return (before.includes(';') || NEXT_PAIR.test(after)) && !isPlaceholder(value);
	},
});
