// The generated document corpus as files read through server-filesystem behind the built
// `mcprec run` with `mask: {detectors: [secrets, pii]}` (issue 14's setup): no planted
// value reaches the client or the store's bytes, every look-alike reaches the client.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types (it runs under node alone to write documents.json)
import { generateDocuments } from '../../fixtures/masking-corpus/generate-documents.mjs';
import { makeHome, removeHome, servers } from '../helpers/mcprec.js';
import { type Connection, connectClient } from '../helpers/sdk-client.js';

interface CorpusDocument {
	format: string;
	text: string;
	planted: { detector: string; value: string }[];
	lookalikes: { kind: string; value: string }[];
}

// One document of each format (the corpus's first round).
const documents = (generateDocuments() as { documents: CorpusDocument[] }).documents.filter(
	(document, index, all) => all.findIndex((other) => other.format === document.format) === index,
);

describe('the document corpus read through server-filesystem and mcprec', () => {
	const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-corpus-')));
	const home = makeHome();
	let connection: Connection;
	const received = new Map<string, string>();

	beforeAll(async () => {
		for (const document of documents) fs.writeFileSync(path.join(root, `${document.format}.txt`), document.text);
		const policyFile = path.join(home, 'policy.yaml');
		fs.writeFileSync(policyFile, 'version: 1\nmask:\n  detectors: [secrets, pii]\n');
		connection = await connectClient({ route: 'mcprec', home, name: 'corpus', serverArgs: [servers.filesystem, root], runOptions: ['--policy', policyFile] });
		for (const document of documents) {
			const result = await connection.client.callTool({ name: 'read_text_file', arguments: { path: path.join(root, `${document.format}.txt`) } });
			received.set(document.format, (result.content as { text: string }[]).map((block) => block.text).join('\n'));
		}
		await connection.close();
	}, 60_000);

	afterAll(() => {
		fs.rmSync(root, { recursive: true, force: true });
		removeHome(home);
	});

	it('reads every format', () => {
		expect(documents.length).toBeGreaterThanOrEqual(20);
		expect([...received.keys()]).toEqual(documents.map((document) => document.format));
	});

	it.each(documents.map((document) => [document.format, document] as const))('%s: no planted value reaches the client, every look-alike does', (format, document) => {
		const text = received.get(format) ?? '';
		const leaked = document.planted.filter(({ value }) => value.split('\n').some((line) => line.trim().length >= 6 && text.includes(line.trim())));
		expect(leaked).toEqual([]);
		const lost = document.lookalikes.filter(({ value }) => !text.includes(value));
		expect(lost).toEqual([]);
	});

	it("keeps every planted value out of the store's bytes", () => {
		const database = fs.readFileSync(path.join(home, 'mcprec.db'));
		const wal = fs.existsSync(path.join(home, 'mcprec.db-wal')) ? fs.readFileSync(path.join(home, 'mcprec.db-wal')) : Buffer.alloc(0);
		const stored = documents.flatMap((document) => document.planted).filter(({ value }) => value.length >= 8 && (database.includes(value) || wal.includes(value)));
		expect(stored).toEqual([]);
	});
});
