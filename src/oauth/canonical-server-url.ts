// The name a remote MCP server's tokens are kept under, and the RFC 8707 `resource` value
// when its metadata names none: the URL without its fragment (MCP authorization spec,
// "Canonical Server URI"; scheme and host lower-cased by URL).

export function canonicalServerUrl(url: URL): string {
	const copy = new URL(url.href);
	copy.hash = '';
	return copy.href;
}
