// What a person reads when a remote MCP server cannot be used: the URL, what went wrong in
// words (DNS, refused connection, TLS, an HTTP status, a body that is not MCP), and what to
// do. Never a header value: those may hold secrets.

/** Why a remote server could not be reached or used; `code` is for the record (`ENOTFOUND`, `HTTP_401`…). */
export class RemoteUpstreamError extends Error {
	override name = 'RemoteUpstreamError';
	constructor(
		message: string,
		readonly code: string,
		readonly status?: number,
	) {
		super(message);
	}
}

const TLS_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'UNABLE_TO_GET_ISSUER_CERT',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'ERR_SSL_WRONG_VERSION_NUMBER',
	'EPROTO',
]);

/** A fetch that threw (no HTTP answer at all). */
export function describeNetworkFailure(url: URL, error: unknown): RemoteUpstreamError {
	// Already described where it was thrown (the OAuth fetch: a sign-in is needed).
	if (error instanceof RemoteUpstreamError) return error;
	const cause = (error as { cause?: { code?: string; message?: string } }).cause ?? (error as { code?: string; message?: string });
	const code = typeof cause?.code === 'string' ? cause.code : 'EFETCH';
	const where = `the MCP server at ${url.href}`;
	const port = url.port || (url.protocol === 'https:' ? '443' : '80');
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
		return new RemoteUpstreamError(`cannot reach ${where}: host '${url.hostname}' not found (DNS lookup failed); check the URL`, code);
	}
	if (code === 'ECONNREFUSED') {
		return new RemoteUpstreamError(`cannot reach ${where}: connection refused on ${url.hostname}:${port}; is the server running?`, code);
	}
	if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
		return new RemoteUpstreamError(`lost the connection to ${where} (${code}); the server or a proxy in between closed it`, code);
	}
	if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
		return new RemoteUpstreamError(`cannot reach ${where}: timed out (${code}); check the URL and your network`, code);
	}
	if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
		return new RemoteUpstreamError(`cannot reach ${where}: TLS failed (${code}): the server does not speak TLS on port ${port}; is the URL http:// rather than https://?`, code);
	}
	if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(cause?.message ?? '')) {
		return new RemoteUpstreamError(
			`cannot reach ${where}: TLS failed (${code}: ${firstLine(cause?.message) || 'certificate problem'}); if the server uses a private certificate authority, set NODE_EXTRA_CA_CERTS to its certificate file`,
			code,
		);
	}
	return new RemoteUpstreamError(`cannot reach ${where}: ${firstLine(cause?.message) || String(error)} (${code})`, code);
}

// OpenSSL's messages run over several lines and name its source files: the first line, without that.
function firstLine(text: string | undefined): string {
	const line = (text ?? '').split('\n')[0]!.trim();
	return line.match(/error:[0-9A-F]+:[^:]+:[^:]*:([^:]+)/)?.[1] ?? line;
}

/** An HTTP answer that is not what MCP expects; `body` is an excerpt of what the server said. */
export function describeHttpStatus(url: URL, status: number, statusText: string, body: string): RemoteUpstreamError {
	const where = `the MCP server at ${url.href}`;
	const said = excerpt(body);
	const suffix = said ? ` (the server said: ${said})` : '';
	let message: string;
	if (status === 401) {
		message = `${where} answered 401 Unauthorized: it needs credentials; pass them in a header, e.g. --header "Authorization: Bearer \${TOKEN}" --secret TOKEN (after \`mcprec secret set TOKEN\`)${suffix}`;
	} else if (status === 403) {
		message = `${where} answered 403 Forbidden: the credentials sent are not allowed to use it; check the token and its scopes${suffix}`;
	} else if (status === 404) {
		message = `${where} answered 404 Not Found: there is no MCP endpoint at this URL; check the path (often /mcp, or /sse for old servers)${suffix}`;
	} else {
		message = `${where} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}${suffix}`;
	}
	return new RemoteUpstreamError(message, `HTTP_${status}`, status);
}

/** A 2xx answer whose body is neither JSON nor an event stream (a login page, a proxy's banner). */
export function describeContentType(url: URL, contentType: string | null): RemoteUpstreamError {
	return new RemoteUpstreamError(
		`the MCP server at ${url.href} answered with content type '${contentType ?? 'none'}', not application/json or text/event-stream; is this URL an MCP endpoint?`,
		'EBADCONTENT',
	);
}

function excerpt(body: string): string {
	const flat = body.replace(/\s+/g, ' ').trim();
	if (flat.startsWith('<')) return '';
	return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
