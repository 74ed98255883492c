import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveServerSettings } from '../../../src/server/resolve-server-settings.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-settings-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function resolve(config: string | undefined, flags = {}, environment: NodeJS.ProcessEnv = {}) {
	const configFile = path.join(folder, `config-${Math.random()}.yaml`);
	if (config !== undefined) fs.writeFileSync(configFile, config);
	return resolveServerSettings({ flags, configFile, dataDir: '/data', environment });
}

describe('mcprec server settings', () => {
	it('takes flags over config.yaml over defaults', () => {
		expect(resolve(undefined, { issuer: 'https://idp', audience: 'collector' })).toEqual({
			host: '127.0.0.1',
			port: 8740,
			database: '/data/collector.db',
			issuer: 'https://idp',
			audience: 'collector',
			groupsClaim: 'groups',
			auditorGroup: undefined,
			approverGroup: undefined,
			bodyLimitBytes: 32 * 1024 * 1024,
		});
		const config = 'identity:\n  issuer: https://login\n  groupsClaim: roles\nserver:\n  audience: c\n  port: 9000\n  auditorGroup: security\n  database: postgres://u@db/mcprec\n  maxBodyMib: 64\n';
		expect(resolve(config)).toMatchObject({ issuer: 'https://login', groupsClaim: 'roles', audience: 'c', port: 9000, auditorGroup: 'security', database: 'postgres://u@db/mcprec', bodyLimitBytes: 64 * 1024 * 1024 });
		expect(resolve(config, { port: 1234, issuer: 'https://other', database: 'rel.db' })).toMatchObject({ port: 1234, issuer: 'https://other', database: path.join(folder, 'rel.db') });
	});

	it('forwards to OTLP with --otlp-endpoint, server.otlpEndpoint or the OTEL_* variables, and not otherwise', () => {
		const base = { issuer: 'https://idp', audience: 'collector' };
		expect(resolve(undefined, base).otlp).toBeUndefined();
		expect(resolve(undefined, { ...base, otlpEndpoint: 'http://otel:4318' }).otlp).toEqual({ target: { url: 'http://otel:4318/v1/traces', protocol: 'http/protobuf' }, payloads: false });
		expect(resolve('server:\n  otlpEndpoint: https://gw/otlp\n  otlpPayloads: true\n', base).otlp).toEqual({ target: { url: 'https://gw/otlp/v1/traces', protocol: 'http/protobuf' }, payloads: true });
		expect(resolve(undefined, base, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).otlp).toEqual({ target: { url: 'http://t/x', protocol: 'http/json' }, payloads: false });
		expect(() => resolve(undefined, { ...base, otlpPayloads: true })).toThrow(/--otlp-payloads needs --otlp-endpoint/);
		expect(() => resolve('server:\n  otlpPayloads: "yes"\n', base)).toThrow(/'server.otlpPayloads' must be a boolean, got "yes"/);
	});

	it('reads --retention as an age of at least a day', () => {
		const base = { issuer: 'https://idp', audience: 'collector' };
		expect(resolve(undefined, base).retention).toBeUndefined();
		expect(resolve(undefined, { ...base, retention: '365d' }).retention).toEqual({ text: '365d', milliseconds: 365 * 24 * 3600 * 1000 });
		expect(resolve('server:\n  retention: 52w\n', base).retention).toEqual({ text: '52w', milliseconds: 52 * 7 * 24 * 3600 * 1000 });
		for (const text of ['30m', '12h', 'forever', '0d']) expect(() => resolve(undefined, { ...base, retention: text }), text).toThrow(`--retention expects an age of at least a day, such as 365d or 52w; got '${text}'`);
	});

	it.each([
		[undefined, {}, /needs --issuer <url>/],
		['server:\n  issuer: https://idp\n', {}, /needs --audience <aud>/],
		['server:\n  prot: 1\n', {}, /unknown setting 'server.prot' \(expected one of host, port/],
		['server:\n  port: "80"\n', {}, /'server.port' must be a number, got "80"/],
		['server: [1]\n', {}, /'server' must be a mapping/],
		['server: {\n', {}, /config-.*\.yaml: /],
	])('explains a bad configuration: %s', (config, flags, message) => {
		expect(() => resolve(config, flags)).toThrow(message);
	});
});
