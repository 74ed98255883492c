// PEM private key blocks, whole (markers included), and the base64 of such a block as it
// appears in Kubernetes secrets (`tls.key: LS0tLS1CRUdJTi…`). Public keys and
// certificates are not secrets and stay.

import type { Detector, ReportRange } from './detector.js';

const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g;
// The body: base64 lines and `Name: value` headers, separated by real or escaped line
// breaks (maybe indented, as in YAML) or single spaces (some tools print a key on one
// line). A truncated block (no END marker) ends where this body ends.
const BODY = /(?:(?:\r?\n|\\r\\n|\\n)[ \t]*(?:[A-Za-z0-9+/=]{1,100}|[A-Za-z-]{3,20}: ?[^\r\n\\"]{1,100})?| [A-Za-z0-9+/=]{16,100})*/y;
const BASE64_PEM = /LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,}={0,2}/g;

export const privateKey: Detector = {
	name: 'private-key',
	trigger: /PRIVATE KEY|LS0tLS1CRUdJTi/,
	collect(text, report) {
		if (text.includes('PRIVATE KEY')) collectPem(text, report);
		if (text.includes('LS0tLS1CRUdJTi')) collectBase64(text, report);
	},
};

function collectPem(text: string, report: ReportRange): void {
	BEGIN.lastIndex = 0;
	let match: RegExpExecArray | null;
	while ((match = BEGIN.exec(text)) !== null) {
		const start = match.index;
		const endMarker = `-----END ${match[1]}PRIVATE KEY${match[2] ?? ''}-----`;
		BODY.lastIndex = BEGIN.lastIndex;
		BODY.exec(text);
		const bodyEnd = BODY.lastIndex;
		// The END marker must follow the body directly (checked in place: searching the rest
		// of the text from every BEGIN would be quadratic).
		const endAt = text.startsWith(endMarker, bodyEnd) ? bodyEnd : text.startsWith(endMarker, bodyEnd + 1) ? bodyEnd + 1 : -1;
		if (endAt !== -1) {
			report(start, endAt + endMarker.length);
			BEGIN.lastIndex = endAt + endMarker.length;
		} else {
			report(start, trimTrailingSpace(text, start, bodyEnd));
			BEGIN.lastIndex = Math.max(bodyEnd, BEGIN.lastIndex);
		}
	}
}

function collectBase64(text: string, report: ReportRange): void {
	BASE64_PEM.lastIndex = 0;
	let match: RegExpExecArray | null;
	while ((match = BASE64_PEM.exec(text)) !== null) {
		const head = Buffer.from(match[0].slice(0, 64), 'base64').toString('latin1');
		if (/^-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY/.test(head)) report(match.index, match.index + match[0].length);
	}
}

// Stops a truncated block before trailing whitespace and escape sequences.
function trimTrailingSpace(text: string, start: number, end: number): number {
	let at = end;
	for (;;) {
		const code = text.charCodeAt(at - 1);
		if (at > start && (code === 32 || code === 10 || code === 13)) at--;
		else if (at - 2 > start && text.charCodeAt(at - 2) === 92 && (code === 110 || code === 114)) at -= 2;
		else return at;
	}
}
