// Globs for `match.paths` (DESIGN §4 rules, README "Policy file"): absolute and already
// normalised, like the paths they are matched against (path-readings.ts). `*` and `?` stay
// within one segment, `**` (a whole segment) spans any number of them, and `/etc/**`
// matches /etc itself as well as everything under it.

import type { PathGlob } from './policy-types.js';

export interface PathGlobOptions {
	/** What a leading `~/` stands for. */
	home: string;
	/** Compare case-insensitively (the default on macOS and Windows, whose filesystems usually are). */
	ignoreCase?: boolean;
}

/** True on platforms whose filesystems compare names case-insensitively by default. */
export const CASE_INSENSITIVE_PATHS = process.platform === 'darwin' || process.platform === 'win32';

/** Compiles a path glob, or throws an Error whose message says what is wrong with it (for a line-numbered policy error). */
export function compilePathGlob(source: string, options: PathGlobOptions): PathGlob {
	if (/^\^|\$$|\\[./]/.test(source)) {
		throw new Error(`'${source}' looks like a regular expression; match.paths takes path globs such as /etc/** (use match.args for a regex)`);
	}
	const absolute = source === '~' || source.startsWith('~/') ? `${options.home.replace(/\/+$/, '')}${source.slice(1)}` : source;
	if (!absolute.startsWith('/')) throw new Error(`'${source}' is not an absolute path glob (start it with / or ~/, e.g. /etc/**)`);
	// The root alone matches only the root; `/**` matches everything.
	if (absolute === '/') return { source, pattern: /^\/$/ };
	const segments = absolute.split('/').slice(1);
	if (segments.includes('')) {
		throw new Error(`'${source}' has an empty segment (// or a trailing /); write it normalised, e.g. /etc/** for everything under /etc`);
	}
	if (segments.some((segment) => segment === '.' || segment === '..')) {
		throw new Error(`'${source}' has a . or .. segment; write the path it stands for, normalised`);
	}
	if (segments.some((segment) => segment.includes('**') && segment !== '**')) {
		throw new Error(`'${source}': ** must be a whole segment (/etc/**, /home/*/.ssh/**), not part of one`);
	}
	let regex = '^';
	segments.forEach((segment, index) => {
		if (segment !== '**') regex += `/${segmentRegex(segment)}`;
		// A trailing ** also matches the folder itself; one in the middle, zero or more folders.
		else regex += index === segments.length - 1 ? '(?:/.*)?' : '(?:/[^/]+)*';
	});
	return { source, pattern: new RegExp(`${regex}$`, `su${options.ignoreCase ? 'i' : ''}`) };
}

function segmentRegex(segment: string): string {
	return Array.from(segment.normalize('NFC'), (character) => {
		if (character === '*') return '[^/]*';
		if (character === '?') return '[^/]';
		return character.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
	}).join('');
}

/** True when the normalised absolute path is matched by the glob. */
export function matchesPathGlob(glob: PathGlob, path: string): boolean {
	return glob.pattern.test(path);
}
