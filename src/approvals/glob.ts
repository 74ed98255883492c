/** Anchored glob with `*` (any run) and `?` (one character), compiled to a RegExp. */
export function globToRegExp(glob: string, flags = ''): RegExp {
	const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
	return new RegExp(`^${source}$`, flags);
}

export function matchesGlob(value: string, glob: string): boolean {
	return globToRegExp(glob).test(value);
}
