// YAML (and so JSON) parsing that keeps positions, so policy and config errors name the line.

import { LineCounter, parseDocument, type Document } from 'yaml';
import { PolicyError } from './policy-types.js';

export interface ParsedYaml {
	document: Document.Parsed;
	lineCounter: LineCounter;
}

/** Parses one YAML document; a syntax error becomes a PolicyError naming `file` and the line. */
export function parseYamlDocument(text: string, file: string): ParsedYaml {
	const lineCounter = new LineCounter();
	const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
	const [error] = document.errors;
	if (error) {
		// Errors found at the end of input (an unclosed quote) point past the last line; name that line instead.
		const line = Math.min(lineCounter.linePos(error.pos[0]).line, Math.max(1, text.trimEnd().split('\n').length));
		throw new PolicyError(file, line, describeYamlError(error.code, error.message, text.slice(error.pos[0])));
	}
	return { document, lineCounter };
}

function describeYamlError(code: string, message: string, rest: string): string {
	if (code === 'DUPLICATE_KEY') return `duplicate key '${leadingKey(rest)}'`;
	if (code === 'MULTIPLE_DOCS') return 'more than one YAML document (expected one)';
	return `YAML syntax error: ${message.split('\n')[0]}`;
}

// The key at the start of `text` ("rules: []" → rules), unquoted.
function leadingKey(text: string): string {
	const quoted = /^(["'])((?:\\.|(?!\1).)*)\1/.exec(text);
	if (quoted) return quoted[2];
	return /^[^:,{}[\]\n]*/.exec(text)![0].trim();
}
