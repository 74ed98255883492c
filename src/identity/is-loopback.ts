// Plain http is accepted only for an identity provider or collector on this machine.
// A file of its own so `run` (refreshing a login) can ask without loading the YAML parser.

/** True for 127.0.0.1, ::1 and localhost. */
export function isLoopback(url: URL): boolean {
	return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
