// The build's last step fails when shipped code loads a module an installed package would
// not have (scripts/check-bundle-imports.mjs). Each form of loading a module, as a case.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { checkBundleImports, packageNameOf } from '../../scripts/check-bundle-imports.mjs';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-bundle-check-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
const packageJson = { dependencies: { chalk: '^5', '@napi-rs/keyring': '^2' }, devDependencies: { vitest: '^4' } };

function problemsOf(code: string): string[] {
	const file = path.join(folder, `case-${Math.random().toString(36).slice(2)}.js`);
	fs.writeFileSync(file, code);
	fs.writeFileSync(path.join(folder, 'beside.js'), '');
	return checkBundleImports({ paths: [file], packageJson }).problems;
}

describe('check-bundle-imports', () => {
	it.each([
		['a declared package', `import chalk from 'chalk';`],
		['a declared package subpath', `import x from 'chalk/source/index.js';`],
		['a node: builtin', `import fs from 'node:fs';`],
		['a bare builtin', `import fs from 'fs';`],
		['a file beside it', `import './beside.js';`],
		['a declared scoped package through createRequire', `import { createRequire } from 'node:module'; createRequire(import.meta.url)('@napi-rs/keyring');`],
		['a worker file beside it', `new Worker(new URL('./beside.js', import.meta.url));`],
	])('accepts %s', (_name, code) => {
		expect(problemsOf(code)).toEqual([]);
	});

	it.each([
		['an undeclared package', `import x from '@oxc-project/runtime/helpers/taggedTemplateLiteral';`, `'@oxc-project/runtime' is not in package.json "dependencies"`],
		['a dev dependency', `export { x } from 'vitest';`, `'vitest' is not in package.json "dependencies"`],
		['a re-export of everything', `export * from 'left-pad';`, `'left-pad' is not`],
		['a dynamic import', `await import('openid-client');`, `'openid-client' is not`],
		['a require through the bundler shim', `__require('pg');`, `'pg' is not`],
		['a computed dynamic import', `const name = 'x'; await import(name);`, 'computed specifier cannot be checked'],
		['a missing file', `import './gone.js';`, `imports './gone.js', which is not in the bundle`],
		['a missing worker file', `new Worker(new URL('./gone-worker.js', import.meta.url));`, `imports './gone-worker.js', which is not in the bundle`],
	])('refuses %s, naming the file, line and package', (_name, code, expected) => {
		const problems = problemsOf(`// line 1\n${code}`);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain(expected);
		expect(problems[0]).toMatch(/case-\w+\.js:2: /);
	});

	it('reads package names from specifiers', () => {
		expect(packageNameOf('@scope/name/deep/file.js')).toBe('@scope/name');
		expect(packageNameOf('name/sub')).toBe('name');
		expect(packageNameOf('name')).toBe('name');
	});
});
