import { describe, expect, it } from 'vitest';
import { parseRunArguments } from '../../../src/cli/run-fast-path.js';

describe('the fast path of `mcprec run`', () => {
	it('reads the options main.ts defines for run, then the command after --', () => {
		expect(parseRunArguments(['--name', 'fs', '-p', 'policy.yaml', '--lock-timeout=800', '--secret', 'A', '--env', 'B', '--', 'npx', '-y', 'server', '--flag'])).toEqual({
			command: ['npx', '-y', 'server', '--flag'],
			options: { name: 'fs', policy: 'policy.yaml', lockTimeout: 800, secret: ['A'], env: ['B'] },
		});
		expect(parseRunArguments(['--', 'node', 'server.js'])).toEqual({ command: ['node', 'server.js'], options: { lockTimeout: 5000, secret: [], env: [] } });
	});

	it.each([
		['help', ['--help', '--', 'node']],
		['an unknown option', ['--verbose', '--', 'node']],
		['no --', ['node', 'server.js']],
		['no command after --', ['--name', 'x', '--']],
		['a missing value', ['--name']],
		['a value that looks like an option', ['--name', '--policy', 'x', '--', 'node']],
		['a lock timeout that is not a whole number', ['--lock-timeout', '1.5', '--', 'node']],
	])('leaves %s to the full command line', (_case, args) => {
		expect(parseRunArguments(args)).toBeUndefined();
	});
});
