// JSON and JSONC client configs (Claude, Cursor, VS Code, Windsurf, Gemini CLI) edited with
// jsonc-parser's edit API: each changed field is one minimal edit, indented like the file.

import { sameValue } from './same-value.js';
import { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree, printParseErrorCode, type FormattingOptions, type Node, type ParseError } from 'jsonc-parser';
import { UserError } from '../errors/user-error.js';
import type { ConfigDocument, LocatedEntry } from './config-document.js';
import type { ServerEntry } from './wrap-entry.js';

export function openJsonDocument(file: string, original: string, serverMaps: readonly (readonly string[])[]): ConfigDocument {
	let text = original;
	const formatting = detectFormatting(original);
	const tree = () => {
		const errors: ParseError[] = [];
		const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
		if (errors.length > 0 || !root) {
			const first = errors[0];
			const where = first ? lineAndColumn(text, first.offset) : '1:1';
			throw new UserError(`${file}:${where}: not valid JSON (${first ? printParseErrorCode(first.error) : 'empty file'}); fix the file or leave this client out with --client`);
		}
		return root;
	};
	tree();
	return {
		entries() {
			const root = tree();
			const found: LocatedEntry[] = [];
			for (const mapPath of serverMaps) {
				for (const concrete of expandPath(root, mapPath)) {
					const map = findNodeAtLocation(root, concrete);
					if (map?.type !== 'object') continue;
					for (const property of map.children ?? []) {
						const [keyNode, valueNode] = property.children ?? [];
						if (!keyNode || !valueNode) continue;
						found.push({ mapPath: concrete, key: keyNode.value as string, value: getNodeValue(valueNode) });
					}
				}
			}
			return found;
		},
		replace(entry, next) {
			const current = entry.value as ServerEntry;
			const names = new Set([...Object.keys(current), ...Object.keys(next)]);
			for (const name of names) {
				if (sameValue(current[name], next[name])) continue;
				const edits = modify(text, [...entry.mapPath, entry.key, name], next[name], { formattingOptions: formatting });
				text = applyEdits(text, edits);
			}
		},
		text: () => text,
	};
}

// `projects › * › mcpServers` becomes one path per project key.
function expandPath(root: Node, mapPath: readonly string[]): string[][] {
	let paths: string[][] = [[]];
	for (const segment of mapPath) {
		if (segment !== '*') {
			paths = paths.map((prefix) => [...prefix, segment]);
			continue;
		}
		paths = paths.flatMap((prefix) => {
			const node = findNodeAtLocation(root, prefix);
			if (node?.type !== 'object') return [];
			return (node.children ?? []).map((property) => [...prefix, property.children![0]!.value as string]);
		});
	}
	return paths;
}

// Indent and line ending as the file already has them.
function detectFormatting(text: string): FormattingOptions {
	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	const indents = [...text.matchAll(/\n([ \t]+)\S/g)].map((match) => match[1]!);
	if (indents.some((indent) => indent.startsWith('\t'))) return { insertSpaces: false, tabSize: 4, eol };
	const widths = indents.map((indent) => indent.length).filter((width) => width > 0);
	return { insertSpaces: true, tabSize: widths.length > 0 ? Math.min(...widths) : 2, eol };
}

function lineAndColumn(text: string, offset: number): string {
	const before = text.slice(0, offset).split('\n');
	return `${before.length}:${before.at(-1)!.length + 1}`;
}
