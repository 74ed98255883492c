import { stripVTControlCharacters } from 'node:util';

/** Left-aligned columns separated by two spaces; widths ignore colour codes. */
export function formatTable(headers: string[], rows: string[][]): string {
	const widths = headers.map((header, column) =>
		Math.max(header.length, ...rows.map((row) => stripVTControlCharacters(row[column] ?? '').length)),
	);
	const line = (cells: string[]) =>
		cells
			.map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column] - stripVTControlCharacters(cell).length)))
			.join('  ')
			.trimEnd();
	return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
