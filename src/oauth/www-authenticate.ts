// The `Bearer` challenge of a 401 (RFC 6750 §3, RFC 9728 §5.1): where the protected
// resource metadata is (`resource_metadata`) and which scopes the server wants (`scope`).

/** The parameters of the first Bearer challenge, names lower-cased; undefined when there is none. */
export function bearerChallenge(header: string | null): Record<string, string> | undefined {
	if (!header) return undefined;
	const scheme = /(?:^|,)\s*bearer(?=\s|,|$)/i.exec(header);
	if (!scheme) return undefined;
	const parameters: Record<string, string> = {};
	// auth-param = token BWS "=" BWS ( token / quoted-string ); the next scheme ends the list.
	const pattern = /\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*)/y;
	pattern.lastIndex = scheme.index + scheme[0].length;
	for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
		const name = match[1]!.toLowerCase();
		const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2]!;
		if (!(name in parameters)) parameters[name] = value;
	}
	return parameters;
}
