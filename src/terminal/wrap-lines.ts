// Long lines folded to a width for a terminal, never cut: each piece of a folded line
// starts at the same indent as the line, plus two columns, so the fold is visible.

/** Folds every line of `text` longer than `width` columns; nothing is dropped. */
export function wrapLines(text: string, width: number): string {
	const folded: string[] = [];
	for (const line of text.split('\n')) {
		const characters = Array.from(line);
		if (characters.length <= width) {
			folded.push(line);
			continue;
		}
		const indent = ' '.repeat(Math.min(line.length - line.trimStart().length + 2, Math.floor(width / 2)));
		folded.push(characters.slice(0, width).join(''));
		const room = Math.max(1, width - indent.length);
		for (let start = width; start < characters.length; start += room) folded.push(indent + characters.slice(start, start + room).join(''));
	}
	return folded.join('\n');
}
