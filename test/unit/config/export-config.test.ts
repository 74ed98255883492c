// `export.otlp` of config.yaml (src/config/export-config.ts): what it reads, for generated
// settings among other sections and comments, and that every mistake names its line.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_FOR_MS, readOtlpExportConfig } from '../../../src/config/export-config.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-export-config-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
let count = 0;

function read(text: string) {
	const file = path.join(folder, `config-${count++}.yaml`);
	fs.writeFileSync(file, text);
	return { file, read: () => readOtlpExportConfig(file) };
}

const settings = fc.record(
	{
		endpoint: fc.constantFrom('http://localhost:4318', 'https://otel.example.com', 'http://10.0.0.2:4318/otlp/'),
		protocol: fc.constantFrom('http/protobuf', 'http/json'),
		headers: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[A-Za-z0-9 =_.-]{1,20}$/).filter((value) => value.trim() === value && value !== ''), { maxKeys: 3 }),
		payloads: fc.boolean(),
		retryFor: fc.constantFrom(['30s', 30_000], ['10m', 600_000], ['2h', 7_200_000]),
	},
	{ requiredKeys: [] },
);

describe('readOtlpExportConfig', () => {
	it('reads generated settings, whatever else the file holds', () => {
		fc.assert(
			fc.property(settings, fc.boolean(), (otlp, before) => {
				const lines = Object.entries(otlp).map(([key, value]) => {
					if (key === 'headers') return `    headers: ${JSON.stringify(value)}`;
					if (key === 'retryFor') return `    retryFor: ${(value as [string, number])[0]}`;
					return `    ${key}: ${JSON.stringify(value)}`;
				});
				const other = 'policy: ./policy.yaml\nsync:\n  auto: true\n';
				const text = `${before ? other : ''}# where traces go\nexport:\n  otlp:\n${lines.length > 0 ? lines.join('\n') : '    {}'}\n${before ? '' : other}`;
				const config = read(text.replace('  otlp:\n    {}', '  otlp: {}')).read()!;
				expect(config.endpoint).toBe(otlp.endpoint === undefined ? undefined : new URL(otlp.endpoint).href);
				expect(config.protocol).toBe(otlp.protocol);
				expect(config.headers).toEqual(otlp.headers ?? {});
				expect(config.payloads).toBe(otlp.payloads ?? false);
				expect(config.retryForMs).toBe(otlp.retryFor?.[1] ?? DEFAULT_RETRY_FOR_MS);
			}),
			{ seed: 18_21, numRuns: 100 },
		);
	});

	it.each([
		['no file', undefined],
		['no export section', 'sync:\n  auto: true\n'],
		['an empty export section', 'export:\n'],
		['otlp: false', 'export:\n  otlp: false\n'],
	])('is off with %s', (_name, text) => {
		const file = path.join(folder, `absent-${count++}.yaml`);
		if (text !== undefined) fs.writeFileSync(file, text);
		expect(readOtlpExportConfig(file)).toBeUndefined();
	});

	it('takes everything from the OTEL_* variables with otlp: true', () => {
		expect(read('export:\n  otlp: true\n').read()).toEqual({ headers: {}, payloads: false, retryForMs: DEFAULT_RETRY_FOR_MS });
	});

	// Each mistake, put on a line of its own among valid settings: the message names that line.
	const mistakes: [string, RegExp][] = [
		['protocol: grpc', /unknown export\.otlp\.protocol 'grpc' \(expected http\/protobuf, http\/json\)/],
		['endpoint: localhost:4318', /export\.otlp\.endpoint 'localhost:4318' must be an http or https URL/],
		['endpoint: ftp://example.com', /export\.otlp\.endpoint 'ftp:\/\/example\.com' must be an http or https URL/],
		['endpoint: 4318', /export\.otlp\.endpoint must be a non-empty string, found 4318/],
		['payloads: yes please', /export\.otlp\.payloads must be true or false, found 'yes please'/],
		['retryFor: soon', /export\.otlp\.retryFor 'soon' is not a duration/],
		['headers: [a, b]', /export\.otlp\.headers must be a mapping, found a list/],
		['headers: { "bad header": x }', /export\.otlp\.headers: 'bad header' is not a header name/],
		['headers: { x-count: 5 }', /export\.otlp\.headers\.x-count must be a non-empty string, found 5/],
		['endpint: http://localhost:4318', /unknown key 'endpint' \(expected endpoint, protocol, headers, payloads, retryFor\)/],
	];
	it('names the line of each mistake, wherever it is', () => {
		fc.assert(
			fc.property(fc.constantFrom(...mistakes), fc.nat({ max: 3 }), ([line, message], position) => {
				const valid = ['endpoint: http://localhost:4318', 'protocol: http/json', 'payloads: true'].filter((text) => text.split(':')[0] !== line.split(':')[0]);
				const lines = [...valid.slice(0, position), line, ...valid.slice(position)].map((text) => `    ${text}`);
				const { file, read: readIt } = read(`# config\nexport:\n  otlp:\n${lines.join('\n')}\n`);
				const lineNumber = 4 + Math.min(position, valid.length);
				expect(readIt).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${lineNumber}: ${message.source}`));
			}),
			{ seed: 18_22, numRuns: 60 },
		);
	});

	it('refuses other shapes of the section, naming the line', () => {
		expect(() => read('export:\n  otlp: http://localhost:4318\n').read()).toThrow(/:2: export\.otlp must be true or a mapping of settings/);
		expect(() => read('export:\n  jaeger: {}\n').read()).toThrow(/:2: unknown key 'jaeger' \(expected otlp\)/);
		expect(() => read('export: [otlp]\n').read()).toThrow(/:1: 'export' must be a mapping, found a list/);
	});
});
