// The `sync:` section of config.yaml, and `server.audience` as the fallback audience:
//
//   sync:
//     endpoint: https://mcprec.example.com   # remembered after `mcprec sync --endpoint URL`
//     audience: urn:mcprec:collector         # RFC 8707 resource `mcprec login` asks tokens for
//     auto: true                             # sync in the background after each `mcprec run`

import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import { UserError } from '../errors/user-error.js';

export interface SyncConfig {
	endpoint?: string;
	/** `sync.audience`, else `server.audience`. */
	audience?: string;
	auto: boolean;
}

export function readSyncConfig(configFile: string): SyncConfig {
	const document = readDocument(configFile);
	if (!document) return { auto: false };
	const text = (keys: string[]) => {
		const value = document.getIn(keys);
		if (value === undefined || value === null) return undefined;
		if (typeof value !== 'string' || value === '') throw new UserError(`${configFile}: '${keys.join('.')}' must be a non-empty string, got ${JSON.stringify(value)}`);
		return value;
	};
	const auto = document.getIn(['sync', 'auto']);
	if (auto !== undefined && auto !== null && typeof auto !== 'boolean') throw new UserError(`${configFile}: 'sync.auto' must be true or false, got ${JSON.stringify(auto)}`);
	return { endpoint: text(['sync', 'endpoint']), audience: text(['sync', 'audience']) ?? text(['server', 'audience']), auto: auto === true };
}

// Edits the one key through the Document API, so comments and every other key stay as written.
export function rememberSyncEndpoint(configFile: string, endpoint: string): void {
	const document = readDocument(configFile) ?? parseDocument('');
	if (document.getIn(['sync', 'endpoint']) === endpoint) return;
	if (!isMap(document.contents)) document.contents = document.createNode({}) as never;
	if (!isMap(document.get('sync', true))) document.set('sync', document.createNode({}));
	document.setIn(['sync', 'endpoint'], endpoint);
	fs.mkdirSync(path.dirname(configFile), { recursive: true, mode: 0o700 });
	const temporary = `${configFile}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, document.toString(), { mode: 0o600 });
	fs.renameSync(temporary, configFile);
}

function readDocument(configFile: string): Document | undefined {
	let text: string;
	try {
		text = fs.readFileSync(configFile, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw new UserError(`cannot read ${configFile}: ${(error as Error).message}`);
	}
	const document = parseDocument(text);
	if (document.errors.length > 0) throw new UserError(`${configFile}: ${document.errors[0]!.message}`);
	return document;
}
