// Email addresses, found from each "@" outwards (a pattern scanning every word for a
// possible local part would be quadratic on long base64 runs). Documentation domains
// (example.com, *.test, *.invalid, localhost), service accounts (*.gserviceaccount.com),
// SSH remotes (git@host), URL user info (https://user@host), asset names (icon@2x.png) and
// machine-made ids (`Message-ID: <uuid@host>`, a local part that is a UUID or a long hex
// run) are not personal data.

import type { Detector } from './detector.js';

// Letters and digits beyond ASCII: internationalised addresses (RFC 6531) such as
// `josé.garcía@empresa.es` are personal data as much as ASCII ones. Detectors read text
// narrowed to one byte per character (mask-text.ts), so this reaches Latin-1 letters;
// addresses in other scripts are not claimed (README).
const LOCAL_CHAR = /[\p{L}\p{N}\p{M}._%+-]/u;
const DOMAIN = /(?:[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}\p{M}-])/uy;
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost|local|gserviceaccount\.com)$/i;
const FILE_SUFFIX = /\.(?:png|jpe?g|gif|svg|webp|ico|js|mjs|cjs|ts|tsx|jsx|css|map|json|html?|md|txt|py|rb|go|rs|java|php|lock|ya?ml|toml|xml|zip|gz|tgz|tar)$/i;
const NOT_PEOPLE = new Set(['git', 'hg', 'svn']);
const MACHINE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f.-]{20,}$/i;

export const email: Detector = {
	name: 'email',
	trigger: /@/,
	collect(text, report) {
		for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
			let start = at;
			while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1])) start--;
			// A local part never starts or ends with a dot; `\n` before it is an escape.
			while (text[start] === '.') start++;
			if (start > 1 && text[start - 2] === '\\' && /[nrt]/.test(text[start - 1])) start++;
			if (start === at || text[at - 1] === '.') continue;
			// `https://user@host`, `x-access-token:ghs_…@github.com`: URL user info, not an address.
			const before = text[start - 1];
			if ((before === '/' || before === ':') && !text.slice(Math.max(0, start - 7), start).toLowerCase().endsWith('mailto:')) continue;
			DOMAIN.lastIndex = at + 1;
			const match = DOMAIN.exec(text);
			if (match === null) continue;
			const domain = match[0];
			const local = text.slice(start, at);
			if (NOT_PEOPLE.has(local) || MACHINE_ID.test(local) || RESERVED_DOMAIN.test(domain) || FILE_SUFFIX.test(domain)) continue;
			report(start, DOMAIN.lastIndex);
		}
	},
};
