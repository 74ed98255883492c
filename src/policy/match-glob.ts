// Globs in policies (`delete_*`, `db-?`): `*` is any run of characters, `?` is one,
// everything else is literal; anchored and case-sensitive unless asked otherwise.

const compiled = new Map<string, RegExp>();

function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
	const key = `${ignoreCase ? 'i' : 's'}:${glob}`;
	let regex = compiled.get(key);
	if (!regex) {
		const source = Array.from(glob, (character) => {
			if (character === '*') return '.*';
			if (character === '?') return '.';
			return character.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
		}).join('');
		regex = new RegExp(`^${source}$`, ignoreCase ? 'isu' : 'su');
		compiled.set(key, regex);
	}
	return regex;
}

export function matchesGlob(glob: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
	return globToRegExp(glob, options.ignoreCase ?? false).test(value);
}

export function matchesAnyGlob(globs: readonly string[], value: string, options: { ignoreCase?: boolean } = {}): boolean {
	return globs.some((glob) => matchesGlob(glob, value, options));
}
