// Values that stand in for a secret rather than being one: templates, variables, masks
// and documentation placeholders. Masking them would only hide useful context, so the
// key/value detectors (sensitive-field, url-credentials, connection-string) leave them.

const PLACEHOLDER =
	/^(?:<[^<>]*>|\$\{[^}]*\}|\$\(.*\)|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_(][^%]*%?|\{\{.*\}\}|\{[A-Za-z_][A-Za-z0-9_]*\}|[xX*•.#_-]{3,}|\.\.\.|…|null|nil|none|undefined|true|false|yes|no|on|off|empty|redacted|masked|hidden|secret|password|passwd|pass|pwd|token|changeme|change[-_]?me|todo|tbd|fixme|dummy|example|sample|placeholder|required|optional|string|str|number|int|integer|bool|boolean|any|unknown|object|bytes|\[redacted[^\]]*\]|\[hash:[^\]]*\]|your[-_ ].*|.*[-_ ](?:here|goes[-_ ]here)|(?:my|example|sample|dummy|fake|test)[-_]?(?:secret|password|pass|token|key|api[-_]?key)s?|insert[-_ ].*|replace[-_ ]?me.*|enter[-_ ].*)$/i;

/** True for placeholders such as `${TOKEN}`, `<your-token>`, `your-api-key-here`, `********`, `changeme`, `sk-...`, AWS's `…EXAMPLEKEY`. */
export function isPlaceholder(value: string): boolean {
	const trimmed = value.trim();
	return trimmed.length === 0 || trimmed.includes('EXAMPLE') || trimmed.endsWith('...') || trimmed.endsWith('…') || PLACEHOLDER.test(trimmed);
}
