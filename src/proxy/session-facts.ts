// Facts about the session learned from the traffic itself: who the client is and which
// protocol version is spoken, from `initialize` (legacy era) or from the `_meta` of
// modern (2026-07-28) requests and `server/discover`.

import type { SessionUpdate } from '../store/session-row.js';

const PROTOCOL_META_KEYS = ['io.modelcontextprotocol/protocolVersion', 'protocolVersion'];

export function factsFromClientMessage(message: unknown): SessionUpdate | undefined {
	const params = paramsOf(message);
	if (!params) return undefined;
	const facts: SessionUpdate = {};
	const clientInfo = (params.clientInfo ?? metaOf(params)?.['io.modelcontextprotocol/clientInfo']) as
		| { name?: unknown; version?: unknown }
		| undefined;
	if (clientInfo && typeof clientInfo.name === 'string') {
		facts.clientName = clientInfo.name;
		if (typeof clientInfo.version === 'string') facts.clientVersion = clientInfo.version;
	}
	const meta = metaOf(params);
	for (const key of PROTOCOL_META_KEYS) {
		if (meta && typeof meta[key] === 'string') facts.protocolVersion = meta[key] as string;
	}
	if (!facts.protocolVersion && typeof params.protocolVersion === 'string') facts.protocolVersion = params.protocolVersion;
	return Object.keys(facts).length > 0 ? facts : undefined;
}

/** The version the server settled on in its `initialize` result wins over the client's offer. */
export function factsFromInitializeResult(message: unknown): SessionUpdate | undefined {
	const result = (message as { result?: { protocolVersion?: unknown } }).result;
	if (result && typeof result.protocolVersion === 'string') return { protocolVersion: result.protocolVersion };
	return undefined;
}

function paramsOf(message: unknown): Record<string, unknown> | undefined {
	const params = (message as { params?: unknown }).params;
	return typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : undefined;
}

function metaOf(params: Record<string, unknown>): Record<string, unknown> | undefined {
	const meta = params._meta;
	return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}

/** What a client can do, from `initialize` (legacy) or the `_meta` of a modern request. */
export function clientCapabilitiesOf(message: unknown): { capabilities?: Record<string, unknown>; modern: boolean } {
	const params = paramsOf(message);
	if (!params) return { modern: false };
	const meta = metaOf(params);
	const version = meta?.['io.modelcontextprotocol/protocolVersion'];
	const modern = typeof version === 'string' && version >= '2026-07-28';
	const capabilities = (meta?.['io.modelcontextprotocol/clientCapabilities'] ?? params.capabilities) as Record<string, unknown> | undefined;
	return { capabilities: typeof capabilities === 'object' && capabilities !== null ? capabilities : undefined, modern };
}
