// Path-aware rules (`match.paths`, issue 12 finding 12): a path has many spellings — doubled
// slashes, `.` and `..` segments, a detour through another folder, a trailing slash or
// `/.`, a `file://` URI with percent escapes, a path relative to the server's folder — and
// a rule must see through all of them. The spellings are generated from a seeded random
// source (the seed is in the test name, so a failure can be replayed), not listed by hand.
// The property: every spelling of a path under /etc is matched by `/etc/**`, and no
// spelling of a path outside it is.

import { describe, expect, it } from 'vitest';
import { evaluatePolicy, matchRule, type PathMatch, type PolicyCall } from '../../../src/policy/match-rule.js';
import { compilePathGlob } from '../../../src/policy/path-glob.js';
import { normalizePath, pathReadings, type PathContext } from '../../../src/policy/path-readings.js';
import type { PolicyRule, RuleAction } from '../../../src/policy/policy-types.js';
import { seededRandom as random } from '../../helpers/seeded-random.js';

const HOME = '/home/me';
const CWD = '/home/me/project/src';
const context: PathContext = { bases: [CWD], home: HOME };
const glob = (source: string) => compilePathGlob(source, { home: HOME, ignoreCase: false });
const pathRule = (globs: string[], action: RuleAction = 'deny', argument = 'path'): PolicyRule => ({
	name: 'paths',
	match: { paths: [{ path: argument, globs: globs.map(glob) }] },
	action,
	timeoutMs: 120_000,
});
const call = (args: unknown, pathContext = context): PolicyCall => ({ method: 'tools/call', server: 'fs', tool: 'write_file', arguments: args, pathContext });

const NAMES = ['etc', 'tmp', 'passwd', 'ssh', 'a b', 'ünï', '.hidden', '..foo', 'x.conf', 'home', 'var', 'etc2', 'ETC'];

/** Writes `path` (absolute, normalised) in a random way that a server would still read as `path`. */
function spell(path: string, next: () => number): string {
	const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
	const chance = (p: number) => next() < p;
	const segments = path === '/' ? [] : path.slice(1).split('/');
	const out: string[] = [];
	// `..` at the root stays at the root.
	while (chance(0.15)) out.push(pick(['..', '.']));
	for (const segment of segments) {
		while (chance(0.2)) out.push(pick(['', '.', `${pick(NAMES)}/..`, `${pick(NAMES)}/${pick(NAMES)}/../..`]));
		out.push(segment);
	}
	while (chance(0.2)) out.push(pick(['', '.', `${pick(NAMES)}/..`]));
	let spelled = `/${out.join('/')}`;
	if (chance(0.2)) spelled += '/';
	if (chance(0.1)) spelled = `/${spelled}`;

	const form = next();
	if (form < 0.3) return fileUri(spelled, next);
	if (form < 0.45) return relative(spelled, next);
	if (form < 0.5 && path.startsWith(`${HOME}/`)) return `~${path.slice(HOME.length)}`;
	return spelled;
}

