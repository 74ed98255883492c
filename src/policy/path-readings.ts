// What a path argument can mean to the server that receives it. A rule on paths must hold
// however the path is spelled: `//etc/passwd`, `/tmp/../etc/passwd`, `/etc/./passwd`,
// `file:///etc/passwd` and `file:///%65tc/passwd` all name /etc/passwd. Servers differ in
// what they do with a value (decode percent escapes or not, resolve a relative path
// against their working directory or one of their roots), so a value has several
// readings, and rules look at all of them (match-path.ts). Everything here is lexical: a
// symbolic link that leads elsewhere is the server's sandbox to check, not a policy's.

/** Where a server may resolve a relative path, and what `~` means to it. */
export interface PathContext {
	/** Absolute folders a relative path may be resolved against: the server's working directory, the folders given on its command line, the client's roots. */
	bases: readonly string[];
	/** The home folder `~` and `~/…` stand for; without it `~` is an ordinary name. */
	home?: string;
}

const PERCENT_ESCAPE = /%[0-9a-f]{2}/i;

/**
 * Every absolute, normalised path `value` may name: no `//`, no `.` or `..` segments, no
 * trailing slash, Unicode in NFC. Empty when no reading is an absolute path (a relative
 * path with no base to resolve it against).
 */
export function pathReadings(value: string, context: PathContext): string[] {
	const readings = new Set<string>();
	for (const spelling of spellings(value)) {
		for (const expanded of expandHome(spelling, context.home)) {
			if (expanded.startsWith('/')) {
				readings.add(normalizePath(expanded));
				continue;
			}
			for (const base of context.bases) readings.add(normalizePath(`${base}/${expanded}`));
			// A path that climbs out of its folder lands, from a folder mcprec does not know
			// about (a server's own root), anywhere up to the root: read it from there too.
			if (climbsOut(expanded)) readings.add(normalizePath(`/${expanded}`));
		}
	}
	return [...readings];
}

function climbsOut(relative: string): boolean {
	let depth = 0;
	for (const segment of relative.split('/')) {
		if (segment === '' || segment === '.') continue;
		if (segment !== '..') depth++;
		else if (depth-- === 0) return true;
	}
	return false;
}

/** Collapses `//`, resolves `.` and `..` lexically (`/..` stays `/`), drops a trailing slash. */
export function normalizePath(absolute: string): string {
	const segments: string[] = [];
	for (const segment of absolute.split('/')) {
		if (segment === '' || segment === '.') continue;
		if (segment === '..') segments.pop();
		else segments.push(segment);
	}
	return `/${segments.join('/')}`.normalize('NFC');
}

// The value as written, and as a server that decodes it would read it: a `file:` URI is
// read as its path (its host ignored, as servers that take `new URL(value).pathname` do),
// with and without percent-decoding; a plain path with percent escapes, both ways too.
function spellings(value: string): string[] {
	const uriPath = fileUriPath(value);
	const raw = uriPath ?? value;
	const decoded = PERCENT_ESCAPE.test(raw) ? percentDecode(raw) : raw;
	return decoded === raw ? [raw] : [raw, decoded];
}

function fileUriPath(value: string): string | undefined {
	if (!/^file:/i.test(value)) return undefined;
	try {
		return new URL(value).pathname;
	} catch {
		return undefined;
	}
}

// Escape by escape, so one malformed escape does not keep the others from being read.
function percentDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
			try {
				return decodeURIComponent(run);
			} catch {
				return run;
			}
		});
	}
}

// `~` and `~/…` as a shell or the filesystem server expands them; also kept as written,
// since a server that does not expand them reads a folder named `~`.
function expandHome(spelling: string, home: string | undefined): string[] {
	if (home === undefined || !(spelling === '~' || spelling.startsWith('~/'))) return [spelling];
	return [spelling, `${home}${spelling.slice(1)}`];
}
