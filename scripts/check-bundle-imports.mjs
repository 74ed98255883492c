// After bundling: every module the shipped code can load must be shipped with it. A bare
// specifier left in dist/bundle must be a `dependencies` entry of package.json (or a Node
// builtin), and a relative one must point at a file that exists beside it. An installed
// package has nothing else: devDependencies are not there, and neither is dist/'s tsc output.
// (The first collector release imported a bundler helper package that no one had declared,
// and every test passed because none of them ran the bundle.)
//
// Usage: node scripts/check-bundle-imports.mjs [file|folder…] (default: bin and dist/bundle)
// — exits 1 listing each problem.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAst } from 'rolldown/parseAst';

const BUILTINS = new Set(builtinModules);
const REQUIRE_NAMES = new Set(['require', '__require']);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier) {
	const parts = specifier.split('/');
	return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every module specifier a file's code loads: static and dynamic imports, re-exports, require() of a literal. */
export function findSpecifiers(code, fileName) {
	const found = [];
	const visit = (node) => {
		if (Array.isArray(node)) {
			for (const child of node) visit(child);
			return;
		}
		if (node === null || typeof node !== 'object') return;
		switch (node.type) {
			case 'ImportDeclaration':
			case 'ExportAllDeclaration':
			case 'ExportNamedDeclaration':
				if (node.source) found.push({ specifier: node.source.value, line: lineOf(code, node.start) });
				break;
			case 'ImportExpression':
				found.push(literalOrProblem(code, node.source, node.start, 'import()'));
				break;
			case 'CallExpression':
				if (isRequireCall(node.callee)) found.push(literalOrProblem(code, node.arguments[0], node.start, 'require()'));
				break;
			case 'NewExpression':
				// new URL('./worker.js', import.meta.url): a file loaded beside this one (a worker thread).
				if (isUrlBesideModule(node)) found.push({ specifier: node.arguments[0].value, line: lineOf(code, node.start) });
				break;
		}
		for (const key in node) if (key !== 'type') visit(node[key]);
	};
	visit(parseAst(code, { sourceType: 'module' }, fileName));
	return found;
}

// require('x'), __require('x') (rolldown's own shim) and createRequire(import.meta.url)('x').
function isRequireCall(callee) {
	if (callee.type === 'Identifier') return REQUIRE_NAMES.has(callee.name);
	return callee.type === 'CallExpression' && callee.callee.type === 'Identifier' && callee.callee.name === 'createRequire';
}

function isUrlBesideModule(node) {
	const [first, second] = node.arguments;
	return (
		node.callee.type === 'Identifier' &&
		node.callee.name === 'URL' &&
		first?.type === 'Literal' &&
		typeof first.value === 'string' &&
		first.value.startsWith('.') &&
		second?.type === 'MemberExpression' &&
		second.object.type === 'MetaProperty' &&
		second.property.name === 'url'
	);
}

function literalOrProblem(code, argument, start, form) {
	if (argument?.type === 'Literal' && typeof argument.value === 'string') return { specifier: argument.value, line: lineOf(code, start) };
	return { specifier: undefined, line: lineOf(code, start), problem: `${form} of a computed specifier cannot be checked; load a literal module name` };
}

function lineOf(code, offset) {
	let line = 1;
	for (let index = 0; index < offset; index++) if (code.charCodeAt(index) === 10) line++;
	return line;
}

/** The JavaScript files among `paths` (files, or folders searched recursively). */
function javascriptFiles(paths) {
	return paths.flatMap((entry) =>
		statSync(entry).isDirectory()
			? readdirSync(entry, { recursive: true })
					.filter((name) => /\.(m?js|cjs)$/.test(name))
					.map((name) => path.join(entry, name))
			: [entry],
	);
}

/** Problems in the shipped JavaScript under `paths`, each naming the file, line and module. */
export function checkBundleImports({ paths, packageJson }) {
	const declared = new Set([...Object.keys(packageJson.dependencies ?? {}), ...Object.keys(packageJson.optionalDependencies ?? {})]);
	const problems = [];
	const files = javascriptFiles(paths);
	for (const file of files) {
		for (const { specifier, line, problem } of findSpecifiers(readFileSync(file, 'utf8'), file)) {
			const where = `${path.relative(process.cwd(), file)}:${line}`;
			if (problem) problems.push(`${where}: ${problem}`);
			else if (specifier.startsWith('.') || specifier.startsWith('/')) {
				const target = specifier.startsWith('/') ? specifier : path.resolve(path.dirname(file), specifier);
				if (!existsSync(target)) problems.push(`${where}: imports '${specifier}', which is not in the bundle`);
			} else if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
			else if (!declared.has(packageNameOf(specifier))) {
				problems.push(`${where}: imports '${specifier}' but '${packageNameOf(specifier)}' is not in package.json "dependencies" (bundle it, or declare it)`);
			}
		}
	}
	return { files: files.length, problems };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const root = fileURLToPath(new URL('..', import.meta.url));
	const paths = process.argv.length > 2 ? process.argv.slice(2) : [path.join(root, 'bin'), path.join(root, 'dist/bundle')];
	const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
	const { files, problems } = checkBundleImports({ paths, packageJson });
	if (problems.length > 0) {
		process.stderr.write(`The bundle loads modules an installed mcprec would not have:\n${problems.map((line) => `  ${line}`).join('\n')}\n`);
		process.exit(1);
	}
	process.stdout.write(`bundle imports: ${files} files, every module they load is shipped or declared\n`);
}
