// IPv4 and IPv6 addresses. Left alone: version strings (`v1.2.3.4`, `version 1.2.3.4`,
// `"version": "1.2.3.4"`, `==1.2.3.4`, `>=1.2.3.4`, `Chrome/124.0.0.0`), parts of longer dotted numbers
// (OIDs, Windows builds), loopback, unspecified, broadcast and netmask addresses, addresses
// that start with three single digits (see NOT_PERSONAL_V4), and the
// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32),
// which are placeholders rather than anyone's address.

import { startsToken } from '../boundaries.js';
import { createScanningDetector, type Detector } from './detector.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// A bare `=` is a key's (`ip=`, `forwarded-for=`): it introduces an address. Version pins
// compare (`==`, `>=`, `~=`, `^`, `~`); products name a version after a slash
// (`Chrome/124.0.0.0`) and packages after `@` (`pkg@1.2.3.4`), see isLoginAt.
const VERSION_BEFORE = /(?:(?:\bv|\bver|version|release|build|\bnode|\bnpm|\bpython|\bgo)["':=\s]{0,4}|(?:[=~!<>]=|[~^<>])\s{0,2}|[A-Za-z]\/)$/i;
// `user@host` logins: on a remote-shell command line, inside a URL, or before `:port`/`:path`.
const REMOTE_COMMAND = /\b(?:ssh|scp|sftp|rsync|mosh|telnet)\b/;
// Three single-digit parts first (`7.1.1.126`, `2.0.0.1`, `8.8.8.8`, `1.1.1.1`): a four-part
// version in prose ("Spring Boot 7.1.1.126") or a public resolver far more often than
// anyone's address.
const NOT_PERSONAL_V4 = /^(?:127\.|0\.|255\.|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|\d\.\d\.\d\.)|\.255$/;

export const ipv4: Detector = createScanningDetector({
	name: 'ipv4',
	trigger: /\d\.\d/,
	mayMatch: (text) => text.includes('.'),
	// Word characters before are ruled out by accept (startsToken), so that `\n` escapes are not.
	pattern: new RegExp(`(?<![\\d.-])${OCTET}(?:\\.${OCTET}){3}(?![\\w-]|\\.\\d)`, 'g'),
	accept: (value, match, text) =>
		startsToken(text, match.index) &&
		!NOT_PERSONAL_V4.test(value) &&
		!VERSION_BEFORE.test(text.slice(Math.max(0, match.index - 12), match.index)) &&
		(text[match.index - 1] !== '@' || isLoginAt(text, match.index - 1, match.index + value.length)),
});

// True when the `@` at `at` joins a login to an address rather than a package to its version.
function isLoginAt(text: string, at: number, end: number): boolean {
	if (text[end] === ':') return true;
	const lineStart = Math.max(text.lastIndexOf('\n', at) + 1, at - 200);
	const line = text.slice(lineStart, at);
	const tokenStart = Math.max(line.lastIndexOf(' '), line.lastIndexOf('\t'), line.lastIndexOf('"'), line.lastIndexOf("'"));
	return line.includes('://', tokenStart) || REMOTE_COMMAND.test(line);
}

const V6_CANDIDATE = /(?<![\w:.](?<!(?<!\\)\\[nrt]))(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)/y;

export const ipv6: Detector = {
	name: 'ipv6',
	// Two colons with at most four hex digits between them.
	trigger: /:[0-9A-Fa-f]{0,4}:/,
	// From each colon that has a second one at most five characters on, with only hex
	// digits between (`:db8:`, `::`), back to where that run of hex digits and colons
	// starts; the pattern is tried there. A scan from every position would cost about as
	// much as all other detectors together on text with many colons (logs, JSON).
	collect(text, report) {
		for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
			let next = at + 1;
			while (next - at <= 5 && isHexCode(text.charCodeAt(next))) next++;
			if (text.charCodeAt(next) !== 58) continue;
			let start = at;
			while (start > 0 && at - start < 40 && (isHexCode(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === 58)) start--;
			V6_CANDIDATE.lastIndex = start;
			const match = V6_CANDIDATE.exec(text);
			if (match === null) continue;
			if (isPersonalIpv6(match[0])) report(start, start + match[0].length);
			at = Math.max(at, V6_CANDIDATE.lastIndex - 1);
		}
	},
};

function isHexCode(code: number): boolean {
	return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

function isPersonalIpv6(value: string): boolean {
	const lower = value.toLowerCase();
	if (lower.startsWith('2001:db8:') || lower.startsWith('2001:0db8:') || lower.startsWith('fe80::1%')) return false;
	const halves = lower.split('::');
	if (halves.length > 2) return false;
	const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
	let count = 0;
	for (const [index, group] of groups.entries()) {
		if (group.includes('.')) {
			if (index !== groups.length - 1) return false;
			count += 2;
		} else if (/^[0-9a-f]{1,4}$/.test(group)) count++;
		else return false;
	}
	if (halves.length === 1) return count === 8 && groups.some((group) => /[a-f]/.test(group) || group.length >= 3);
	if (count > 7) return false;
	// Compressed: `::1`, `::`, and short runs like `a::b` (Rust paths, C++ scopes) stay.
	if (groups.length === 0 || lower === '::1') return false;
	if (groups[groups.length - 1].includes('.')) return true;
	return groups.length >= 3 || (groups[0]?.length === 4 && halves[0] !== '');
}
