// The source tree reads in data-path order, and the import graph keeps it that way: no two
// folders of src/ import each other (directly or round a loop), the ground floors import
// nothing above them, and the collector never reaches into the recorder or the terminal UI.
// A failing case names the files whose imports close the loop.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Folders that everything may use and that use (almost) nothing: errors, time, JSON-RPC, the event and its codecs. */
const GROUND_FLOORS: Record<string, string[]> = { errors: [], time: ['errors'], jsonrpc: [], event: [], terminal: [] };
/** Imports the design rules out, whatever else changes. */
const FORBIDDEN: [from: string, to: string][] = [
	['server', 'recorder'],
	['server', 'tui'],
	['server', 'proxy'],
	['server', 'commands'],
	['stages', 'proxy'],
	['pipeline', 'proxy'],
	['pipeline', 'stages'],
];

interface Edge {
	from: string;
	to: string;
	file: string;
	specifier: string;
}

function folderEdges(): Edge[] {
	const edges: Edge[] = [];
	const folderOf = (file: string) => path.relative(src, file).split(path.sep)[0]!;
	for (const name of fs.readdirSync(src, { recursive: true }) as string[]) {
		if (!/\.tsx?$/.test(name)) continue;
		const file = path.join(src, name);
		const text = fs.readFileSync(file, 'utf8');
		for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
			const target = path.resolve(path.dirname(file), match[1]!);
			const from = folderOf(file);
			const to = folderOf(target);
			if (from !== to && !from.includes('.') && !to.startsWith('..')) edges.push({ from, to, file: path.relative(src, file), specifier: match[1]! });
		}
	}
	return edges;
}

/** Strongly connected groups of more than one folder (Tarjan). */
function cycles(edges: Edge[]): string[][] {
	const next = new Map<string, Set<string>>();
	for (const { from, to } of edges) next.set(from, (next.get(from) ?? new Set()).add(to));
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const found: string[][] = [];
	let counter = 0;
	const visit = (node: string) => {
		index.set(node, counter);
		low.set(node, counter++);
		stack.push(node);
		for (const target of next.get(node) ?? []) {
			if (!index.has(target)) {
				visit(target);
				low.set(node, Math.min(low.get(node)!, low.get(target)!));
			} else if (stack.includes(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
		}
		if (low.get(node) === index.get(node)) {
			const group: string[] = [];
			let member: string;
			do {
				member = stack.pop()!;
				group.push(member);
			} while (member !== node);
			if (group.length > 1) found.push(group.sort());
		}
	};
	for (const node of next.keys()) if (!index.has(node)) visit(node);
	return found;
}

const describeEdges = (edges: Edge[]) => edges.map((edge) => `${edge.file} → ${edge.specifier}`).join('\n');

describe('the layers of src/', () => {
	const edges = folderEdges();

	it('has imports between folders to check', () => {
		expect(edges.length).toBeGreaterThan(50);
	});

	it('has no import cycle between folders', () => {
		const found = cycles(edges);
		const closing = edges.filter((edge) => found.some((group) => group.includes(edge.from) && group.includes(edge.to)));
		expect(found, `folders in a cycle, through:\n${describeEdges(closing)}`).toEqual([]);
	});

	it('keeps the ground floors free of anything above them', () => {
		const wrong = edges.filter((edge) => edge.from in GROUND_FLOORS && !GROUND_FLOORS[edge.from]!.includes(edge.to));
		expect(wrong, describeEdges(wrong)).toEqual([]);
	});

	it.each(FORBIDDEN)('never imports %s → %s', (from, to) => {
		const wrong = edges.filter((edge) => edge.from === from && edge.to === to);
		expect(wrong, describeEdges(wrong)).toEqual([]);
	});
});