// file:// (or file://localhost) with some name characters percent-encoded.
function fileUri(spelled: string, next: () => number): string {
	const percent = (character: string) => Array.from(Buffer.from(character, 'utf8'), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
	const encoded = spelled
		.split('/')
		.map((segment) => (segment === '.' || segment === '..' ? segment : Array.from(segment, (character) => (character === ' ' || next() < 0.3 ? percent(character) : character)).join('')))
		.join('/');
	return `${next() < 0.5 ? 'file://' : 'file://localhost'}${encoded}`;
}

// Relative to the server's folder: climb to the root (and sometimes past it), then down.
function relative(spelled: string, next: () => number): string {
	const depth = CWD.split('/').length - 1 + (next() < 0.3 ? 2 : 0);
	return `${Array.from({ length: depth }, () => '..').join('/')}${spelled}`;
}

/** A random absolute path, under /etc or not. */
function randomPath(next: () => number, under: boolean): string {
	const length = Math.floor(next() * 4);
	const segments = Array.from({ length }, () => NAMES[Math.floor(next() * NAMES.length)]!);
	if (under) return normalizePath(`/etc/${segments.join('/')}`);
	const first = NAMES.filter((name) => name !== 'etc')[Math.floor(next() * (NAMES.length - 1))]!;
	return next() < 0.1 ? '/' : normalizePath(`/${first}/${segments.join('/')}`);
}

const INSIDE = ['/etc', '/etc/passwd', '/etc/ssh/sshd_config', '/etc/a b/ünï', '/etc/.hidden', '/etc/..foo', '/etc/etc/etc'];
const OUTSIDE = ['/', '/etc2', '/etc2/passwd', '/etcetera/x', '/tmp/etc/passwd', '/var/etc', '/home/me/etc', '/ETC/passwd', '/.etc', '/..etc/passwd', '/e', '/et'];

describe('path spellings (seeded)', () => {
	const etc = pathRule(['/etc/**']);

	it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: every spelling of a path under /etc is matched by /etc/**, and none outside it', (seed) => {
		const next = random(seed);
		const paths = [...INSIDE.map((path) => [path, true] as const), ...OUTSIDE.map((path) => [path, false] as const)];
		for (let index = 0; index < 40; index++) {
			const under = next() < 0.5;
			paths.push([randomPath(next, under), under]);
		}
		for (const [path, under] of paths) {
			for (let attempt = 0; attempt < 25; attempt++) {
				const spelled = spell(path, next);
				// The generator's promise: the spelling reads as the path it came from.
				expect(pathReadings(spelled, context), `${spelled} (a spelling of ${path})`).toContain(path);
				expect(matchRule(etc, call({ path: spelled })), `${spelled} (a spelling of ${path})`).toBe(under);
			}
		}
	});

	it('reads the spellings from the issue as /etc/passwd', () => {
		for (const spelled of ['//etc/passwd', '/tmp/../etc/passwd', '/etc/./passwd', '/./etc/passwd', '/etc/passwd/.', '/etc/passwd/', 'file:///etc/passwd', 'file://localhost/etc/passwd', 'file:///%65tc/passwd', 'FILE:///etc//passwd', '/../../etc/passwd']) {
			expect(pathReadings(spelled, context), spelled).toContain('/etc/passwd');
			expect(matchRule(etc, call({ path: spelled })), spelled).toBe(true);
		}
	});
});

describe('match.paths', () => {
	it.each<[string, string[], unknown, boolean]>([
		['/etc/** matches /etc itself', ['/etc/**'], { path: '/etc' }, true],
		['a glob without ** matches only that path', ['/etc'], { path: '/etc/passwd' }, false],
		['* stays within a segment', ['/home/*/.ssh/**'], { path: '/home/me/.ssh/id_rsa' }, true],
		['* does not cross a slash', ['/home/*'], { path: '/home/me/x' }, false],
		['** in the middle spans folders', ['/srv/**/secrets/**'], { path: '/srv/a/b/secrets/key' }, true],
		['** in the middle spans no folder too', ['/srv/**/secrets/**'], { path: '/srv/secrets' }, true],
		['? is one character of a name', ['/tmp/?'], { path: '/tmp/a' }, true],
		['regex characters are literal', ['/tmp/a.b'], { path: '/tmp/axb' }, false],
		['any glob of the list', ['/root/**', '/etc/**'], { path: '/etc/x' }, true],
		['~/ is the home folder', ['~/.ssh/**'], { path: '/home/me/.ssh/config' }, true],
		['~ in the argument is the home folder', ['/home/me/.ssh/**'], { path: '~/.ssh/config' }, true],
		['a relative path is resolved against the server folder', ['/home/me/project/**'], { path: 'notes.md' }, true],
		['a relative path climbing out of it', ['/etc/**'], { path: '../../../../etc/passwd' }, true],
		['an array matches when any element does (deny)', ['/etc/**'], { path: ['/tmp/a', '//etc/shadow'] }, true],
		['a number is not a path', ['/**'], { path: 5 }, false],
		['a missing argument', ['/**'], { other: '/etc' }, false],
		['a plain path with percent escapes is read both ways (deny)', ['/etc/**'], { path: '/tmp/%2e%2e/etc/passwd' }, true],
		['a URI with an encoded slash', ['/etc/**'], { path: 'file:///tmp%2F..%2F..%2Fetc/passwd' }, true],
		['case matters on Linux', ['/etc/**'], { path: '/Etc/passwd' }, false],
	])('deny: %s', (_case, globs, args, expected) => {
		expect(matchRule(pathRule(globs), call(args))).toBe(expected);
	});

	it('resolves relative paths against the roots the client listed too', () => {
		const withRoots: PathContext = { bases: [CWD, '/srv/data'], home: HOME };
		expect(matchRule(pathRule(['/srv/**']), call({ path: 'x.csv' }, withRoots))).toBe(true);
		expect(matchRule(pathRule(['/srv/**']), call({ path: 'x.csv' }))).toBe(false);
	});

	// An allow rule ends the search: it must not match when one reading of the path falls outside it.
	it.each<[string, string[], unknown, boolean]>([
		['a path inside', ['/home/me/**'], { path: '/home/me/notes' }, true],
		['a detour out of it', ['/home/me/**'], { path: '/home/me/../../etc/passwd' }, false],
		['percent escapes that may climb out', ['/home/me/**'], { path: '/home/me/%2e%2e/%2e%2e/etc/passwd' }, false],
		['every element of an array must be inside', ['/home/me/**'], { path: ['/home/me/a', '/etc/passwd'] }, false],
		['all elements inside', ['/home/me/**'], { path: ['/home/me/a', 'b'] }, true],
		['a relative path resolved against several folders, one outside', ['/home/me/project/**'], { path: 'x' }, false],
		['a number is not a path', ['/**'], { path: 5 }, false],
	])('allow: %s', (_case, globs, args, expected) => {
		const bases = _case.includes('several folders') ? { bases: [CWD, '/srv'], home: HOME } : context;
		expect(matchRule(pathRule(globs, 'allow'), call(args, bases))).toBe(expected);
		expect(matchRule(pathRule(globs, 'log'), call(args, bases))).toBe(expected);
	});

	it('applies to a dot path and to every element of an array', () => {
		const rule: PolicyRule = { ...pathRule(['/etc/**']), match: { paths: [{ path: 'edits.file', globs: [glob('/etc/**')] }] } };
		expect(matchRule(rule, call({ edits: [{ file: '/tmp/a' }, { file: '/tmp/../etc/hosts' }] }))).toBe(true);
	});

	it('says which reading matched which glob', () => {
		const decision = evaluatePolicy({ rules: [pathRule(['/root/**', '/etc/**'])] }, call({ path: '/tmp/../etc/passwd' }));
		expect(decision.action).toBe('deny');
		expect(decision.paths).toEqual<PathMatch[]>([{ argument: 'path', value: '/tmp/../etc/passwd', path: '/etc/passwd', glob: '/etc/**' }]);
	});
});

describe('pathReadings', () => {
	it.each<[string, string, string[]]>([
		['an absolute path', '/etc//passwd/', ['/etc/passwd']],
		['the root', '/./..', ['/']],
		['a name that starts with ..', '/etc/..foo', ['/etc/..foo']],
		['a relative path inside the folder', 'notes/../todo.md', ['/home/me/project/src/todo.md']],
		// From a folder mcprec does not know about, `..` may reach anywhere up to the root.
		['a relative path climbing out of the folder', '../etc/passwd', ['/home/me/project/etc/passwd', '/etc/passwd']],
		['~/ as the home folder (and as a folder named ~)', '~/x', ['/home/me/project/src/~/x', '/home/me/x']],
		['a plain path with escapes, both ways', '/a%20b', ['/a%20b', '/a b']],
		['a malformed escape stays as written', '/a%zz%41', ['/a%zz%41', '/a%zzA']],
		['a file URI with a host', 'file://server/etc/passwd', ['/etc/passwd']],
		['a file URI with an escaped slash', 'file:///etc%2Fpasswd', ['/etc%2Fpasswd', '/etc/passwd']],
		['an NFD name reads as NFC', '/caf\u0065\u0301', ['/caf\u00e9']],
	])('%s', (_case, value, readings) => {
		expect(pathReadings(value, context)).toEqual(readings);
	});
});
