// Passwords inside URLs and connection strings (`postgres://app:pw@db`, `redis://:pw@cache`,
// `https://x-access-token:ghp_…@github.com`). Only the password is masked, so the reader
// still sees which service and which user.

import { isPlaceholder } from '../placeholders.js';
import type { Detector } from './detector.js';

// After "://": optional user, ":", password, "@", then a host character.
const USERINFO = /([^\s:/?#@"'<>\\[\]{}]{0,128}):([^\s/?#@"'<>\\[\]{}]{1,256})@(?=[A-Za-z0-9[_-])/y;

export const urlCredentials: Detector = {
	name: 'url-credentials',
	trigger: /:\/\//,
	collect(text, report) {
		for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
			USERINFO.lastIndex = at + 3;
			const match = USERINFO.exec(text);
			if (match === null) continue;
			const password = match[2];
			if (isPlaceholder(decodeSafely(password))) continue;
			const end = USERINFO.lastIndex - 1;
			report(end - password.length, end);
		}
	},
};

function decodeSafely(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}
